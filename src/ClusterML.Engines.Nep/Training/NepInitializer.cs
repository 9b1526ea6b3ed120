using ClusterML.Core.Engines;
using ClusterML.Engines.Nep.Evaluation;
using ClusterML.Engines.Nep.Model;

namespace ClusterML.Engines.Nep.Training;

/// <summary>
/// A fresh model for a fit: random parameters from the seed (w0 ~ N(0, 2/(dim+N_neu)), b0 ~ 0.01·N(0,1),
/// w1 ~ N(0, 2/(N_neu+1)), c ~ 0.1·N(0,1) + U(−½,½), as GPUMD's gradient trainer does; b1 = −the mean reference energy per
/// atom) and GPUMD's q_scaler: 1/(max − min) of each descriptor component over the training frames, evaluated with every
/// c set to 1.
/// </summary>
public static class NepInitializer
{
    public static NepModel Create(NepTrainingSettings settings, IReadOnlyList<string> species, IReadOnlyList<NepFrame> training, int seed)
    {
        var s = settings;
        var shape = Shape(s, species, null, null);
        var random = new Random(Seeds.Derive(seed, 101));
        double Normal() => Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
        var parameters = new double[shape.ParameterCount];
        var dim = shape.Dimension;
        for (var t = 0; t < shape.Networks; t++)
        {
            var o = shape.NetworkOffset(t);
            for (var k = 0; k < s.Neurons * dim; k++)
            {
                parameters[o + k] = Normal() * Math.Sqrt(2.0 / (dim + s.Neurons));
            }
            for (var k = 0; k < s.Neurons; k++)
            {
                parameters[o + (s.Neurons * dim) + k] = 0.01 * Normal();
                parameters[o + (s.Neurons * dim) + s.Neurons + k] = Normal() * Math.Sqrt(2.0 / (s.Neurons + 1));
            }
        }
        parameters[shape.AnnParameterCount - 1] = -training.Sum(f => f.Energy) / training.Sum(f => f.Atoms);
        for (var k = shape.AnnParameterCount; k < parameters.Length; k++)
        {
            parameters[k] = (0.1 * Normal()) + random.NextDouble() - 0.5;
        }
        return Shape(s, species, parameters, QScaler(s, species, training));
    }

    /// <summary>GPUMD's scaler: descriptors of all training atoms with every parameter 1; s_ν = 1/(max_ν − min_ν).</summary>
    public static double[] QScaler(NepTrainingSettings settings, IReadOnlyList<string> species, IReadOnlyList<NepFrame> training)
    {
        var ones = Shape(settings, species, Enumerable.Repeat(1.0, Shape(settings, species, null, null).ParameterCount).ToArray(), null);
        var calculator = new NepCalculator(ones);
        var dim = ones.Dimension;
        var min = Enumerable.Repeat(double.PositiveInfinity, dim).ToArray();
        var max = Enumerable.Repeat(double.NegativeInfinity, dim).ToArray();
        foreach (var frame in training)
        {
            var q = calculator.Compute(frame.Structure, new NepOptions(Descriptors: true, Threads: Math.Max(1, settings.Threads))).Descriptors!;
            for (var k = 0; k < q.Length; k++)
            {
                min[k % dim] = Math.Min(min[k % dim], q[k]);
                max[k % dim] = Math.Max(max[k % dim], q[k]);
            }
        }
        return [.. Enumerable.Range(0, dim).Select(v => max[v] - min[v] > 1e-12 ? 1 / (max[v] - min[v]) : 1.0)];
    }

    /// <summary>The model with the settings' architecture; null arrays make a shape-only model (for sizes).</summary>
    private static NepModel Shape(NepTrainingSettings s, IReadOnlyList<string> species, double[]? parameters, double[]? scaler)
    {
        var shape = NepModel.Shape(s.Version, species, [(s.RadialCutoff, s.AngularCutoff)], s.NMaxRadial, s.NMaxAngular,
            s.Version == 1 ? s.NMaxRadial : s.BasisRadial, s.Version == 1 ? s.NMaxAngular : s.BasisAngular, s.LMax, s.FourBody, s.FiveBody, s.Neurons);
        if (parameters is null)
        {
            return shape;
        }
        scaler ??= Enumerable.Repeat(1.0, shape.Dimension).ToArray();
        return s.Version == 1
            ? NepModel.Nep1(species, s.RadialCutoff, s.AngularCutoff, s.NMaxRadial, s.NMaxAngular, s.LMax, s.Neurons, parameters, scaler)
            : new NepModel(s.Version, species, [(s.RadialCutoff, s.AngularCutoff)], 0, 0, s.NMaxRadial, s.NMaxAngular, s.BasisRadial,
                s.BasisAngular, s.LMax, s.FourBody, s.FiveBody, s.Neurons, parameters, scaler);
    }
}
