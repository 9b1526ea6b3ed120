using System.Collections.Immutable;
using System.Globalization;
using System.Text.Json;
using ClusterML.Core.Active;
using ClusterML.Core.Engines;
using ClusterML.Core.IO;
using ClusterML.Core.Specs;
using ClusterML.Core.Validation;
using ClusterML.Engines.Nep.Model;
using ClusterML.Engines.Nep.Structures;
using ClusterML.Engines.Nep.Training;
using ClusterML.Engines.Torch;

namespace ClusterML.Engines.Nep.Active.Cluster;

/// <summary>
/// A round of a potential's active learning on one worker (<c>nep-active</c>; DP-GEN's train → explore → select step with a
/// fixed pool as the exploration): see <see cref="NepActiveRoundSpec"/>. Random choices derive from the campaign seed as in
/// <see cref="NepActiveLearning"/>: the initial structures (stream 1, the same for both arms), the committee of round r
/// (stream 100 + r) and the selection of round r (stream 200 + r). The committee is kept in the cluster's store under the
/// trial's fit (the next round of its arm fine-tunes it); the picks go back as metrics <c>next.J.candidate</c>. Artifacts:
/// <c>model/nep.txt</c> (member 0), <c>committee/member-K.txt</c>, <c>deviations.csv</c> (every unlabelled structure's
/// largest and mean force deviation), <c>selected.csv</c> and <c>round.json</c> (metrics and the deviation histogram).
/// </summary>
public sealed class NepActiveRoundEngine : Engine<NepActiveRoundSpec>, IEngine
{
    /// <summary>The <c>nep-active</c> engine (round trials of a potential's <c>kind: active</c> campaign; never named in a sweep).</summary>
    public static EngineRegistration Registration { get; } = new EngineRegistration<NepActiveRoundSpec>(
        ActiveSpec.NepRoundEngine, "one round of a potential's active learning: train a NEP committee, score the pool by its force deviation, pick the next structures",
        Read, () => new NepActiveRoundEngine());

    /// <summary>Bins of the deviation histogram in <c>round.json</c>: geometric, from trust.low / 16 to 2 · trust.high (see <c>edges_eV_per_A</c>).</summary>
    public const int HistogramBins = 20;

    /// <summary>The file of committee member K in the store and among the artifacts.</summary>
    public static string MemberFile(int k) => $"member-{k}.txt";

    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true };

    private static NepActiveRoundSpec Read(EngineSettings s)
    {
        var committee = ImmutableDictionary.CreateBuilder<string, string>(StringComparer.Ordinal);
        foreach (var key in s.All.Keys.Where(k => k.StartsWith("committee.", StringComparison.Ordinal) && k is not ("committee.members" or "committee.fine_tune_epochs")).ToArray())
        {
            committee[key["committee.".Length..]] = s.Get(key)!.ToString();
        }
        var spec = new NepActiveRoundSpec(
            s.Int("round", 0), s.Text("arm", "active"), s.Int("select", 0), s.Bool("final", false), s.Text(ActiveProposer.LabelledSetting, ""),
            s.Int(ActiveProposer.OracleCallsKey, 0), s.Path("pool.data"), s.Path("test.data"), s.Int("initial.n", 0), s.Get(ActiveProposer.PreviousSetting)?.ToString(),
            s.Int("committee.members", 4), s.Int("committee.fine_tune_epochs", 20), committee.ToImmutable(), s.Double("trust.low", 0.05), s.Double("trust.high", 0.5),
            s.OptionalDouble("stop.accurate"), s.Int("seed", 0));
        return Validated(spec);
    }

    /// <summary>Checks the settings that need no file.</summary>
    /// <exception cref="InvalidInputException">A setting out of range; the field is its YAML path.</exception>
    public static NepActiveRoundSpec Validated(NepActiveRoundSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        if (spec.Members is < 2 or > 64)
        {
            throw new InvalidInputException("committee.members", $"a committee needs 2 to 64 members (got {spec.Members})");
        }
        if (spec.FineTuneEpochs < 1)
        {
            throw new InvalidInputException("committee.fine_tune_epochs", $"must be ≥ 1 (got {spec.FineTuneEpochs})");
        }
        if (!(spec.Low >= 0) || double.IsInfinity(spec.Low) || !(spec.High > spec.Low))
        {
            throw new InvalidInputException("trust", $"needs 0 ≤ low < high eV/Å (got [{spec.Low}, {spec.High}))");
        }
        if (spec.StopAccurate is { } a && !(a is > 0 and <= 1))
        {
            throw new InvalidInputException("stop.accurate", $"must be in (0, 1] (got {a})");
        }
        _ = Training(spec, null);
        return spec;
    }

    /// <summary>The members' settings: the committee's options of nep train, with Adam; <paramref name="species"/> when the options name none.</summary>
    private static NepTrainingSettings Training(NepActiveRoundSpec spec, IReadOnlyList<string>? species)
    {
        NepTrainingSettings settings;
        try
        {
            settings = NepTrainEngine.ToSettings(new NepTrainTrialSpec("", null, spec.Committee));
        }
        catch (InvalidInputException e) when (e.File is null)
        {
            throw new InvalidInputException("committee." + e.Field.TrimStart('-').Replace('-', '_'), e.Problem);
        }
        if (settings.Optimizer != "adam")
        {
            throw new InvalidInputException("committee.optimizer", "a committee is trained (and fine-tuned) with Adam");
        }
        if (settings.Distributed)
        {
            throw new InvalidInputException("committee.distributed", "each member trains inside its round trial");
        }
        return settings.Species is null && species is not null ? settings with { Species = species } : settings;
    }

    void IEngine.Check(ITrialSpec spec)
    {
        var round = Validated((NepActiveRoundSpec)spec);
        var pool = LabelledFrames.Pool(round.Pool);
        if (round.InitialCount > pool.Count)
        {
            throw new InvalidInputException("initial", $"the pool has {pool.Count} structures, fewer than the {round.InitialCount} to label first", round.Pool);
        }
        var species = Species(round, pool);
        foreach (var frame in pool)
        {
            _ = NepStructure.FromFrame(frame, species, round.Pool);
        }
        _ = NepDataset.Read(round.Test, species, "test.data");
    }

    protected override TrainingOutcome Train(NepActiveRoundSpec spec, RunContext context, CancellationToken cancellationToken)
    {
        TorchThreads.Apply();
        spec = Validated(spec);
        var poolFrames = LabelledFrames.Pool(spec.Pool);
        var species = Species(spec, poolFrames);
        var labelled = Labelled(spec.Labelled);
        var metrics = new Dictionary<string, double>(StringComparer.Ordinal)
        {
            ["labelled"] = labelled.Count,
            ["oracle_calls"] = spec.OracleCalls,
            ["pool_size"] = poolFrames.Count,
        };
        var folder = context.ArtifactDirectory;
        var artifacts = new List<string>();
        if (folder is not null)
        {
            Directory.CreateDirectory(folder);
        }
        if (spec.Round == 0)
        {
            // The initial structures: a seeded random subset of the pool, the same for both arms.
            var order = Enumerable.Range(0, poolFrames.Count).ToArray();
            new Random(Seeds.Derive(spec.Seed, 1)).Shuffle(order);
            var initial = order[..Math.Min(spec.Select > 0 ? spec.Select : spec.InitialCount, order.Length)].Order().ToArray();
            metrics["selected"] = initial.Length;
            AddPicks(metrics, initial);
            if (folder is not null)
            {
                artifacts.Add(WriteSelected(folder, initial, null));
                artifacts.Add(WriteRound(folder, metrics, null, 0, 0));
            }
            return new TrainingOutcome(double.NaN, [], [], metrics, artifacts);
        }
        if (context.Checkpoints is not { } store || context.FitId is not { } fitId)
        {
            throw new InvalidInputException("labelled", "a potential's round reads its labelled frames from the cluster's store: run it as a campaign");
        }
        if (labelled.Count == 0)
        {
            throw new InvalidInputException("initial", $"no structure is labelled before round {spec.Round} (every oracle call failed)");
        }
        var structures = poolFrames.Select(f => NepStructure.FromFrame(f, species, spec.Pool)).ToArray();
        var frames = labelled.Select(c => LabelledFrames.ReadAsync(store, fitId, c, species, cancellationToken).GetAwaiter().GetResult()).ToList();
        var test = NepDataset.Read(spec.Test, species, "test.data");
        var settings = Training(spec, species);
        var previous = spec.Previous is { } p ? Committee(store.LatestAsync(FitIds.Sibling(fitId, p), cancellationToken).GetAwaiter().GetResult(), spec.Members) : null;
        var training = previous is null ? settings : settings with { Epochs = spec.FineTuneEpochs };
        var threads = Math.Max(1, settings.Threads);
        var trained = NepCommittee.Train(training, species, frames, spec.Members, Seeds.Derive(spec.Seed, 100 + spec.Round), previous, cancellationToken);
        var committee = trained.Members;
        store.SaveAsync(new FitCheckpoint(fitId, spec.Round, Files(committee)), cancellationToken).GetAwaiter().GetResult();

        var (energyRmse, forceRmse, committeeRmse) = NepActiveLearning.Score(committee, test, threads);
        metrics["test_rmse"] = committeeRmse;
        metrics["force_rmse"] = forceRmse;
        metrics["energy_rmse"] = energyRmse;
        metrics["train_force_rmse"] = trained.TrainForceRmse.Average();
        metrics["fine_tuned"] = previous is null ? 0 : 1;

        var labelledSet = labelled.Select(c => (int)c).ToHashSet();
        var unlabelled = Enumerable.Range(0, structures.Length).Where(i => !labelledSet.Contains(i)).ToArray();
        var deviations = CommitteeDeviation.Compute(committee, [.. unlabelled.Select(i => structures[i])], threads)
            .Select(d => d with { Frame = unlabelled[d.Frame] }).ToArray();
        var window = TrustWindow.Select(deviations, spec.Low, spec.High, spec.Final ? 0 : spec.Select, Seeds.Derive(spec.Seed, 200 + spec.Round));
        var finite = deviations.Where(d => double.IsFinite(d.MaxForce)).ToArray();
        metrics["unlabelled"] = unlabelled.Length;
        metrics["accurate"] = window.Accurate;
        metrics["candidates"] = window.Candidates;
        metrics["failed"] = window.Failed;
        if (finite.Length > 0)
        {
            metrics["sigma_max"] = finite.Max(d => d.MaxForce);
            metrics["deviation_mean"] = finite.Average(d => d.MaxForce);
        }
        int[] picks = [];
        if (!spec.Final)
        {
            if (spec.Arm == ActiveSpec.RandomArm)
            {
                var shuffled = (int[])unlabelled.Clone();
                new Random(Seeds.Derive(spec.Seed, 200 + spec.Round)).Shuffle(shuffled);
                picks = [.. shuffled.Take(spec.Select).Order()];
            }
            else
            {
                picks = [.. window.Selected];
            }
            metrics["selected"] = picks.Length;
            AddPicks(metrics, picks);
            var stop = unlabelled.Length == 0 ? StopReasons.PoolExhausted
                : spec.StopAccurate is { } share && window.Accurate >= share * unlabelled.Length ? StopReasons.Accurate
                : spec.Arm != ActiveSpec.RandomArm && picks.Length == 0 ? StopReasons.NothingInWindow
                : 0;
            metrics[ActiveProposer.StopMetric] = stop > 0 ? 1 : 0;
            if (stop > 0)
            {
                metrics["stop_reason"] = stop;
            }
        }
        if (folder is not null)
        {
            Directory.CreateDirectory(Path.Combine(folder, "model"));
            committee[0].Write(Path.Combine(folder, "model", "nep.txt"));
            artifacts.Add("model");
            Directory.CreateDirectory(Path.Combine(folder, "committee"));
            for (var k = 0; k < committee.Count; k++)
            {
                committee[k].Write(Path.Combine(folder, "committee", MemberFile(k)));
            }
            artifacts.Add("committee");
            CsvTable.Write(Path.Combine(folder, "deviations.csv"), ["candidate", "max_force_deviation", "mean_force_deviation"],
                deviations.Select(d => (IReadOnlyList<string>)[Text(d.Frame), CsvTable.Format(d.MaxForce), CsvTable.Format(d.MeanForce)]));
            artifacts.Add("deviations.csv");
            var byFrame = deviations.ToDictionary(d => d.Frame);
            artifacts.Add(WriteSelected(folder, picks, byFrame));
            artifacts.Add(WriteRound(folder, metrics, deviations, spec.Low, spec.High));
        }
        return new TrainingOutcome(committeeRmse, [], [], metrics, artifacts);
    }

    /// <summary>The species order: the committee's <c>type</c>, else the pool's in order of first appearance.</summary>
    private static IReadOnlyList<string> Species(NepActiveRoundSpec spec, IReadOnlyList<Xyz.XyzFrame> pool) =>
        Training(spec, null).Species ?? [.. pool.SelectMany(f => f.Species).Distinct(StringComparer.Ordinal)];

    /// <summary>The pool indices of the labelled rows (CSV <c>candidate,round,…</c>), in order.</summary>
    private static List<long> Labelled(string csv)
    {
        var lines = csv.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        return [.. lines.Skip(1).Select(line => long.Parse(line.Split(',')[0], CultureInfo.InvariantCulture)).Where(c => c >= 0)];
    }

    /// <summary>The committee kept by a round (null when that round trained none: the design).</summary>
    private static IReadOnlyList<NepModel>? Committee(FitCheckpoint? checkpoint, int members)
    {
        if (checkpoint is null)
        {
            return null;
        }
        var models = new NepModel[members];
        var folder = Directory.CreateTempSubdirectory("clusterml-committee-").FullName;
        try
        {
            for (var k = 0; k < members; k++)
            {
                if (!checkpoint.Files.TryGetValue(MemberFile(k), out var bytes))
                {
                    throw new InvalidInputException("committee.members", $"the previous round kept {checkpoint.Files.Count} members, not {members}");
                }
                var path = Path.Combine(folder, MemberFile(k));
                File.WriteAllBytes(path, bytes);
                models[k] = NepModel.Read(path);
            }
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
        return models;
    }

    private static Dictionary<string, byte[]> Files(IReadOnlyList<NepModel> committee)
    {
        var folder = Directory.CreateTempSubdirectory("clusterml-committee-").FullName;
        try
        {
            var files = new Dictionary<string, byte[]>(StringComparer.Ordinal);
            for (var k = 0; k < committee.Count; k++)
            {
                var path = Path.Combine(folder, MemberFile(k));
                committee[k].Write(path);
                files[MemberFile(k)] = File.ReadAllBytes(path);
            }
            return files;
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    private static void AddPicks(Dictionary<string, double> metrics, IReadOnlyList<int> picks)
    {
        for (var j = 0; j < picks.Count; j++)
        {
            metrics[$"{ActiveProposer.PickPrefix}{j}.candidate"] = picks[j];
        }
    }

    private static string WriteSelected(string folder, IReadOnlyList<int> picks, IReadOnlyDictionary<int, CommitteeDeviation>? deviations)
    {
        CsvTable.Write(Path.Combine(folder, "selected.csv"), ["candidate", "max_force_deviation"],
            picks.Select(p => (IReadOnlyList<string>)[Text(p), deviations is not null && deviations.TryGetValue(p, out var d) ? CsvTable.Format(d.MaxForce) : ""]));
        return "selected.csv";
    }

    private static string WriteRound(string folder, Dictionary<string, double> metrics, IReadOnlyList<CommitteeDeviation>? deviations, double low, double high)
    {
        object? histogram = null;
        if (deviations is not null)
        {
            // Geometric bins from a sixteenth of the window's lower bound (1 meV/Å without one) to twice its upper bound:
            // the first bin also holds everything below, the last everything above (and failed evaluations).
            var lowest = low > 0 ? low / 16 : 1e-3;
            var highest = Math.Max(2 * high, 2 * lowest);
            if (double.IsInfinity(highest))
            {
                highest = 16 * lowest * 1024;
            }
            var edges = Enumerable.Range(0, HistogramBins + 1).Select(k => lowest * Math.Pow(highest / lowest, (double)k / HistogramBins)).ToArray();
            var counts = new int[HistogramBins];
            foreach (var d in deviations)
            {
                var bin = !double.IsFinite(d.MaxForce) ? HistogramBins - 1 : Array.FindLastIndex(edges, e => e <= d.MaxForce);
                counts[Math.Clamp(bin, 0, HistogramBins - 1)]++;
            }
            histogram = new { edges_eV_per_A = edges, counts };
        }
        var record = new
        {
            metrics = metrics.Where(m => !m.Key.StartsWith(ActiveProposer.PickPrefix, StringComparison.Ordinal)).OrderBy(m => m.Key, StringComparer.Ordinal)
                .ToDictionary(m => m.Key, m => m.Value),
            deviation_histogram = histogram,
        };
        File.WriteAllText(Path.Combine(folder, "round.json"), JsonSerializer.Serialize(record, Json));
        return "round.json";
    }

    private static string Text(long value) => value.ToString(CultureInfo.InvariantCulture);
}
