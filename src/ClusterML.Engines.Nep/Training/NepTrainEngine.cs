using System.Collections.Immutable;
using System.Globalization;
using System.Text.Json;
using ClusterML.Core.Engines;
using ClusterML.Core.Specs;
using ClusterML.Core.Validation;
using ClusterML.Engines.Nep.Training.Sharding;
using ClusterML.Engines.Torch;

namespace ClusterML.Engines.Nep.Training;

/// <summary>
/// NEP fitting as a campaign engine: each trial trains with its settings (snake_case keys), reports the training RMSEs per
/// epoch (<c>rmse_e</c>, <c>rmse_f</c>, <c>rmse_v</c> in eV/atom, eV/Å, eV/atom; the loss as <c>train_loss</c>), stops between
/// steps when cancelled, and returns the exported model's force RMSE on the test frames (or the training frames without a
/// test set) as its loss; <c>model/nep.txt</c> is written under the artifact directory. With <c>distributed: true</c>
/// the trial coordinates a sharded fit whose shards live on the cluster's workers; the model is the one a trial in one
/// process gives, which is what runs where the worker has no cluster (tests, a lone engine). Where the run has a place for
/// checkpoints (<see cref="RunContext.Checkpoints"/>: on the cluster, the fit's persistent coordinator entity) the fit
/// checkpoints every <c>checkpoint_every</c> epochs (default 10) and the next attempt of the trial (its worker died, the
/// campaign was resumed) continues from the newest checkpoint exactly: same model as an undisturbed run; its result then
/// carries <c>resumed_epoch</c>.
/// <para>
/// Trains in segments (<see cref="RunContext.UntilEpoch"/>, <see cref="RunContext.StartFrom"/>, for Adam and SNES): a segment
/// stops after <c>UntilEpoch</c> with a checkpoint there (the trainer's restart files: weights, Adam's moments and step or SNES's
/// μ and σ, the epoch and the history, plus <c>nep.restart.settings.json</c> with the settings that shape the model) kept under
/// the fit id, and returns the force RMSE of the model at that epoch. A run without its own checkpoint that names
/// <c>StartFrom</c> continues from that fit's newest checkpoint with its own current settings (the learning rate, the loss
/// weights: the schedule is the spec's, evaluated at each step); the settings of the model's shape must be the checkpoint's.
/// A run's own checkpoint (an earlier attempt of the same fit) comes first, as before, when it is further on than the one
/// named to start from.
/// </para>
/// </summary>
public sealed class NepTrainEngine : Engine<NepTrainTrialSpec>, IEngine
{
    /// <inheritdoc/>
    public bool TrainsInSegments => true;

    /// <summary>The <c>nep</c> engine: its settings are the options of <c>clusterml nep train</c> in snake_case.</summary>
    public static EngineRegistration Registration { get; } = new EngineRegistration<NepTrainTrialSpec>(
        "nep", "a NEP machine-learned interatomic potential fitted to extended-XYZ frames",
        s => new NepTrainTrialSpec(s.Path("train"), s.OptionalPath("test"), s.Texts(NepTrainTrialSpec.Keys)),
        () => new NepTrainEngine(), legacyWireKey: 3);

    /// <summary>Epochs between checkpoints of a campaign trial (where checkpoints are kept) without <c>checkpoint_every</c>.</summary>
    public const int DefaultCheckpointEvery = 10;

    public static NepTrainingSettings ToSettings(NepTrainTrialSpec spec)
    {
        var settings = new NepTrainingSettings { CheckpointEvery = DefaultCheckpointEvery };
        foreach (var (key, value) in spec.Settings)
        {
            double D() => Require.Number(key, value);
            int I() => Require.Integer(key, value);
            bool B() => value.ToLowerInvariant() switch
            {
                "true" or "1" => true,
                "false" or "0" => false,
                _ => throw new InvalidInputException(key, $"'{value}' is not true or false"),
            };
            settings = key switch
            {
                "type" => settings with { Species = value.Trim('[', ']').Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) },
                "version" => settings with { Version = I() },
                "cutoff_radial" => settings with { RadialCutoff = D() },
                "cutoff_angular" => settings with { AngularCutoff = D() },
                "n_max_radial" => settings with { NMaxRadial = I() },
                "n_max_angular" => settings with { NMaxAngular = I() },
                "basis_radial" => settings with { BasisRadial = I() },
                "basis_angular" => settings with { BasisAngular = I() },
                "l_max" => settings with { LMax = I() },
                "four_body" => settings with { FourBody = B() },
                "five_body" => settings with { FiveBody = B() },
                "neuron" => settings with { Neurons = I() },
                "lambda_e" => settings with { LambdaE = D() },
                "lambda_f" => settings with { LambdaF = D() },
                "lambda_v" => settings with { LambdaV = D() },
                "lambda_1" => settings with { Lambda1 = D() },
                "lambda_2" => settings with { Lambda2 = D() },
                "optimizer" => settings with { Optimizer = value },
                "epochs" => settings with { Epochs = I() },
                "batch" => settings with { Batch = I() },
                "lr" => settings with { LearningRate = D() },
                "final_lr" => settings with { FinalLearningRate = D() },
                "population" => settings with { Population = I() },
                "dtype" => settings with { Float64 = value == "float64" ? true : value == "float32" ? false : throw new InvalidInputException(key, $"'{value}' is not float32 or float64") },
                "threads" => settings with { Threads = I() },
                "shards" => settings with { Shards = I() },
                "distributed" => settings with { Distributed = B() },
                "checkpoint_every" => settings with { CheckpointEvery = I() },
                _ => throw new InvalidInputException(key, $"'{key}' is not a nep setting; known: {string.Join(", ", NepTrainTrialSpec.Keys)}"),
            };
        }
        return settings.Validated();
    }

    void IEngine.Check(ITrialSpec spec)
    {
        if (spec is NepTrainTrialSpec nep)
        {
            ToSettings(nep);
            if (!File.Exists(nep.Train))
            {
                throw new InvalidInputException("train", $"'{nep.Train}' does not exist");
            }
        }
    }

    protected override TrainingOutcome Train(NepTrainTrialSpec spec, RunContext context, CancellationToken cancellationToken)
    {
        TorchThreads.Apply(); // slot threads are reused (the Adam trainer then sets its own single thread)
        var settings = ToSettings(spec);
        var species = settings.Species ?? NepDataset.Species(spec.Train);
        var train = NepDataset.Read(spec.Train, species, "train");
        var test = spec.Test is { } testPath ? NepDataset.Read(testPath, species, "test") : null;
        var initial = NepInitializer.Create(settings, species, train, context.Seed);
        var progress = context.Progress is { } sink
            ? new Relay(e => sink.Report(new TrainingProgress("nep", e.Epoch, settings.Epochs, e.Total, e.ForceTest,
                Metrics(e))))
            : null;
        var shardWorkers = 0;
        var cluster = settings.Distributed && context.Shards is { } shards
            ? new NepClusterRun(shards, Path.GetTempPath(), (group, _) => shardWorkers = group.Homes.Select(h => h.Node).Distinct().Count())
            : null;
        var lastEpoch = TrainingSegments.LastEpoch(context, settings.Epochs);
        var shape = ShapeSettings(settings, species);
        NepCheckpoint? checkpoint = null;
        var resumedEpoch = 0;
        if (context.Checkpoints is { } store && context.FitId is { } fitId)
        {
            (checkpoint, resumedEpoch) = Checkpointing(store, fitId, context, shape, lastEpoch, cancellationToken).GetAwaiter().GetResult();
        }
        else if (context.StartFrom is not null)
        {
            throw new InvalidInputException("start_from", $"cannot continue fit '{context.StartFrom}': this run has no checkpoint store and fit id");
        }
        NepTrainingRun run;
        try
        {
            run = settings.Optimizer == "snes"
                ? NepSnesTrainer.TrainAsync(settings, initial, train, test, context.Seed, cluster, checkpoint, resumedEpoch > 0, progress, cancellationToken, lastEpoch).GetAwaiter().GetResult()
                : NepAdamTrainer.TrainAsync(settings, initial, train, test, context.Seed, cluster, checkpoint, resumedEpoch > 0, progress, cancellationToken, lastEpoch).GetAwaiter().GetResult();
        }
        finally
        {
            if (checkpoint is not null)
            {
                Directory.Delete(checkpoint.Folder, recursive: true);
            }
        }
        var partial = lastEpoch < settings.Epochs;
        if (!partial && context.Checkpoints is { } done && context.FitId is { } finished)
        {
            // The result is the trial's from now on; a later attempt (its delivery failed) recomputes it from the start.
            done.ForgetAsync(finished, CancellationToken.None).GetAwaiter().GetResult();
        }
        var artifacts = new List<string>();
        if (context.ArtifactDirectory is { } folder)
        {
            // model/nep.txt: every engine keeps its model in model/, and nep eval --model reads a folder's nep.txt.
            Directory.CreateDirectory(Path.Combine(folder, "model"));
            run.Model.Write(Path.Combine(folder, "model", "nep.txt"));
            artifacts.Add("model");
        }
        var final = run.Test ?? run.Train;
        var metrics = new Dictionary<string, double>
        {
            ["rmse_e_train"] = run.Train.EnergyRmse,
            ["rmse_f_train"] = run.Train.ForceRmse,
            ["seconds"] = run.Seconds,
        };
        if (run.Train.VirialRmse is { } v)
        {
            metrics["rmse_v_train"] = v;
        }
        if (resumedEpoch > 0)
        {
            metrics["resumed_epoch"] = resumedEpoch;
        }
        if (partial)
        {
            metrics["epoch"] = lastEpoch;
        }
        if (shardWorkers > 0)
        {
            metrics["shard_workers"] = shardWorkers;
        }
        if (run.Test is { } t)
        {
            metrics["rmse_e_test"] = t.EnergyRmse;
            metrics["rmse_f_test"] = t.ForceRmse;
        }
        return new TrainingOutcome(final.ForceRmse, [.. run.History.Select(e => e.Total)], [], metrics.ToImmutableDictionary(), artifacts);
    }

    /// <summary>The checkpoint's record of the settings that shape the model (checked when another fit continues it).</summary>
    public const string ShapeFile = "nep.restart.settings.json";

    /// <summary>
    /// A private folder for the trainer's restart files, filled from the fit's newest kept checkpoint (if any, whose epoch is
    /// returned) or from <see cref="RunContext.StartFrom"/>'s when that is at least as far on, and a hook that hands every new checkpoint to <paramref name="store"/>.
    /// </summary>
    private static async Task<(NepCheckpoint Checkpoint, int ResumedEpoch)> Checkpointing(IFitCheckpoints store, string fitId, RunContext context,
        SortedDictionary<string, string> shape, int lastEpoch, CancellationToken cancellationToken)
    {
        // The fit's own checkpoint is an earlier attempt of this run, unless it is no further on than the one named to start from
        // (then it is what this trial had before it took up another's state, as population-based training's exploit does).
        var own = await store.LatestAsync(fitId, cancellationToken).ConfigureAwait(false);
        var from = TrainingSegments.StartingPoint(context, cancellationToken);
        var latest = own is not null && (from is null || own.Epoch > from.Epoch) ? own : from;
        if (latest is not null)
        {
            if (latest.Files.TryGetValue(ShapeFile, out var recorded))
            {
                var before = JsonSerializer.Deserialize<SortedDictionary<string, string>>(recorded)!;
                foreach (var (key, value) in shape)
                {
                    TrainingSegments.RequireSame(latest.FitId, key, before.GetValueOrDefault(key, "(not recorded)"), value);
                }
            }
            TrainingSegments.CheckReached(latest.FitId, latest.Epoch, lastEpoch);
        }
        var folder = Path.Combine(Path.GetTempPath(), $"clusterml-fit-{Guid.NewGuid():N}");
        Directory.CreateDirectory(folder);
        var checkpoint = new NepCheckpoint(folder);
        if (latest is not null)
        {
            checkpoint.Restore(latest.Files);
        }
        File.WriteAllBytes(Path.Combine(folder, ShapeFile), JsonSerializer.SerializeToUtf8Bytes(shape));
        return (checkpoint with { Saved = (epoch, token) => store.SaveAsync(new FitCheckpoint(fitId, epoch, checkpoint.RestartFiles()), token) }, latest?.Epoch ?? 0);
    }

    /// <summary>The settings (snake_case keys, as resolved) that fix the model's parameters and the optimiser's state: a continued fit keeps them.</summary>
    private static SortedDictionary<string, string> ShapeSettings(NepTrainingSettings s, IReadOnlyList<string> species)
    {
        static string N(double v) => v.ToString("R", CultureInfo.InvariantCulture);
        static string I(int v) => v.ToString(CultureInfo.InvariantCulture);
        return new SortedDictionary<string, string>(StringComparer.Ordinal)
        {
            ["type"] = string.Join(",", species),
            ["version"] = I(s.Version),
            ["cutoff_radial"] = N(s.RadialCutoff),
            ["cutoff_angular"] = N(s.AngularCutoff),
            ["n_max_radial"] = I(s.NMaxRadial),
            ["n_max_angular"] = I(s.NMaxAngular),
            ["basis_radial"] = I(s.BasisRadial),
            ["basis_angular"] = I(s.BasisAngular),
            ["l_max"] = I(s.LMax),
            ["four_body"] = s.FourBody ? "true" : "false",
            ["five_body"] = s.FiveBody ? "true" : "false",
            ["neuron"] = I(s.Neurons),
            ["optimizer"] = s.Optimizer,
            ["dtype"] = s.Float64 ? "float64" : "float32",
        };
    }

    private static ImmutableDictionary<string, double> Metrics(NepEpoch e)
    {
        var m = ImmutableDictionary<string, double>.Empty.Add("rmse_e", e.EnergyTrain).Add("rmse_f", e.ForceTrain);
        return e.VirialTrain is { } v ? m.Add("rmse_v", v) : m;
    }

    private sealed class Relay(Action<NepEpoch> report) : IProgress<NepEpoch>
    {
        public void Report(NepEpoch value) => report(value);
    }
}
