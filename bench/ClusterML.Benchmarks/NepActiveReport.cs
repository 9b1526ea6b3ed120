using System.Diagnostics;
using System.Globalization;
using ClusterML.Engines.Nep.Active;
using ClusterML.Engines.Nep.Data;
using ClusterML.Engines.Nep.Model;
using ClusterML.Engines.Nep.Structures;
using ClusterML.Engines.Nep.Training;
using ClusterML.Engines.Nep.Xyz;

namespace ClusterML.Benchmarks;

/// <summary>
/// <c>-- nep-active [key=value …]</c>: committee active learning against random selection on PbTe, with GPUMD's example
/// NEP4 (../shared/data/nep/pbte_nep4/nep.txt) as the oracle. Source structure: the rock-salt conventional cell (8 atoms) with
/// the lattice constant of the teacher's train.xyz cells, repeated 2×2×2 (64 atoms) by <see cref="NepFrameGenerator"/>.
/// Pool: <c>mild</c> frames (strain ≤ <c>mild_strain</c>, rattle <c>mild_rattle</c> Å) and <c>large</c> frames (strain ≤
/// <c>large_strain</c>, rattle <c>large_rattle</c>), mostly mild as in an exploration whose snapshots are mostly
/// near-equilibrium; the held-out test set (separately seeded) has <c>test_mild</c> and <c>test_large</c> frames of the two
/// kinds, scored together and, for member 0 of the final committee, apart. The random baseline labels as many frames per
/// round as the committee run did. The "pool's mix" column weights the mild and large test RMSEs by the pool's proportion. Both modes start from the same random initial frames and train with the same settings and seeds;
/// the table compares the final committees' force RMSE on the test set (member 0 and the committee's mean force).
/// </summary>
internal static class NepActiveReport
{
    public static void Run(IReadOnlyList<string> args)
    {
        var options = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["seeds"] = "1,2", ["mild"] = "270", ["large"] = "30", ["test_mild"] = "25", ["test_large"] = "25",
            ["mild_strain"] = "0.01", ["mild_rattle"] = "0.03", ["large_strain"] = "0.05", ["large_rattle"] = "0.12",
            ["n0"] = "10", ["rounds"] = "4", ["batch"] = "10", ["members"] = "4", ["epochs"] = "60", ["finetune"] = "20",
            ["low"] = "0.02", ["high"] = "1.0", ["bin"] = "0.01", ["threads"] = "2", ["neurons"] = "15", ["student"] = "small",
            ["lr"] = "0.01", ["final_lr"] = "0.0005", ["train_batch"] = "5",
        };
        foreach (var a in args)
        {
            var at = a.IndexOf('=', StringComparison.Ordinal);
            if (at < 0 || !options.ContainsKey(a[..at]))
            {
                throw new ArgumentException($"'{a}': expected key=value with key one of {string.Join(", ", options.Keys)}");
            }
            options[a[..at]] = a[(at + 1)..];
        }
        double D(string key) => double.Parse(options[key], CultureInfo.InvariantCulture);
        int I(string key) => int.Parse(options[key], CultureInfo.InvariantCulture);
        var threads = I("threads");
        var folder = Path.Combine(Shared(), "pbte_nep4");
        var teacher = NepModel.Read(Path.Combine(folder, "nep.txt"));
        var source = RockSalt(Path.Combine(folder, "train.xyz"));
        var mild = Generate(teacher, source, I("mild"), D("mild_strain"), D("mild_rattle"), 11, threads);
        var large = Generate(teacher, source, I("large"), D("large_strain"), D("large_rattle"), 12, threads);
        var testMild = Generate(teacher, source, I("test_mild"), D("mild_strain"), D("mild_rattle"), 21, threads);
        var testLarge = Generate(teacher, source, I("test_large"), D("large_strain"), D("large_rattle"), 22, threads);
        NepFrame[] test = [.. testMild, .. testLarge];
        NepStructure[] pool = [.. mild.Concat(large).Select(f => f.Structure)];

        var training = new NepTrainingSettings
        {
            Species = teacher.Species, Epochs = I("epochs"), Batch = I("train_batch"), LearningRate = D("lr"), FinalLearningRate = D("final_lr"),
            LambdaV = 0.1, CheckpointEvery = 100_000, Threads = threads,
        };
        training = options["student"] == "teacher"
            ? NepCommittee.ArchitectureOf(teacher, training)
            : training with { RadialCutoff = 6, AngularCutoff = 4, NMaxRadial = 4, NMaxAngular = 4, BasisRadial = 4, BasisAngular = 4, LMax = 4, FourBody = true, Neurons = I("neurons") };
        var settings = new NepActiveSettings
        {
            Training = training, FineTuneEpochs = I("finetune"), Members = I("members"), InitialFrames = I("n0"), Rounds = I("rounds"), Batch = I("batch"),
            Low = D("low"), High = D("high"), HistogramWidth = D("bin"), Threads = threads,
        };
        Console.WriteLine($"nep-active {string.Join(' ', options.Select(o => $"{o.Key}={o.Value}"))}");
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"pool: {mild.Count} mild + {large.Count} large frames of {pool[0].Count} atoms; test: {testMild.Count} mild + {testLarge.Count} large; teacher force RMS on mild / large test frames {Rms(testMild) * 1000:F0} / {Rms(testLarge) * 1000:F0} meV/Å"));
        var summary = new List<(int Seed, NepActiveRound Committee, NepActiveRound Random, int CommitteeLarge, int RandomLarge, double[] Split, double Seconds)>();
        foreach (var seed in options["seeds"].Split(',').Select(s => int.Parse(s, CultureInfo.InvariantCulture)))
        {
            var clock = Stopwatch.StartNew();
            var runs = new Dictionary<NepActiveSelection, NepActiveRun>();
            foreach (var mode in new[] { NepActiveSelection.Committee, NepActiveSelection.Random })
            {
                Console.WriteLine();
                Console.WriteLine($"seed {seed}, {mode} selection");
                Console.WriteLine();
                Console.WriteLine("| round | labelled | selected | accurate | candidates | failed | mean σmax meV/Å | histogram of σmax | E RMSE meV/atom | F RMSE meV/Å (member 0) | F RMSE meV/Å (committee mean) | train F RMSE meV/Å |");
                Console.WriteLine("|---:|---:|---:|---:|---:|---:|---:|---|---:|---:|---:|---:|");
                // The baseline labels exactly as many frames per round as the committee did (its window may hold fewer than batch).
                var sizes = mode == NepActiveSelection.Random ? runs[NepActiveSelection.Committee].Rounds.Select(r => r.Selected).ToArray() : null;
                runs[mode] = NepActiveLearning.Run(settings with { Selection = mode, BatchSizes = sizes }, teacher, pool, test, seed, new Sync(r => Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"| {r.Round} | {r.Labelled} | {r.Selected} | {r.Accurate} | {r.Candidates} | {r.Failed} | {r.MeanMaxDeviation * 1000:F1} | {string.Join(' ', r.Histogram)} (bins of {r.BinWidth * 1000:F0}) | {r.EnergyRmse * 1000:F2} | {r.ForceRmse * 1000:F1} | {r.CommitteeForceRmse * 1000:F1} | {r.TrainForceRmse * 1000:F1} |"))));
            }
            int Large(NepActiveRun run) => run.Labelled.Count(i => i >= mild.Count);
            double F(NepActiveSelection mode, IReadOnlyList<NepFrame> frames) => frames.Count > 0 ? NepPredictions.Of(runs[mode].Committee[0], frames, threads).ForceRmse : double.NaN;
            double[] split = [F(NepActiveSelection.Committee, testMild), F(NepActiveSelection.Random, testMild), F(NepActiveSelection.Committee, testLarge), F(NepActiveSelection.Random, testLarge)];
            summary.Add((seed, runs[NepActiveSelection.Committee].Rounds[^1], runs[NepActiveSelection.Random].Rounds[^1],
                Large(runs[NepActiveSelection.Committee]), Large(runs[NepActiveSelection.Random]), split, clock.Elapsed.TotalSeconds));
        }
        Console.WriteLine();
        Console.WriteLine("| seed | labelled (large) committee / random | F RMSE test, committee sel. meV/Å (member 0 / mean) | F RMSE test, random sel. meV/Å (member 0 / mean) | ratio member 0 | ratio mean | member 0 on mild test: committee / random | on large test: committee / random | at the pool's mix: committee / random | E RMSE committee / random meV/atom | s |");
        Console.WriteLine("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        var share = (double)large.Count / pool.Length;
        double Mix(double mildRmse, double largeRmse) => Math.Sqrt(((1 - share) * mildRmse * mildRmse) + (share * largeRmse * largeRmse));
        foreach (var (seed, c, r, cl, rl, split, s) in summary)
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {seed} | {c.Labelled} ({cl}) / {r.Labelled} ({rl}) | {c.ForceRmse * 1000:F1} / {c.CommitteeForceRmse * 1000:F1} | {r.ForceRmse * 1000:F1} / {r.CommitteeForceRmse * 1000:F1} | {c.ForceRmse / r.ForceRmse:F2} | {c.CommitteeForceRmse / r.CommitteeForceRmse:F2} | {split[0] * 1000:F1} / {split[1] * 1000:F1} | {split[2] * 1000:F1} / {split[3] * 1000:F1} | {Mix(split[0], split[2]) * 1000:F1} / {Mix(split[1], split[3]) * 1000:F1} | {c.EnergyRmse * 1000:F2} / {r.EnergyRmse * 1000:F2} | {s:F0} |"));
        }
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"| mean | | {summary.Average(x => x.Committee.ForceRmse) * 1000:F1} / {summary.Average(x => x.Committee.CommitteeForceRmse) * 1000:F1} | {summary.Average(x => x.Random.ForceRmse) * 1000:F1} / {summary.Average(x => x.Random.CommitteeForceRmse) * 1000:F1} | {summary.Average(x => x.Committee.ForceRmse) / summary.Average(x => x.Random.ForceRmse):F2} | {summary.Average(x => x.Committee.CommitteeForceRmse) / summary.Average(x => x.Random.CommitteeForceRmse):F2} | {summary.Average(x => x.Split[0]) * 1000:F1} / {summary.Average(x => x.Split[1]) * 1000:F1} | {summary.Average(x => x.Split[2]) * 1000:F1} / {summary.Average(x => x.Split[3]) * 1000:F1} | {summary.Average(x => Mix(x.Split[0], x.Split[2])) * 1000:F1} / {summary.Average(x => Mix(x.Split[1], x.Split[3])) * 1000:F1} | | {summary.Sum(x => x.Seconds):F0} |"));
    }

    /// <summary>The 8-atom rock-salt cell (Te at the fcc sites, Pb shifted by a/2) with the conventional lattice constant of train.xyz's fcc-primitive 5×5×5 cells.</summary>
    private static XyzFrame RockSalt(string trainPath)
    {
        var first = ExtendedXyzReader.Read(trainPath, physical: true).First();
        var row = Math.Sqrt((first.Cell[0] * first.Cell[0]) + (first.Cell[1] * first.Cell[1]) + (first.Cell[2] * first.Cell[2]));
        var a = row / 5 * Math.Sqrt(2); // |primitive vector| = a/√2, five of them per row
        double[][] fcc = [[0, 0, 0], [0, 0.5, 0.5], [0.5, 0, 0.5], [0.5, 0.5, 0]];
        var positions = fcc.SelectMany(p => p.Select(x => x * a)).Concat(fcc.SelectMany(p => p.Select((x, d) => (x + (d == 0 ? 0.5 : 0)) * a))).ToArray();
        string[] species = [.. Enumerable.Repeat("Te", 4), .. Enumerable.Repeat("Pb", 4)];
        return new XyzFrame(0, [a, 0, 0, 0, a, 0, 0, 0, a], species, positions);
    }

    private static IReadOnlyList<NepFrame> Generate(NepModel teacher, XyzFrame source, int count, double strain, double rattle, int seed, int threads)
    {
        if (count == 0)
        {
            return [];
        }
        var path = Path.Combine(Path.GetTempPath(), $"clusterml-nep-active-{Guid.NewGuid():N}.xyz");
        try
        {
            new NepFrameGenerator(teacher, [source], new NepFrameSettings(count, 2, 2, 2, rattle, strain, seed, threads)).Write(path);
            return NepDataset.Read(path, teacher.Species, "pool");
        }
        finally
        {
            File.Delete(path);
        }
    }

    private static double Rms(IReadOnlyList<NepFrame> frames) => Math.Sqrt(frames.SelectMany(f => f.Forces).Average(x => x * x));

    private static string Shared()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "shared", "data", "nep");
            if (Directory.Exists(candidate))
            {
                return candidate;
            }
        }
        throw new DirectoryNotFoundException("shared/data/nep (beside the repository)");
    }

    private sealed class Sync(Action<NepActiveRound> report) : IProgress<NepActiveRound>
    {
        public void Report(NepActiveRound value) => report(value);
    }
}
