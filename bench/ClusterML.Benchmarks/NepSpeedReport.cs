using System.Diagnostics;
using System.Globalization;
using ClusterML.Engines.Nep.Evaluation;
using ClusterML.Engines.Nep.Model;
using ClusterML.Engines.Nep.Structures;

namespace ClusterML.Benchmarks;

/// <summary>
/// <c>-- nep-speed [shared/data/nep folder]</c>: atom-evaluations per second of the NEP evaluator (neighbour list, descriptors,
/// network, forces, virial) on perturbed crystals, one thread and all threads, median of repeated calls after a warm-up —
/// the measurement NEP_CPU's figures in nep.md §d were made with.
/// </summary>
internal static class NepSpeedReport
{
    public static void Run(IReadOnlyList<string> args)
    {
        var folder = args.Count > 0 ? args[0] : FindShared();
        Console.WriteLine("| model | atoms | threads | median s per call | atom-evaluations/s | NEP_CPU 1 core | ratio |");
        Console.WriteLine("|---|---:|---:|---:|---:|---:|---:|");
        foreach (var (name, atoms, anchor) in new[] { ("pbte_nep4", 4096, 3.1e4), ("pbte_nep4", 32768, 2.7e4), ("si_nep4_5body", 4096, 1.1e4) })
        {
            var model = NepModel.Read(Path.Combine(folder, name, "nep.txt"));
            var structure = name.StartsWith("pbte", StringComparison.Ordinal) ? RockSalt(model, atoms) : Diamond(atoms);
            var calculator = new NepCalculator(model);
            NeighborList.Build(structure, model.MaxRadialCutoff);
            var listClock = Stopwatch.StartNew();
            var list = NeighborList.Build(structure, model.MaxRadialCutoff);
            Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{name} {atoms}: neighbour list {listClock.Elapsed.TotalSeconds:F3} s, {list.Index.Length / (double)atoms:F1} neighbours per atom"));
            foreach (var threads in new[] { 1, Environment.ProcessorCount })
            {
                var options = new NepOptions(Threads: threads);
                calculator.Compute(structure, options); // warm-up
                var repeats = atoms > 10_000 ? 3 : 7;
                var times = new double[repeats];
                for (var k = 0; k < repeats; k++)
                {
                    var clock = Stopwatch.StartNew();
                    calculator.Compute(structure, options);
                    times[k] = clock.Elapsed.TotalSeconds;
                }
                Array.Sort(times);
                var median = times[repeats / 2];
                var rate = atoms / median;
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"| {name} | {atoms} | {threads} | {median:F3} | {rate:E2} | {anchor:E1} | {rate / anchor:F2} |"));
            }
        }
    }

    private static string FindShared()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "shared", "data", "nep");
            if (Directory.Exists(candidate))
            {
                return candidate;
            }
        }
        throw new DirectoryNotFoundException("shared/data/nep not found; pass its path");
    }

    /// <summary>Rock-salt PbTe (a = 6.46 Å), cubic supercell of the 8-atom cell, atoms displaced by up to 0.1 Å.</summary>
    internal static NepStructure RockSalt(NepModel model, int atoms) =>
        Crystal(atoms, 6.46, [(0, 0, 0, "Pb"), (0.5, 0.5, 0, "Pb"), (0.5, 0, 0.5, "Pb"), (0, 0.5, 0.5, "Pb"), (0.5, 0, 0, "Te"), (0, 0.5, 0, "Te"), (0, 0, 0.5, "Te"), (0.5, 0.5, 0.5, "Te")], model.TypeOf);

    /// <summary>Diamond Si (a = 5.43 Å).</summary>
    internal static NepStructure Diamond(int atoms) =>
        Crystal(atoms, 5.43, [(0, 0, 0, "Si"), (0.5, 0.5, 0, "Si"), (0.5, 0, 0.5, "Si"), (0, 0.5, 0.5, "Si"), (0.25, 0.25, 0.25, "Si"), (0.75, 0.75, 0.25, "Si"), (0.75, 0.25, 0.75, "Si"), (0.25, 0.75, 0.75, "Si")], _ => 0);

    private static NepStructure Crystal(int atoms, double a, (double X, double Y, double Z, string S)[] basis, Func<string, int> type)
    {
        var cells = (int)Math.Round(Math.Cbrt(atoms / (double)basis.Length));
        if (cells * cells * cells * basis.Length != atoms)
        {
            throw new ArgumentException($"{atoms} atoms is not a cubic supercell of {basis.Length}-atom cells", nameof(atoms));
        }
        var random = new Random(1);
        var types = new int[atoms];
        var positions = new double[3 * atoms];
        var k = 0;
        for (var x = 0; x < cells; x++)
        {
            for (var y = 0; y < cells; y++)
            {
                for (var z = 0; z < cells; z++)
                {
                    foreach (var b in basis)
                    {
                        types[k] = type(b.S);
                        positions[3 * k] = (a * (x + b.X)) + (0.1 * ((2 * random.NextDouble()) - 1));
                        positions[(3 * k) + 1] = (a * (y + b.Y)) + (0.1 * ((2 * random.NextDouble()) - 1));
                        positions[(3 * k) + 2] = (a * (z + b.Z)) + (0.1 * ((2 * random.NextDouble()) - 1));
                        k++;
                    }
                }
            }
        }
        var l = a * cells;
        return new NepStructure([l, 0, 0, 0, l, 0, 0, 0, l], types, positions);
    }
}
