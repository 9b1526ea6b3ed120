using System.CommandLine;
using ClusterML.Cli.Hosting;
using ClusterML.Cli.Output;
using ClusterML.Core.IO;
using ClusterML.Core.Validation;
using ClusterML.Engines.FiniteDifferences;

namespace ClusterML.Cli.Commands;

/// <summary><c>clusterml fd heat</c>: the finite-difference reference solver of the 1D heat equation.</summary>
internal static class FdCommand
{
    public static Command Create(CommandRunner runner)
    {
        var fd = new Command("fd", "Classical finite-difference solvers (the reference the neural engines are checked against).");
        fd.Subcommands.Add(CreateHeat(runner));
        return fd;
    }

    private static Command CreateHeat(CommandRunner runner)
    {
        var defaults = new HeatProblem();
        var alpha = new Option<double>("--alpha") { Description = "Diffusivity α (e.g. m²/s), > 0.", DefaultValueFactory = _ => defaults.Alpha };
        var length = new Option<double>("--length") { Description = "Rod length L (e.g. m), > 0.", DefaultValueFactory = _ => defaults.Length };
        var nx = new Option<int>("--nx") { Description = "Grid points including both ends (Δx = L/(nx−1)), ≥ 3.", DefaultValueFactory = _ => 101 };
        var tEnd = new Option<double>("--t-end") { Description = "Final time (e.g. s), > 0.", DefaultValueFactory = _ => 1.0 };
        var dt = new Option<double?>("--dt") { Description = "Time step; shortened if needed so whole steps end at t-end. Give --dt or --r." };
        var r = new Option<double?>("--r") { Description = $"Mesh ratio r = αΔt/Δx² (explicit: ≤ 1/2). Default {FdHeatSettings.DefaultR} when neither --dt nor --r is given." };
        var left = new Option<double>("--left") { Description = "Temperature held at x = 0.", DefaultValueFactory = _ => defaults.Left };
        var right = new Option<double>("--right") { Description = "Temperature held at x = L.", DefaultValueFactory = _ => defaults.Right };
        var initial = new Option<double>("--initial") { Description = "Initial temperature inside the rod.", DefaultValueFactory = _ => defaults.Initial };
        var scheme = new Option<string>("--scheme") { Description = "explicit (FTCS) or crank-nicolson (unconditionally stable).", DefaultValueFactory = _ => "explicit" };
        scheme.AcceptOnlyFromAmong("explicit", "crank-nicolson");
        var snapshots = new Option<int>("--snapshots") { Description = "Evenly spaced times written to solution.csv and plotted (t = 0 and t-end included), ≥ 2.", DefaultValueFactory = _ => 6 };
        var heatmapRows = new Option<int>("--heatmap-rows") { Description = "Evenly spaced times in the heat map and the error measurement, ≥ 2.", DefaultValueFactory = _ => 101 };
        var seed = new Option<int>("--seed") { Description = "Recorded in summary.json; the solver itself is deterministic.", DefaultValueFactory = _ => 0 };
        var outDir = new Option<string>("--out") { Description = "Output folder (created; files replaced only when the run succeeds).", DefaultValueFactory = _ => "out/fd" };

        var heat = new Command("heat", "Solve T_t = α T_xx on [0, L] with fixed end temperatures; compare with the exact solution. " +
            "Writes solution.csv (x,t,T at the snapshot times), summary.json and heat.png.")
        {
            alpha, length, nx, tEnd, dt, r, left, right, initial, scheme, snapshots, heatmapRows, seed, outDir,
        };

        runner.SetAction(heat, async (context, cancellationToken) =>
        {
            var p = context.Parse;
            var settings = new FdHeatSettings(
                new HeatProblem(p.GetValue(alpha), p.GetValue(length), p.GetValue(left), p.GetValue(right), p.GetValue(initial)),
                p.GetValue(nx), p.GetValue(tEnd), p.GetValue(dt), p.GetValue(r),
                p.GetValue(scheme) == "crank-nicolson" ? HeatScheme.CrankNicolson : HeatScheme.Explicit,
                p.GetValue(snapshots), p.GetValue(heatmapRows));
            var plan = settings.Plan(); // validate before touching the output folder
            var target = p.GetValue(outDir);
            if (string.IsNullOrWhiteSpace(target))
            {
                throw new InvalidInputException("--out", "must name a folder");
            }
            context.Log.Information(
                "fd heat: {Scheme}, nx {Nx}, dx {Dx}, dt {Dt}, r {R}, {Steps} steps to t = {TEnd}",
                SchemeName(plan.Settings.Scheme), plan.Settings.Nx, plan.Dx, plan.Dt, plan.R, plan.Steps, plan.Settings.TEnd);

            var solution = await ProgressDisplay.RunAsync(context, "fd heat", progress => FdHeatSolver.Solve(settings, progress, cancellationToken));

            using (var output = AtomicOutputDirectory.Begin(target))
            {
                HeatOutputs.WriteSolutionCsv(solution, output.PathFor("solution.csv"));
                HeatOutputs.WriteSummaryJson(solution, p.GetValue(seed), output.PathFor("summary.json"));
                HeatPlots.Write(solution, output.PathFor("heat.png"));
                output.Commit();
                context.Log.Information("Wrote solution.csv, summary.json and heat.png to {Out}", output.Target);
            }

            Tables.Write(context.Out, Tables.KeyValues("quantity", "value",
            [
                ("scheme", SchemeName(settings.Scheme)),
                ("r = αΔt/Δx²", $"{solution.Plan.R:G6}"),
                ("steps", $"{solution.Plan.Steps}"),
                ($"max |T − T_exact| (τ ≥ {solution.Error.MinTau})", solution.Error.MaxAbs is { } e ? $"{e:E3}" : "n/a (no time with τ ≥ 0.01)"),
                ("wall time (s)", $"{solution.Wall.TotalSeconds:F3}"),
            ]));
            return ExitCodes.Ok;
        });
        return heat;
    }

    /// <summary>The scheme as the command line spells it.</summary>
    internal static string SchemeName(HeatScheme scheme) => scheme == HeatScheme.Explicit ? "explicit" : "crank-nicolson";
}
