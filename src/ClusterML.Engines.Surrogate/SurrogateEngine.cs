using System.Globalization;
using System.Reflection;
using System.Text.Json;
using ClusterML.Core.Engines;
using ClusterML.Core.IO;
using ClusterML.Core.Specs;
using ClusterML.Core.Validation;
using ClusterML.Engines.Torch;
using static TorchSharp.torch;

namespace ClusterML.Engines.Surrogate;

/// <summary>
/// Trains a surrogate ensemble (<see cref="SurrogateSpec"/>): split the rows once (seeded) into train and test, fit log and
/// standardising transforms on the training rows, train each member on its own validation split and bootstrap sample,
/// then measure the ensemble on the test set (raw units), its calibration, and the permutation importance and partial
/// dependence of each input. With an artifact folder it writes <c>model/</c>, <c>metrics.json</c>, <c>importance.csv</c>,
/// <c>partial_dependence.csv</c>, <c>test_predictions.csv</c> and <c>learning_curve.csv</c>.
/// Deterministic for a seed on the CPU. No Akka, no console, no clock except the members' wall times.
/// <para>
/// Trains in segments (<see cref="RunContext.UntilEpoch"/>, <see cref="RunContext.StartFrom"/>): a segment that stops before
/// the spec's last epoch saves every member's state (<see cref="MemberState"/>: weights, Adam's moments and step, best weights,
/// best epoch and loss, curves, stopped or not; plus <c>surrogate.json</c> with the architecture) under the fit id and returns
/// the ensemble of the best weights so far scored like a whole run (test metrics, no importance, no artifacts); a segment that
/// continues a fit loads those states and trains on with the spec's current learning rate and weight decay (the batch order
/// and the schedule are replayed from the seed). The rows' split comes from the run's seed, so a fit should be continued
/// with the seed it was started with to see the same data. A member that stopped early stays stopped. The last segment
/// behaves as a whole run does.
/// </para>
/// </summary>
public sealed class SurrogateEngine : Engine<SurrogateSpec>, IEngine
{
    /// <summary>The <c>surrogate</c> engine: its settings are the options of <c>clusterml surrogate train</c> in snake_case.</summary>
    public static EngineRegistration Registration { get; } = new EngineRegistration<SurrogateSpec>(
        "surrogate", "an MLP ensemble on tabular data (a CSV's input columns → a target)",
        s => new SurrogateSpec(
            s.Path("data"), s.Text("target", ""), s.List("inputs"), s.List("log"), s.Bool("log_auto", true),
            s.Int("layers", 3), s.Int("width", 64), s.Text("activation", "silu"), s.Int("epochs", 1000),
            s.Int("batch_size", 128), s.Double("lr", 3e-3), s.Double("weight_decay", 0), s.Int("patience", 100),
            s.Double("validation_fraction", 0.15), s.Double("test_fraction", 0.2), s.Int("ensemble", 1),
            null, s.Bool("bootstrap", true), s.Int("neighbors", 5), s.Text("schedule", "cosine"),
            s.Double("calibration_fraction", 0.1)).Validated(),
        () => new SurrogateEngine(), legacyWireKey: 0);

    /// <summary>Folder of the model inside the artifact folder.</summary>
    public const string ModelFolder = "model";

    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true };

    /// <summary>The checkpoint's description of the network (checked against the spec when a fit is continued).</summary>
    internal const string CheckpointArchitecture = "surrogate.json";

    private sealed record Architecture(int Inputs, int HiddenLayers, int Width, string Activation, int[] Members);

    /// <inheritdoc/>
    public bool TrainsInSegments => true;

    /// <summary>The checks <see cref="Run(SurrogateSpec, RunContext, CancellationToken)"/> makes before training: the settings, then the data file (columns, every value, row count, log columns).</summary>
    void IEngine.Check(ITrialSpec spec)
    {
        if (spec is SurrogateSpec surrogate)
        {
            SurrogateDataset.Load(surrogate.Validated());
        }
    }

    protected override TrainingOutcome Train(SurrogateSpec spec, RunContext context, CancellationToken cancellationToken)
    {
        TorchThreads.Apply(); // slot threads are reused: what the previous trial set must not change this one's bits
        return Run(spec, context, cancellationToken).Outcome;
    }

    /// <summary>Trains and returns the full report (the CLI draws its plots from it).</summary>
    public SurrogateTrainingReport Run(SurrogateSpec spec, RunContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(spec);
        return Run(spec.Validated(), SurrogateDataset.Load(spec.Validated()), null, context, cancellationToken);
    }

    /// <summary>
    /// Trains on <paramref name="data"/> (in memory; the spec's data path is not read) and returns the full report. The test
    /// set is <paramref name="testRows"/> (rows of <paramref name="data"/>; the model trains on all the others), or, when null,
    /// the spec's seeded <see cref="SurrogateSpec.TestFraction"/> of the rows.
    /// </summary>
    public SurrogateTrainingReport Run(SurrogateSpec spec, SurrogateDataset data, int[]? testRows, RunContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(context);
        spec = spec.Validated();
        var device = TorchDevices.Resolve(context.Device);

        // One seeded split into train and test, shared by all members.
        var n = data.Y.Length;
        int[] test, train;
        if (testRows is null)
        {
            var order = Enumerable.Range(0, n).ToArray();
            new Random(Seeds.Derive(context.Seed, 0)).Shuffle(order);
            var testCount = Math.Clamp((int)Math.Round(spec.TestFraction * n), 1, n - 2);
            test = order[..testCount];
            train = order[testCount..];
        }
        else
        {
            test = testRows;
            var isTest = new bool[n];
            foreach (var row in testRows)
            {
                isTest[row] = true;
            }
            train = [.. Enumerable.Range(0, n).Where(r => !isTest[r])];
        }
        // Rows kept from every member to calibrate the ensemble's spread (only meaningful with several members).
        var calibrationCount = spec.EnsembleSize > 1 && spec.Member is null ? (int)Math.Round(spec.CalibrationFraction * train.Length) : 0;
        if (calibrationCount > 0 && train.Length - calibrationCount < 4)
        {
            calibrationCount = 0;
        }

        var inputs = data.Inputs.Select((name, c) => ColumnTransform.Fit(name, data.LogColumns.Contains(name), train.Select(r => data.X[r][c]).ToArray())).ToArray();
        var target = ColumnTransform.Fit(data.Target, data.LogColumns.Contains(data.Target), train.Select(r => data.Y[r]).ToArray());
        double[] Standardise(double[] row) => row.Select((v, c) => inputs[c].Forward(v)).ToArray();
        var xTrain = train.Select(r => Standardise(data.X[r])).ToArray();
        var yTrain = train.Select(r => target.Forward(data.Y[r])).ToArray();
        var fitRows = Enumerable.Range(calibrationCount, train.Length - calibrationCount).ToArray(); // positions in train

        var memberIndices = spec.Member is { } only ? [only] : Enumerable.Range(0, spec.EnsembleSize).ToArray();
        var lastEpoch = TrainingSegments.LastEpoch(context, spec.Epochs);
        var final = lastEpoch >= spec.Epochs;
        var starts = StartingStates(spec, context, data.Inputs.Count, memberIndices, lastEpoch, cancellationToken);
        var members = new List<MemberResult>();
        var states = new List<MemberState>();
        foreach (var m in memberIndices)
        {
            var memberSeed = Seeds.Derive(context.Seed, 100 + m);
            var random = new Random(memberSeed);
            var rows = (int[])fitRows.Clone();
            random.Shuffle(rows);
            var validationCount = Math.Clamp((int)Math.Round(spec.ValidationFraction * rows.Length), 1, rows.Length - 1);
            var validation = rows[..validationCount];
            var fit = rows[validationCount..];
            if (spec.Bootstrap && spec.EnsembleSize > 1)
            {
                fit = Enumerable.Range(0, fit.Length).Select(_ => fit[random.Next(fit.Length)]).ToArray();
            }
            var (result, state) = MemberTrainer.Train(spec, m, memberSeed,
                fit.Select(i => xTrain[i]).ToArray(), fit.Select(i => yTrain[i]).ToArray(),
                validation.Select(i => xTrain[i]).ToArray(), validation.Select(i => yTrain[i]).ToArray(),
                device, context.Progress, starts?[m], lastEpoch, cancellationToken);
            members.Add(result);
            states.Add(state);
        }
        if (!final)
        {
            var files = states.ToDictionary(s => $"member_{s.Index}.state", s => s.Pack(), StringComparer.Ordinal);
            files[CheckpointArchitecture] = JsonSerializer.SerializeToUtf8Bytes(new Architecture(data.Inputs.Count, spec.HiddenLayers, spec.Width, spec.Activation, memberIndices));
            TrainingSegments.Save(context, lastEpoch, files, cancellationToken);
        }

        var trainingRaw = train.Select(r => data.X[r]).ToArray();
        var guard = new DomainGuard(inputs, xTrain, spec.Neighbors);
        var metadata = new SurrogateMetadata(
            SurrogateMetadata.FormatName,
            SurrogateMetadata.CurrentVersion,
            target,
            inputs,
            new SurrogateArchitecture(spec.HiddenLayers, spec.Width, spec.Activation),
            members.Select(m => new SurrogateMemberFile($"member_{m.Index}.pt", m.Seed, SurrogateModel.Sha256(m.Weights), m.Epochs, m.BestEpoch, m.BestValidationLoss)).ToArray(),
            new SurrogateDomain(guard.Neighbors, guard.Threshold, "training_inputs.csv"),
            new SurrogateUncertainty(1.0, 0),
            new Dictionary<string, double?>(),
            new SurrogateTrainingInfo(data.Path, train.Length, test.Length, context.Seed, Version()));

        var networks = members.Select(m => Restore(metadata, m)).ToArray();
        if (calibrationCount > 0)
        {
            using var uncalibrated = new SurrogateModel(metadata, networks, guard, trainingRaw, ownsMembers: false);
            var calibration = train[..calibrationCount];
            var spread = uncalibrated.Predict(calibration.Select(r => data.X[r]).ToArray(), checkDomain: false);
            metadata = metadata with { Uncertainty = new SurrogateUncertainty(StdScale(calibration.Select(r => data.Y[r]).ToArray(), spread), calibrationCount) };
        }
        using var model = new SurrogateModel(metadata, networks, guard, trainingRaw);
        var xTest = test.Select(r => data.X[r]).ToArray();
        var yTest = test.Select(r => data.Y[r]).ToArray();
        var prediction = model.Predict(xTest);

        var metrics = Score(yTest, prediction.Mean, target);
        metrics["validation_loss"] = members.Average(m => m.BestValidationLoss);
        metrics["std_scale"] = metadata.Uncertainty.StdScale;
        metrics["members"] = members.Count;
        metrics["test_out_of_domain_fraction"] = prediction.OutOfDomain.Count(f => f) / (double)yTest.Length;
        if (members.Count > 1)
        {
            metrics["test_within_2sigma"] = yTest.Where((t, i) => Math.Abs(t - prediction.Mean[i]) <= 2 * prediction.Std[i]).Count() / (double)yTest.Length;
            metrics["test_spearman_abs_error_vs_std"] = Statistics.Spearman(yTest.Select((t, i) => Math.Abs(t - prediction.Mean[i])).ToArray(), prediction.Std);
            metrics["test_mean_std"] = prediction.Std.Average();
        }
        else
        {
            metrics["test_within_2sigma"] = null;
            metrics["test_spearman_abs_error_vs_std"] = null;
        }
        var memberMetrics = members.Select((m, k) =>
        {
            var scored = Score(yTest, prediction.Members[k], target);
            var row = scored.ToDictionary(p => p.Key, p => p.Value ?? double.NaN);
            row["member"] = m.Index;
            row["epochs"] = m.Epochs;
            row["best_epoch"] = m.BestEpoch;
            row["best_validation_loss"] = m.BestValidationLoss;
            row["train_seconds"] = m.Seconds;
            return (IReadOnlyDictionary<string, double>)row;
        }).ToArray();

        if (!final)
        {
            metrics["epoch"] = lastEpoch;
        }
        // A segment before the last is scored, not interpreted: importance and artifacts are the finished model's.
        IReadOnlyList<FeatureImportance> importance = final ? Interpretation.PermutationImportance(model, xTest, yTest, repeats: 5, Seeds.Derive(context.Seed, 2)) : [];
        IReadOnlyList<PartialDependence> dependence = final ? Interpretation.PartialDependences(model, gridPoints: 25, maxRows: 300, Seeds.Derive(context.Seed, 3)) : [];
        metadata = metadata with { Metrics = metrics };

        var artifacts = new List<string>();
        if (final && context.ArtifactDirectory is { } folder)
        {
            artifacts.AddRange(WriteArtifacts(folder, metadata, members, trainingRaw, metrics, memberMetrics, importance, dependence, xTest, yTest, prediction));
        }
        var curve = MeanCurve(members);
        var outcome = new TrainingOutcome(
            metrics["validation_loss"]!.Value,
            curve,
            SurrogateCheckpoint.Pack(members.Select(m => m.Weights).ToArray()),
            metrics.Where(p => p.Value is not null).ToDictionary(p => p.Key, p => p.Value!.Value),
            artifacts);
        return new SurrogateTrainingReport(metadata, members, xTest, yTest, prediction, importance, dependence, metrics, memberMetrics, outcome);
    }

    /// <summary>The members' states to continue from (by index), from <see cref="RunContext.StartFrom"/>'s newest checkpoint; null: start afresh.</summary>
    private static Dictionary<int, MemberState>? StartingStates(SurrogateSpec spec, RunContext context, int inputs, int[] memberIndices, int lastEpoch,
        CancellationToken cancellationToken)
    {
        if (TrainingSegments.StartingPoint(context, cancellationToken) is not { } checkpoint)
        {
            return null;
        }
        var from = checkpoint.FitId;
        if (!checkpoint.Files.TryGetValue(CheckpointArchitecture, out var described))
        {
            throw new InvalidInputException("start_from", $"fit '{from}' has no surrogate checkpoint ({CheckpointArchitecture} is missing)");
        }
        var architecture = JsonSerializer.Deserialize<Architecture>(described)!;
        TrainingSegments.RequireSame(from, "inputs", $"{architecture.Inputs} input columns", $"{inputs} input columns");
        TrainingSegments.RequireSame(from, "layers", architecture.HiddenLayers.ToString(CultureInfo.InvariantCulture), spec.HiddenLayers.ToString(CultureInfo.InvariantCulture));
        TrainingSegments.RequireSame(from, "width", architecture.Width.ToString(CultureInfo.InvariantCulture), spec.Width.ToString(CultureInfo.InvariantCulture));
        TrainingSegments.RequireSame(from, "activation", architecture.Activation, spec.Activation);
        var states = new Dictionary<int, MemberState>();
        foreach (var m in memberIndices)
        {
            if (!checkpoint.Files.TryGetValue($"member_{m}.state", out var bytes))
            {
                throw new InvalidInputException("ensemble", $"member {m} is not in the checkpoint of fit '{from}' (it holds members {string.Join(", ", architecture.Members)})");
            }
            var state = MemberState.Unpack(bytes);
            TrainingSegments.CheckReached(from, state.Epoch, lastEpoch);
            states[m] = state;
        }
        TrainingSegments.CheckReached(from, checkpoint.Epoch, lastEpoch);
        return states;
    }

    /// <summary>z-scaling: the factor s with mean(((y − μ)/(sσ))²) = 1 over the calibration rows (1 when the spread is zero).</summary>
    internal static double StdScale(double[] truth, SurrogatePrediction prediction)
    {
        var ratios = truth.Select((t, i) => prediction.Std[i] > 0 ? Math.Pow((t - prediction.Mean[i]) / prediction.Std[i], 2) : double.NaN)
            .Where(double.IsFinite).ToArray();
        return ratios.Length == 0 ? 1.0 : Math.Sqrt(ratios.Average());
    }

    private static Dictionary<string, double?> Score(double[] truth, double[] prediction, ColumnTransform target)
    {
        var scores = new Dictionary<string, double?>
        {
            ["test_rmse"] = Statistics.Rmse(truth, prediction),
            ["test_mae"] = Statistics.Mae(truth, prediction),
            ["test_r2"] = Statistics.R2(truth, prediction),
        };
        // R² of log10 for any positive target (transformed or not): the natural score for quantities spanning decades.
        if (truth.All(t => t > 0))
        {
            scores["test_r2_log10"] = Statistics.R2(truth.Select(Math.Log10).ToArray(), prediction.Select(p => Math.Log10(Math.Max(p, double.Epsilon))).ToArray());
        }
        return scores;
    }

    private static MlpRegressor Restore(SurrogateMetadata metadata, MemberResult member)
    {
        var network = new MlpRegressor(metadata.Inputs.Count, metadata.Architecture.HiddenLayers, metadata.Architecture.Width, metadata.Architecture.Activation, member.Seed);
        using var stream = new MemoryStream(member.Weights);
        network.load(stream);
        return network;
    }

    private static double[] MeanCurve(IReadOnlyList<MemberResult> members)
    {
        var length = members.Max(m => m.ValidationLoss.Length);
        return Enumerable.Range(0, length)
            .Select(e => members.Where(m => e < m.ValidationLoss.Length).Average(m => m.ValidationLoss[e]))
            .ToArray();
    }

    private static IEnumerable<string> WriteArtifacts(
        string folder,
        SurrogateMetadata metadata,
        IReadOnlyList<MemberResult> members,
        double[][] trainingRaw,
        IReadOnlyDictionary<string, double?> metrics,
        IReadOnlyList<IReadOnlyDictionary<string, double>> memberMetrics,
        IReadOnlyList<FeatureImportance> importance,
        IReadOnlyList<PartialDependence> dependence,
        double[][] xTest,
        double[] yTest,
        SurrogatePrediction prediction)
    {
        string PathFor(string relative)
        {
            var path = Path.Combine(folder, relative);
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            return path;
        }
        SurrogateModel.Save(metadata, members, trainingRaw, file => PathFor(Path.Combine(ModelFolder, file)));
        yield return ModelFolder;

        var json = new Dictionary<string, object?>
        {
            ["target"] = metadata.Target.Name,
            ["inputs"] = metadata.Inputs.Select(i => i.Name).ToArray(),
            ["log10_columns"] = metadata.Inputs.Where(i => i.Log).Select(i => i.Name).Concat(metadata.Target.Log ? [metadata.Target.Name] : []).ToArray(),
            ["rows_train"] = metadata.Training.RowsTrain,
            ["rows_test"] = metadata.Training.RowsTest,
            ["seed"] = metadata.Training.Seed,
        };
        foreach (var (key, value) in metrics)
        {
            json[key] = value is { } v && double.IsFinite(v) ? v : null;
        }
        json["per_member"] = memberMetrics;
        File.WriteAllText(PathFor("metrics.json"), JsonSerializer.Serialize(json, Json) + "\n");
        yield return "metrics.json";

        CsvTable.Write(PathFor("importance.csv"), ["feature", "r2_drop_mean", "r2_drop_std", "rmse_increase_mean"],
            importance.OrderByDescending(i => i.R2DropMean).Select(i => (IReadOnlyList<string>)[i.Feature, F(i.R2DropMean), F(i.R2DropStd), F(i.RmseIncreaseMean)]));
        yield return "importance.csv";

        CsvTable.Write(PathFor("partial_dependence.csv"), ["feature", "value", "mean_prediction"],
            dependence.SelectMany(d => d.Grid.Select((g, i) => (IReadOnlyList<string>)[d.Feature, F(g), F(d.MeanPrediction[i])])));
        yield return "partial_dependence.csv";

        var names = metadata.Inputs.Select(i => i.Name).ToArray();
        CsvTable.Write(PathFor("test_predictions.csv"), [.. names, metadata.Target.Name, "mean", "std", "out_of_domain"],
            xTest.Select((row, r) => (IReadOnlyList<string>)[.. row.Select(F), F(yTest[r]), F(prediction.Mean[r]), F(prediction.Std[r]), prediction.OutOfDomain[r] ? "true" : "false"]));
        yield return "test_predictions.csv";

        CsvTable.Write(PathFor("learning_curve.csv"), ["member", "epoch", "train_loss", "validation_loss"],
            members.SelectMany(m => m.TrainLoss.Select((t, e) => (IReadOnlyList<string>)[m.Index.ToString(CultureInfo.InvariantCulture), (e + 1).ToString(CultureInfo.InvariantCulture), F(t), F(m.ValidationLoss[e])])));
        yield return "learning_curve.csv";
    }

    private static string F(double value) => CsvTable.Format(value);

    private static string Version() =>
        typeof(SurrogateEngine).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? "unknown";
}
