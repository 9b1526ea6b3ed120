using System.Globalization;
using ClusterML.Engines.Pinn.Heat;

namespace ClusterML.Benchmarks;

/// <summary>
/// <c>-- pinn-heat key=value …</c>: one PINN run of the heat problem with the given settings (snake_case keys as in a
/// campaign), printing its error and time; <c>-- pinn-ablation</c>: the accuracy features switched on one by one.
/// </summary>
internal static class PinnHeatReport
{
    public static void Run(IReadOnlyList<string> args)
    {
        var settings = new PinnHeatSettings();
        var seed = 1;
        foreach (var a in args)
        {
            var (key, value) = (a[..a.IndexOf('=', StringComparison.Ordinal)], a[(a.IndexOf('=', StringComparison.Ordinal) + 1)..]);
            if (key == "seed")
            {
                seed = int.Parse(value, CultureInfo.InvariantCulture);
                continue;
            }
            settings = PinnHeatSettingsBinder.Apply(settings, key, value, key);
        }
        Console.WriteLine("| case | rel L2 vs analytic | rel L2 vs FD | Adam s | ms/step | L-BFGS s (evals) | wall s |");
        Console.WriteLine("|---|---:|---:|---:|---:|---:|---:|");
        Print(string.Join(" ", args), settings, seed);
    }

    /// <summary>The accuracy features added one at a time, from the textbook PINN to the defaults (same steps for all).</summary>
    public static void Ablation()
    {
        string[][] cases =
        [
            ["nondimensional=false", "constraints=soft", "corner=none", "weighting=fixed", "resample_every=0", "refine_fraction=0", "dtype=float32", "sampling=uniform"],
            ["constraints=soft", "corner=none", "weighting=fixed", "resample_every=0", "refine_fraction=0", "dtype=float32", "sampling=uniform"],
            ["constraints=soft", "corner=none", "weighting=annealing", "resample_every=0", "refine_fraction=0", "dtype=float32", "sampling=uniform"],
            ["constraints=boundary", "corner=none", "weighting=annealing", "resample_every=0", "refine_fraction=0", "dtype=float32", "sampling=uniform"],
            ["constraints=boundary", "corner=none", "weighting=annealing", "resample_every=500", "refine_fraction=0", "dtype=float32"],
            ["constraints=boundary", "corner=none", "weighting=annealing", "resample_every=500", "refine_fraction=0.5", "dtype=float32"],
            ["constraints=boundary", "corner=none", "weighting=annealing", "resample_every=500", "refine_fraction=0.5", "dtype=float64"],
            ["constraints=boundary", "corner=subtract", "weighting=annealing", "resample_every=500", "refine_fraction=0.5", "dtype=float64"],
            ["constraints=all", "corner=subtract", "dtype=float32"],
            [],
        ];
        Console.WriteLine("| case (changes from the defaults) | rel L2 vs analytic | rel L2 vs FD | Adam s | ms/step | L-BFGS s (evals) | wall s |");
        Console.WriteLine("|---|---:|---:|---:|---:|---:|---:|");
        foreach (var c in cases)
        {
            var settings = c.Aggregate(new PinnHeatSettings(), (s, a) => PinnHeatSettingsBinder.Apply(s, a[..a.IndexOf('=', StringComparison.Ordinal)], a[(a.IndexOf('=', StringComparison.Ordinal) + 1)..], a));
            Print(c.Length == 0 ? "defaults" : string.Join(" ", c), settings, 1, quiet: true);
        }
    }

    /// <summary>Time per Adam step against the number of collocation points (defaults otherwise; 5 warm-up steps not timed).</summary>
    public static void StepTimes()
    {
        Console.WriteLine("| collocation points | dtype | ms per Adam step | µs per point |");
        Console.WriteLine("|---:|---|---:|---:|");
        foreach (var n in new[] { 1_000, 10_000, 100_000 })
        {
            foreach (var float64 in new[] { false, true })
            {
                var steps = n >= 100_000 ? 10 : 40;
                var settings = new PinnHeatSettings { Collocation = n, Float64 = float64, LbfgsSteps = 0, ResampleEvery = 0, GridX = 5, GridT = 5, ReportEvery = 1_000_000 };
                using (PinnHeatTrainer.Train(settings with { Epochs = 5 }, 1))
                {
                }
                using var run = PinnHeatTrainer.Train(settings with { Epochs = steps }, 1);
                var ms = run.Metrics["adam_ms_per_step"];
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {n} | {(float64 ? "float64" : "float32")} | {ms:F1} | {ms * 1000 / n:F2} |"));
            }
        }
    }

    public static void Print(string name, PinnHeatSettings settings, int seed, bool quiet = false)
    {
        var progress = quiet ? null : new Progress<PinnEpoch>(e => Console.Error.WriteLine($"  {e.Stage} {e.Epoch}: loss {e.Loss:E3} pde {e.Pde:E3} bc {e.Boundary:E2} ic {e.Initial:E2} data {e.Data:E2} relL2 {e.RelativeL2:E3} alpha {e.Alpha:G5}"));
        using var run = PinnHeatTrainer.Train(settings, seed, "cpu", progress);
        var m = run.Metrics;
        var line = string.Create(CultureInfo.InvariantCulture,
            $"| {name} | {m["rel_l2_vs_analytic"]:E2} | {m["rel_l2_vs_fd"]:E2} | {m["adam_seconds"]:F1} | {m["adam_ms_per_step"]:F2} | {m["lbfgs_seconds"]:F1} ({m["lbfgs_evaluations"]}) | {m["wall_seconds"]:F1} |");
        if (m.TryGetValue("alpha", out var alpha))
        {
            line += string.Create(CultureInfo.InvariantCulture, $" α = {alpha:G6} ({m["alpha_rel_error"]:P2})");
        }
        Console.WriteLine(line);
    }
}
