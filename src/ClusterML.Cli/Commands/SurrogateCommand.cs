using System.CommandLine;
using System.Diagnostics;
using ClusterML.Cli.Hosting;
using ClusterML.Cli.Output;
using ClusterML.Core.Engines;
using ClusterML.Core.IO;
using ClusterML.Core.Specs;
using ClusterML.Core.Validation;
using ClusterML.Engines.Surrogate;
using ClusterML.Oracles;
using Spectre.Console;

namespace ClusterML.Cli.Commands;

/// <summary><c>clusterml surrogate train|predict|screen</c>.</summary>
internal static class SurrogateCommand
{
    public static Command Create(CommandRunner runner)
    {
        var surrogate = new Command("surrogate", "Neural surrogates of simulations: learn inputs → property from a CSV, predict with uncertainty, screen candidates.");
        surrogate.Subcommands.Add(CreateTrain(runner));
        surrogate.Subcommands.Add(CreatePredict(runner));
        surrogate.Subcommands.Add(CreateScreen(runner));
        return surrogate;
    }

    private static Command CreateTrain(CommandRunner runner)
    {
        var defaults = new SurrogateSpec("", "", [], []);
        var data = new Option<string>("--data") { Description = "Training CSV (header row, one sample per row).", Required = true };
        var target = new Option<string>("--target") { Description = "Column to predict.", Required = true };
        var inputs = CommonOptions.List("--inputs", "Input columns, comma-separated (default: every other column that holds numbers; text columns such as ids are skipped).");
        var log = CommonOptions.List("--log", "Columns to log10-transform (target or inputs; values must be > 0).");
        var noLogAuto = new Option<bool>("--no-log-auto") { Description = $"Do not log-transform positive columns spanning ≥ {SurrogateDataset.AutoLogSpan:G}× automatically." };
        var layers = new Option<int>("--layers") { Description = "Hidden layers.", DefaultValueFactory = _ => defaults.HiddenLayers };
        var width = new Option<int>("--width") { Description = "Units per hidden layer.", DefaultValueFactory = _ => defaults.Width };
        var activation = new Option<string>("--activation") { Description = "tanh, relu, silu or gelu.", DefaultValueFactory = _ => defaults.Activation };
        activation.AcceptOnlyFromAmong([.. SurrogateSpec.Activations]);
        var epochs = new Option<int>("--epochs") { Description = "Maximum epochs per member (early stopping usually ends sooner).", DefaultValueFactory = _ => defaults.Epochs };
        var batch = new Option<int>("--batch-size") { Description = "Mini-batch size.", DefaultValueFactory = _ => defaults.BatchSize };
        var lr = new Option<double>("--lr") { Description = "Adam learning rate (start of the schedule).", DefaultValueFactory = _ => defaults.LearningRate };
        var schedule = new Option<string>("--schedule") { Description = "cosine (decay to 1 % of --lr) or constant.", DefaultValueFactory = _ => defaults.Schedule };
        schedule.AcceptOnlyFromAmong([.. SurrogateSpec.Schedules]);
        var weightDecay = new Option<double>("--weight-decay") { Description = "L2 weight decay.", DefaultValueFactory = _ => defaults.WeightDecay };
        var patience = new Option<int>("--patience") { Description = "Stop a member after this many epochs without a better validation loss.", DefaultValueFactory = _ => defaults.Patience };
        var validation = new Option<double>("--validation-fraction") { Description = "Share of the training rows each member holds out for early stopping.", DefaultValueFactory = _ => defaults.ValidationFraction };
        var testFraction = new Option<double>("--test-fraction") { Description = "Share of all rows held out for the test metrics.", DefaultValueFactory = _ => defaults.TestFraction };
        var ensemble = new Option<int>("--ensemble") { Description = "Ensemble members K (uncertainty = spread of the members).", DefaultValueFactory = _ => defaults.EnsembleSize };
        var noBootstrap = new Option<bool>("--no-bootstrap") { Description = "Train every member on the same rows (they still differ by seed)." };
        var calibration = new Option<double>("--calibration-fraction") { Description = "Share of the training rows kept from all members to calibrate the ensemble's std (0 turns calibration off).", DefaultValueFactory = _ => defaults.CalibrationFraction };
        var neighbors = new Option<int>("--neighbors") { Description = "k of the nearest-neighbour out-of-domain check.", DefaultValueFactory = _ => defaults.Neighbors };
        var seed = CommonOptions.Seed();
        var device = CommonOptions.Device();
        var outDir = new Option<string>("--out") { Description = "Output folder.", DefaultValueFactory = _ => "out/surrogate" };
        var train = new Command("train", "Train an ensemble surrogate. Writes model/, metrics.json, parity.png, learning_curve.png, importance.csv/png, partial_dependence.csv/png.")
        {
            data, target, inputs, log, noLogAuto, layers, width, activation, epochs, batch, lr, schedule, weightDecay, patience,
            validation, testFraction, ensemble, noBootstrap, calibration, neighbors, seed, device, outDir,
        };
        runner.SetAction(train, async (context, cancellationToken) =>
        {
            var p = context.Parse;
            var spec = new SurrogateSpec(
                Path.GetFullPath(CommonOptions.RequiredPath(p, data)), p.GetValue(target)!, p.GetValue(inputs)!, p.GetValue(log)!, !p.GetValue(noLogAuto),
                p.GetValue(layers), p.GetValue(width), p.GetValue(activation)!, p.GetValue(epochs), p.GetValue(batch), p.GetValue(lr),
                p.GetValue(weightDecay), p.GetValue(patience), p.GetValue(validation), p.GetValue(testFraction), p.GetValue(ensemble),
                Member: null, Bootstrap: !p.GetValue(noBootstrap), Neighbors: p.GetValue(neighbors), Schedule: p.GetValue(schedule)!, CalibrationFraction: p.GetValue(calibration)).Validated();
            var target_ = p.GetValue(outDir) ?? "out/surrogate";
            context.Log.Information("surrogate train: {Target} from {Data}, {Members} member(s) of {Layers}×{Width} {Activation}, seed {Seed}",
                spec.Target, spec.DataPath, spec.EnsembleSize, spec.HiddenLayers, spec.Width, spec.Activation, p.GetValue(seed));

            using var output = AtomicOutputDirectory.Begin(target_);
            var stagingFolder = Path.GetDirectoryName(output.PathFor("metrics.json"))!;
            var report = await ProgressDisplay.RunAsync(context, "surrogate train", fraction =>
            {
                var progress = new TrainingProgressAdapter(fraction, spec.EnsembleSize, context);
                return new SurrogateEngine().Run(spec, new RunContext(p.GetValue(seed), p.GetValue(device) ?? "cpu", progress, stagingFolder), cancellationToken);
            });
            SurrogatePlots.Parity(report, output.PathFor("parity.png"));
            SurrogatePlots.LearningCurves(report, output.PathFor("learning_curve.png"));
            SurrogatePlots.Importance(report, output.PathFor("importance.png"));
            SurrogatePlots.PartialDependence(report, output.PathFor("partial_dependence.png"));
            output.Commit();
            context.Log.Information("Wrote the model and reports to {Out}", output.Target);

            var m = report.Metrics;
            string Show(string key) => m.TryGetValue(key, out var v) && v is { } x ? x.ToString("G4", System.Globalization.CultureInfo.InvariantCulture) : "n/a";
            var rows = new List<(string, string)>
            {
                ("rows train / test", $"{report.Metadata.Training.RowsTrain} / {report.Metadata.Training.RowsTest}"),
                ("log10 columns", string.Join(", ", report.Metadata.Inputs.Where(i => i.Log).Select(i => i.Name).Concat(report.Metadata.Target.Log ? [report.Metadata.Target.Name] : [])) is { Length: > 0 } l ? l : "none"),
                ($"test RMSE ({spec.Target})", Show("test_rmse")),
                ($"test MAE ({spec.Target})", Show("test_mae")),
                ("test R²", Show("test_r2")),
            };
            if (m.ContainsKey("test_r2_log10"))
            {
                rows.Add(("test R² of log10", Show("test_r2_log10")));
            }
            rows.Add(("std calibration factor", Show("std_scale")));
            rows.Add(("test within ±2σ", Show("test_within_2sigma")));
            rows.Add(("Spearman |error| vs σ", Show("test_spearman_abs_error_vs_std")));
            rows.Add(("train seconds (all members)", report.Members.Sum(x => x.Seconds).ToString("F1", System.Globalization.CultureInfo.InvariantCulture)));
            Tables.Write(context.Out, Tables.KeyValues("metric", "value", rows));
            return ExitCodes.Ok;
        });
        return train;
    }

    private static Command CreatePredict(CommandRunner runner)
    {
        var model = new Option<string>("--model") { Description = "Model folder written by surrogate train (its model/ folder, or the --out folder containing it).", Required = true };
        var data = new Option<string>("--data") { Description = "CSV with the model's input columns (other columns are copied through).", Required = true };
        var outFile = new Option<string>("--out") { Description = "Output CSV: the input columns plus mean, std, out_of_domain.", DefaultValueFactory = _ => "predictions.csv" };
        var predict = new Command("predict", "Predict every row of a CSV with the ensemble: mean, standard deviation and an out-of-domain flag.") { model, data, outFile };
        runner.SetAction(predict, (context, _) =>
        {
            var p = context.Parse;
            using var surrogate = LoadModel(CommonOptions.RequiredPath(p, model));
            var table = CsvTable.Read(CommonOptions.RequiredPath(p, data), "--data");
            var clock = Stopwatch.StartNew();
            var prediction = surrogate.Predict(surrogate.InputsFrom(table));
            var seconds = clock.Elapsed.TotalSeconds;
            var path = p.GetValue(outFile) ?? "predictions.csv";
            AtomicFile.Write(path, temp => CsvTable.Write(temp, [.. table.Columns, "mean", "std", "out_of_domain"],
                table.Rows.Select((row, r) => (IReadOnlyList<string>)[.. row, CsvTable.Format(prediction.Mean[r]), CsvTable.Format(prediction.Std[r]), prediction.OutOfDomain[r] ? "true" : "false"])));
            var flagged = prediction.OutOfDomain.Count(f => f);
            context.Log.Information("Predicted {Rows} rows in {Seconds:F3} s ({Flagged} out of domain); wrote {Out}", table.Count, seconds, flagged, Path.GetFullPath(path));
            if (flagged > 0)
            {
                context.Log.Warning("{Flagged} of {Rows} rows are outside the training domain: treat their predictions as extrapolation", flagged, table.Count);
            }
            return Task.FromResult(ExitCodes.Ok);
        });
        return predict;
    }

    private static Command CreateScreen(CommandRunner runner)
    {
        var model = new Option<string>("--model") { Description = "Model folder written by surrogate train.", Required = true };
        var candidates = new Option<string>("--candidates") { Description = "CSV of candidates with the model's input columns (other columns are kept, e.g. an id).", Required = true };
        var top = new Option<int>("--top") { Description = "How many best candidates to keep.", DefaultValueFactory = _ => 10 };
        var maximize = new Option<bool>("--maximize") { Description = "Rank by the largest prediction (default)." };
        var minimize = new Option<bool>("--minimize") { Description = "Rank by the smallest prediction." };
        var kappa = new Option<double>("--kappa") { Description = "Rank by mean + κ·std when maximising (mean − κ·std when minimising): κ > 0 favours uncertain candidates (exploration), κ < 0 cautious ones.", DefaultValueFactory = _ => 0.0 };
        var includeOod = new Option<bool>("--include-out-of-domain") { Description = "Also rank candidates outside the training domain (excluded by default)." };
        var verify = new Option<string?>("--verify-with") { Description = $"Run this oracle on the top candidates and compare: {string.Join(", ", Oracles.Oracles.All.Select(o => o.Name))}." };
        var outDir = new Option<string>("--out") { Description = "Output folder: screen.csv (and verification.png with --verify-with).", DefaultValueFactory = _ => "out/screen" };
        var screen = new Command("screen", "Rank candidates by the surrogate's prediction and keep the top K; optionally verify them with the physics oracle.")
        {
            model, candidates, top, maximize, minimize, kappa, includeOod, verify, outDir,
        };
        runner.SetAction(screen, async (context, cancellationToken) =>
        {
            var p = context.Parse;
            if (p.GetValue(maximize) && p.GetValue(minimize))
            {
                throw new InvalidInputException("--maximize/--minimize", "give one of them, not both");
            }
            var topK = Require.AtLeast("--top", p.GetValue(top), 1);
            var sign = p.GetValue(minimize) ? -1.0 : 1.0;
            var k = Require.Finite("--kappa", p.GetValue(kappa));
            var oracle = p.GetValue(verify) is { Length: > 0 } name ? Oracles.Oracles.Get(name) : null;
            using var surrogate = LoadModel(CommonOptions.RequiredPath(p, model));
            var table = CsvTable.Read(CommonOptions.RequiredPath(p, candidates), "--candidates");
            var oracleInputs = oracle?.Inputs.Select(i => table.Has(i.Name) ? table.Numeric(i.Name) : throw new InvalidInputException(i.Name,
                $"column is missing: --verify-with {oracle.Name} needs {string.Join(", ", oracle.Inputs.Select(x => x.Name))}", table.Path, 1)).ToArray();
            var prediction = surrogate.Predict(surrogate.InputsFrom(table));
            var ranked = Enumerable.Range(0, table.Count)
                .Where(r => p.GetValue(includeOod) || !prediction.OutOfDomain[r])
                .OrderByDescending(r => sign * (prediction.Mean[r] + (sign * k * prediction.Std[r])))
                .Take(topK)
                .ToArray();
            var excluded = prediction.OutOfDomain.Count(f => f);
            if (!p.GetValue(includeOod) && excluded > 0)
            {
                context.Log.Information("{Excluded} of {Rows} candidates are outside the training domain and were not ranked (--include-out-of-domain ranks them too)", excluded, table.Count);
            }

            double[]? truth = null;
            string? oracleColumn = null;
            if (oracle is not null && oracleInputs is not null)
            {
                var outputIndex = Math.Max(0, oracle.Outputs.ToList().IndexOf(surrogate.Metadata.Target.Name));
                oracleColumn = oracle.Outputs[outputIndex];
                truth = await ProgressDisplay.RunAsync(context, $"verify with {oracle.Name}", progress =>
                    ranked.Select((r, i) =>
                    {
                        cancellationToken.ThrowIfCancellationRequested();
                        progress.Report((double)i / ranked.Length);
                        return oracle.Evaluate(oracleInputs.Select(c => c[r]).ToArray())[outputIndex];
                    }).ToArray());
            }

            using var output = AtomicOutputDirectory.Begin(p.GetValue(outDir) ?? "out/screen");
            var extra = truth is null ? Array.Empty<string>() : [$"oracle_{oracleColumn}", "abs_error", "within_2sigma"];
            CsvTable.Write(output.PathFor("screen.csv"), ["rank", .. table.Columns, "mean", "std", "out_of_domain", .. extra],
                ranked.Select((r, i) => (IReadOnlyList<string>)[
                    (i + 1).ToString(System.Globalization.CultureInfo.InvariantCulture), .. table.Rows[r],
                    CsvTable.Format(prediction.Mean[r]), CsvTable.Format(prediction.Std[r]), prediction.OutOfDomain[r] ? "true" : "false",
                    .. truth is null ? Array.Empty<string>() : [CsvTable.Format(truth[i]), CsvTable.Format(Math.Abs(truth[i] - prediction.Mean[r])), Math.Abs(truth[i] - prediction.Mean[r]) <= 2 * prediction.Std[r] ? "true" : "false"]]));
            if (truth is not null)
            {
                SurrogatePlots.Verification(ranked.Select(r => prediction.Mean[r]).ToArray(), ranked.Select(r => prediction.Std[r]).ToArray(), truth, surrogate.Metadata.Target.Name, oracle!.Name, output.PathFor("verification.png"));
            }
            output.Commit();

            var shown = new Table().AddColumn("rank").AddColumn("row");
            shown.AddColumn(new TableColumn("mean").RightAligned()).AddColumn(new TableColumn("std").RightAligned());
            if (truth is not null)
            {
                shown.AddColumn(new TableColumn($"{oracle!.Name}").RightAligned()).AddColumn(new TableColumn("|error|").RightAligned());
            }
            foreach (var (r, i) in ranked.Select((r, i) => (r, i)))
            {
                List<string> cells = [$"{i + 1}", $"line {table.Lines[r]}", $"{prediction.Mean[r]:G5}", $"{prediction.Std[r]:G3}"];
                if (truth is not null)
                {
                    cells.Add($"{truth[i]:G5}");
                    cells.Add($"{Math.Abs(truth[i] - prediction.Mean[r]):G3}");
                }
                shown.AddRow([.. cells]);
            }
            Tables.Write(context.Out, shown);
            if (truth is not null)
            {
                var within = ranked.Where((r, i) => Math.Abs(truth[i] - prediction.Mean[r]) <= 2 * prediction.Std[r]).Count();
                context.Log.Information("Oracle {Oracle}: mean |error| {Mae:G3}, {Within} of {Count} within ±2σ",
                    oracle!.Name, ranked.Select((r, i) => Math.Abs(truth[i] - prediction.Mean[r])).Average(), within, ranked.Length);
            }
            context.Log.Information("Wrote screen.csv to {Out}", output.Target);
            return ExitCodes.Ok;
        });
        return screen;
    }

    /// <summary>Accepts the model folder itself or the training output folder that contains it.</summary>
    private static SurrogateModel LoadModel(string path)
    {
        var folder = File.Exists(Path.Combine(path, SurrogateModel.MetadataFile)) ? path : Path.Combine(path, SurrogateEngine.ModelFolder);
        return SurrogateModel.Load(Directory.Exists(folder) ? folder : path);
    }

    /// <summary>Maps per-epoch training progress to a 0–1 fraction over all members and logs each finished member.</summary>
    private sealed class TrainingProgressAdapter(IProgress<double> fraction, int members, CommandContext context) : IProgress<TrainingProgress>
    {
        private int _member = -1;

        public void Report(TrainingProgress value)
        {
            if (value.Epoch == 1)
            {
                _member++;
            }
            fraction.Report(Math.Min(1.0, (_member + ((double)value.Epoch / value.Epochs)) / members));
            if (value.Epoch % 100 == 0)
            {
                context.Log.Debug("{Stage} epoch {Epoch}: train {Train:G4}, validation {Validation:G4}", value.Stage, value.Epoch, value.TrainLoss, value.ValidationLoss);
            }
        }
    }
}
