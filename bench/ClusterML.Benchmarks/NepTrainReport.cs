using System.Globalization;
using ClusterML.Engines.Nep.Training;

namespace ClusterML.Benchmarks;

/// <summary>
/// <c>-- nep-train [key=value …]</c>: fits the PbTe NEP4 architecture of GPUMD's example to its 25 training frames with Adam,
/// printing the RMSEs per epoch and the time to reach GPUMD's figures (0.41 meV/atom, 39.9 meV/Å) and the goal
/// (1 meV/atom, 45 meV/Å).
/// </summary>
internal static class NepTrainReport
{
    public static void Run(IReadOnlyList<string> args)
    {
        var settings = new NepTrainingSettings { Species = ["Te", "Pb"], Epochs = 100, Batch = 5, CheckpointEvery = 1000 };
        var seed = 1;
        var trainPath = Path.Combine(NepSpeedReportShared(), "pbte_nep4", "train.xyz");
        foreach (var a in args)
        {
            var (key, value) = (a[..a.IndexOf('=', StringComparison.Ordinal)], a[(a.IndexOf('=', StringComparison.Ordinal) + 1)..]);
            double D() => double.Parse(value, CultureInfo.InvariantCulture);
            int I() => int.Parse(value, CultureInfo.InvariantCulture);
            settings = key switch
            {
                "epochs" => settings with { Epochs = I() },
                "batch" => settings with { Batch = I() },
                "lr" => settings with { LearningRate = D() },
                "final_lr" => settings with { FinalLearningRate = D() },
                "lambda_e" => settings with { LambdaE = D() },
                "lambda_f" => settings with { LambdaF = D() },
                "lambda_1" => settings with { Lambda1 = D() },
                "lambda_2" => settings with { Lambda2 = D() },
                "float64" => settings with { Float64 = value == "true" },
                "threads" => settings with { Threads = I() },
                "seed" => settings,
                _ => throw new ArgumentException($"unknown setting {key}"),
            };
            if (key == "seed")
            {
                seed = I();
            }
        }
        var probe = new ClusterML.Engines.Nep.Model.NepModel(4, settings.Species!, [(8, 4)], 0, 0, 6, 6, 6, 6, 4, true, false, 30, new double[NepModelSize()], new double[42]);
        var train = NepDataset.Read(trainPath, probe, "--train");
        var initial = NepInitializer.Create(settings, settings.Species!, train, seed);
        double? toGoal = null, toGpumd = null;
        var progress = new Progress<NepEpoch>(e =>
        {
            Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"epoch {e.Epoch}: loss {e.Total:E3}  E {e.EnergyTrain * 1000:F2} meV/atom  F {e.ForceTrain * 1000:F1} meV/Å  ({e.Seconds:F0} s)"));
        });
        var run = NepAdamTrainer.Train(settings, initial, train, null, seed, null, false, new SyncProgress(e =>
        {
            ((IProgress<NepEpoch>)progress).Report(e);
            if (toGoal is null && e.EnergyTrain <= 1e-3 && e.ForceTrain <= 45e-3)
            {
                toGoal = e.Seconds;
            }
            if (toGpumd is null && e.EnergyTrain <= 0.41e-3 && e.ForceTrain <= 39.9e-3)
            {
                toGpumd = e.Seconds;
            }
        }));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"| {string.Join(' ', args)} | {settings.Epochs} | {run.Train.EnergyRmse * 1000:F3} | {run.Train.ForceRmse * 1000:F2} | {run.Seconds:F0} | {(toGoal is { } g ? $"{g:F0}" : "–")} | {(toGpumd is { } t ? $"{t:F0}" : "–")} |"));
    }

    /// <summary><c>-- nep-snes</c>: SNES generations per second on the PbTe example (population 50, all 25 frames per generation as GPUMD's default batch).</summary>
    public static void Snes()
    {
        var settings = new NepTrainingSettings { Species = ["Te", "Pb"], Optimizer = "snes", Population = 50, Batch = 1000, Epochs = 4, CheckpointEvery = 1000 };
        var train = NepDataset.Read(Path.Combine(NepSpeedReportShared(), "pbte_nep4", "train.xyz"), settings.Species!, "--train");
        var initial = NepInitializer.Create(settings, settings.Species!, train, 1);
        var times = new List<double>();
        var run = NepSnesTrainer.Train(settings, initial, train, null, 1, null, false, new SyncProgress(e => times.Add(e.Seconds)));
        var perGeneration = (times[^1] - times[0]) / (times.Count - 1);
        var atomEvaluations = settings.Population * train.Sum(f => f.Atoms);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"| SNES, population 50, 25 frames × 250 atoms | {perGeneration:F2} s/generation | {1 / perGeneration:F3} generations/s | {atomEvaluations / perGeneration:E2} atom-evaluations/s | loss {run.History[0].Total:E3} → {run.History[^1].Total:E3} |"));
    }

    private static int NepModelSize() => ((42 + 2) * 30 * 2) + 1 + (4 * ((7 * 7) + (7 * 7)));

    private static string NepSpeedReportShared()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "shared", "data", "nep");
            if (Directory.Exists(candidate))
            {
                return candidate;
            }
        }
        throw new DirectoryNotFoundException("shared/data/nep");
    }

    private sealed class SyncProgress(Action<NepEpoch> report) : IProgress<NepEpoch>
    {
        public void Report(NepEpoch value) => report(value);
    }
}
