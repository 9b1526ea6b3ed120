using System.CommandLine;
using System.Globalization;
using ClusterML.Cli.Hosting;
using ClusterML.Cli.Output;
using ClusterML.Core.IO;
using ClusterML.Core.Validation;
using ClusterML.Engines.Pinn.Heat;

namespace ClusterML.Cli.Commands;

/// <summary><c>clusterml pinn heat|predict</c>: the physics-informed network of the 1D heat problem, forward and inverse.</summary>
internal static class PinnCommand
{
    public static Command Create(CommandRunner runner)
    {
        var pinn = new Command("pinn", "Physics-informed neural networks: the 1D heat equation solved and inverted.");
        pinn.Subcommands.Add(CreateHeat(runner));
        pinn.Subcommands.Add(CreatePredict(runner));
        return pinn;
    }

    /// <summary>Settings options: the campaign keys with dashes, parsed by <see cref="PinnHeatSettingsBinder"/>.</summary>
    private static readonly (string Key, string Description)[] SettingOptions =
    [
        ("alpha", "Diffusivity α (the reference value in an inverse run). Default 0.1."),
        ("length", "Rod length L. Default 1."),
        ("left", "T held at x = 0. Default 0."),
        ("right", "T held at x = L. Default 1."),
        ("initial", "Initial temperature. Default 0."),
        ("t-end", "End of the time window. Default 1."),
        ("layers", "Hidden layers. Default 3."),
        ("width", "Units per hidden layer. Default 32."),
        ("activation", "tanh (default), silu, gelu or sin."),
        ("collocation", "Interior collocation points. Default 2000."),
        ("boundary-points", "Points per boundary / on the initial line (soft conditions). Default 200."),
        ("sampling", "Collocation sampling: uniform, lhs (default) or sobol."),
        ("resample-every", "Draw fresh collocation points every N Adam steps (0: never). Default 500."),
        ("refine-fraction", "Share of resampled points drawn ∝ |PDE residual| (residual-based refinement; 0: off). Default 0.5."),
        ("epochs", "Adam steps. Default 2000."),
        ("lr", "Adam learning rate (decays to a tenth over the run). Default 2e-3."),
        ("lbfgs-steps", "L-BFGS outer steps after Adam (20 iterations each; 0: none). Default 100."),
        ("weight-pde", "Weight of the PDE residual. Default 1."),
        ("weight-bc", "(Initial) weight of the boundary term. Default 1."),
        ("weight-ic", "(Initial) weight of the initial-condition term. Default 1."),
        ("weight-data", "(Initial) weight of the observation misfit. Default 1."),
        ("weighting", "annealing (learning-rate annealing of the weights, default) or fixed."),
        ("anneal-every", "Adam steps between weight updates. Default 50."),
        ("nondimensional", "true (default): inputs ξ = x/L, s = t/t_end scaled to [−1, 1]; false: raw x, t."),
        ("constraints", "all (default: BCs and IC exact), boundary (BCs exact) or soft (all as loss terms)."),
        ("corner", "subtract (default: the erfc similarity solutions of the t = 0 jumps are subtracted) or none."),
        ("dtype", "float64 (default) or float32."),
        ("alpha-init", "Starting α of an inverse run. Default 1."),
        ("eval-min-tau", "Errors are measured for τ = αt/L² from this on. Default 0.01."),
        ("report-every", "Steps between progress reports (with the current error). Default 100."),
        ("threads", "Torch CPU threads (0: libtorch's default)."),
    ];

    private static Command CreateHeat(CommandRunner runner)
    {
        var options = SettingOptions.Select(o => (o.Key, Option: new Option<string?>($"--{o.Key}") { Description = o.Description })).ToArray();
        var inverse = new Option<bool>("--inverse") { Description = "Learn α (positive, as exp of a parameter) together with the field from --observations." };
        var observations = new Option<string?>("--observations") { Description = "CSV with columns x,t,T (see data generate heat-fd --observations)." };
        var grid = new Option<int[]>("--grid")
        {
            Description = "Evaluation grid NX NT (x over the rod, t from τ = eval-min-tau to t-end). Default 101 101.",
            Arity = new ArgumentArity(2, 2),
            AllowMultipleArgumentsPerToken = true,
        };
        var seed = CommonOptions.Seed();
        var device = CommonOptions.Device();
        var outDir = new Option<string>("--out") { Description = "Output folder (files replaced only when the run succeeds).", DefaultValueFactory = _ => "out/pinn" };
        var command = new Command("heat", "Train a PINN for T_t = α T_xx on [0, L] (T(t,0) = left, T(t,L) = right, T(0,x) = initial); " +
            "compare it with the exact and the finite-difference solutions. Writes model/, prediction.csv, metrics.json, loss.csv, field.png, error.png, loss.png.")
        {
            inverse, observations, grid, seed, device, outDir,
        };
        foreach (var (_, option) in options)
        {
            command.Options.Add(option);
        }
        runner.SetAction(command, async (context, cancellationToken) =>
        {
            var p = context.Parse;
            var settings = new PinnHeatSettings();
            foreach (var (key, option) in options)
            {
                if (p.GetValue(option) is { } value)
                {
                    settings = PinnHeatSettingsBinder.Apply(settings, key.Replace('-', '_'), value, option.Name);
                }
            }
            if (p.GetValue(grid) is [var gx, var gt])
            {
                settings = settings with { GridX = gx, GridT = gt };
            }
            if (p.GetValue(observations) is { Length: > 0 } observationsPath)
            {
                settings = settings with { Observations = HeatObservationFile.ReadObservations(observationsPath) };
            }
            else if (p.GetValue(inverse))
            {
                throw new InvalidInputException("--observations", "an inverse run needs observations: --observations obs.csv (columns x,t,T)");
            }
            settings = (settings with { Inverse = p.GetValue(inverse) }).Validated();
            var target = CommonOptions.RequiredPath(p, outDir);
            var s = settings;
            context.Log.Information("pinn heat: {Layers}×{Width} {Activation}, {Collocation} points ({Sampling}), {Epochs} Adam + {Lbfgs} L-BFGS steps, {DType}, constraints {Constraints}, corner {Corner}{Inverse}",
                s.Layers, s.Width, s.Activation, s.Collocation, s.Sampling, s.Epochs, s.LbfgsSteps, s.Float64 ? "float64" : "float32", s.Constraints,
                s.CornerSubtraction ? "subtracted" : "none", s.Inverse ? $", inverse from {s.Observations.Count} observations" : "");
            using var run = await ProgressDisplay.RunAsync(context, "pinn heat", progress =>
                PinnHeatTrainer.Train(s, p.GetValue(seed), p.GetValue(device) ?? "cpu", new Reporter(e =>
                {
                    progress.Report(PinnHeatTrainer.WorkDone(s, e.Epoch)); // L-BFGS steps weigh their 20 evaluations
                    context.Log.Debug("{Stage} {Epoch}: loss {Loss:E3} (pde {Pde:E3}), relative L2 {RelL2:E3}, α {Alpha}", e.Stage, e.Epoch, e.Loss, e.Pde, e.RelativeL2, e.Alpha);
                }), cancellationToken));
            using (var output = AtomicOutputDirectory.Begin(target))
            {
                PinnHeatModel.Save(run, output.PathFor("model"));
                PinnOutputs.Write(run, p.GetValue(seed), output.PathFor);
                output.Commit();
                context.Log.Information("Wrote model/, prediction.csv, metrics.json, loss.csv, field.png, error.png and loss.png to {Out}", output.Target);
            }
            var m = run.Metrics;
            var rows = new List<(string, string)>
            {
                ($"relative L2 vs analytic (τ ≥ {s.EvalMinTau})", m["rel_l2_vs_analytic"].ToString("E3", CultureInfo.InvariantCulture)),
                ($"relative L2 vs finite differences (τ ≥ {s.EvalMinTau})", m["rel_l2_vs_fd"].ToString("E3", CultureInfo.InvariantCulture)),
                ("max |T − T_exact|", m["max_abs_error_vs_analytic"].ToString("E3", CultureInfo.InvariantCulture)),
                ("final loss", m["final_loss"].ToString("E3", CultureInfo.InvariantCulture)),
                ("Adam: s (ms/step)", $"{m["adam_seconds"]:F1} ({m["adam_ms_per_step"]:F2})"),
                ("L-BFGS: s (evaluations)", $"{m["lbfgs_seconds"]:F1} ({m["lbfgs_evaluations"]:F0})"),
            };
            if (s.Inverse)
            {
                rows.Insert(0, ("α learned (reference, error)", $"{m["alpha"]:G6} ({m["alpha_reference"]:G6}, {m["alpha_rel_error"]:P2})"));
            }
            Tables.Write(context.Out, Tables.KeyValues("quantity", "value", rows));
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command CreatePredict(CommandRunner runner)
    {
        var model = new Option<string>("--model") { Description = "Model folder written by pinn heat (OUT/model).", Required = true };
        var points = new Option<string>("--points") { Description = "CSV with columns x,t inside the rod and the model's time window.", Required = true };
        var outFile = new Option<string>("--out") { Description = "Output CSV (x,t,T).", DefaultValueFactory = _ => "pinn-prediction.csv" };
        var command = new Command("predict", "Evaluate a trained heat PINN at the points of a CSV file.") { model, points, outFile };
        runner.SetAction(command, (context, _) =>
        {
            var p = context.Parse;
            using var loaded = PinnHeatModel.Load(CommonOptions.RequiredPath(p, model));
            var at = HeatObservationFile.ReadPoints(CommonOptions.RequiredPath(p, points), loaded.Settings.Problem, loaded.Settings.TEnd);
            var values = loaded.Predict(at);
            var path = CommonOptions.RequiredPath(p, outFile);
            AtomicFile.Write(path, staged => CsvTable.Write(staged, ["x", "t", "T"],
                at.Select((q, k) => (IReadOnlyList<string>)[CsvTable.Format(q.X), CsvTable.Format(q.T), CsvTable.Format(values[k])])));
            context.Log.Information("Wrote {Count} predictions to {Out}", values.Length, Path.GetFullPath(path));
            return Task.FromResult(ExitCodes.Ok);
        });
        return command;
    }

    /// <summary>Reports synchronously on the training thread.</summary>
    private sealed class Reporter(Action<PinnEpoch> report) : IProgress<PinnEpoch>
    {
        public void Report(PinnEpoch value) => report(value);
    }
}
