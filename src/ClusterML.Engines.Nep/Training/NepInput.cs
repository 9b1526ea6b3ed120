using System.Globalization;
using ClusterML.Core.Validation;

namespace ClusterML.Engines.Nep.Training;

/// <summary>
/// GPUMD's <c>nep.in</c>: one keyword per line with its values (<c>#</c> starts a comment). The keywords this build uses are
/// applied to <see cref="NepTrainingSettings"/>; keywords of features it does not have are refused naming the line, so a
/// fit never silently differs from what the file asks for.
/// </summary>
public static class NepInput
{
    public static NepTrainingSettings Apply(string path, NepTrainingSettings settings)
    {
        if (!File.Exists(path))
        {
            throw new InvalidInputException("--nep-in", $"'{path}' does not exist");
        }
        var number = 0;
        foreach (var raw in File.ReadLines(path))
        {
            number++;
            var line = raw.Split('#')[0].Trim();
            if (line.Length == 0)
            {
                continue;
            }
            var tokens = line.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
            var key = tokens[0].ToLowerInvariant();
            var values = tokens[1..];
            InvalidInputException Bad(string problem) => new(key, problem, path, number);
            double D(int i) => i < values.Length && double.TryParse(values[i], NumberStyles.Float, CultureInfo.InvariantCulture, out var d) && double.IsFinite(d)
                ? d : throw Bad(i < values.Length ? $"'{values[i]}' is not a number" : "a value is missing");
            int I(int i) => i < values.Length && int.TryParse(values[i], NumberStyles.Integer, CultureInfo.InvariantCulture, out var v)
                ? v : throw Bad(i < values.Length ? $"'{values[i]}' is not an integer" : "a value is missing");
            settings = key switch
            {
                "type" => I(0) == values.Length - 1 && values.Length > 1 ? settings with { Species = values[1..] } : throw Bad("expected 'type T symbol1 … symbolT'"),
                "version" => settings with { Version = I(0) },
                "cutoff" => values.Length == 2 ? settings with { RadialCutoff = D(0), AngularCutoff = D(1) } : throw Bad("expected 'cutoff rcR rcA' (per-species cutoffs are not supported for training)"),
                "n_max" => settings with { NMaxRadial = I(0), NMaxAngular = I(1) },
                "basis_size" => settings with { BasisRadial = I(0), BasisAngular = I(1) },
                "l_max" => settings with { LMax = I(0), FourBody = values.Length > 1 && I(1) != 0, FiveBody = values.Length > 2 && I(2) != 0 },
                "neuron" => values.Length == 1 ? settings with { Neurons = I(0) } : throw Bad("two hidden layers are not supported"),
                "lambda_1" => settings with { Lambda1 = D(0) },
                "lambda_2" => settings with { Lambda2 = D(0) },
                "lambda_e" => settings with { LambdaE = D(0) },
                "lambda_f" => settings with { LambdaF = D(0) },
                "lambda_v" => settings with { LambdaV = D(0) },
                "batch" => settings with { Batch = I(0) },
                "population" => settings with { Population = I(0) },
                "generation" => settings with { Epochs = I(0) },
                "sigma0" => settings with { Sigma0 = D(0) },
                "output_interval" => settings with { CheckpointEvery = I(0) },
                "model_type" => I(0) == 0 ? settings : throw Bad("only potentials (model_type 0) are supported"),
                "prediction" => I(0) == 0 ? settings : throw Bad("use clusterml nep eval to evaluate a model"),
                _ => throw Bad($"'{tokens[0]}' is not supported by this build (supported: type, version, cutoff, n_max, basis_size, l_max, neuron, lambda_1, lambda_2, lambda_e, lambda_f, lambda_v, batch, population, generation, sigma0, output_interval, model_type, prediction)"),
            };
        }
        return settings;
    }
}
