using ScalarSafeAdam = ClusterML.Engines.Torch.Optimizers.Adam;
using System.Diagnostics;
using System.Text.Json;
using ClusterML.Core.Engines;
using ClusterML.Core.IO;
using ClusterML.Core.Validation;
using ClusterML.Engines.Nep.Model;
using ClusterML.Engines.Nep.Torch;
using ClusterML.Engines.Nep.Training.Sharding;
using ClusterML.Engines.Torch;
using TorchSharp;
using static TorchSharp.torch;

namespace ClusterML.Engines.Nep.Training;

/// <summary>
/// Where a fit checkpoints: nep.txt (exported, offset folded in) plus the exact training state to restart from (the files
/// <c>nep.restart*</c>). <see cref="Saved"/>, when set, is awaited after each checkpoint is written (with its epoch), e.g. to
/// keep a copy outside this process.
/// </summary>
public sealed record NepCheckpoint(string Folder)
{
    public Func<int, CancellationToken, Task>? Saved { get; init; }

    /// <summary>The restart files of the newest checkpoint in <see cref="Folder"/>, by name.</summary>
    public Dictionary<string, byte[]> RestartFiles() =>
        Directory.EnumerateFiles(Folder, "nep.restart*").ToDictionary(f => Path.GetFileName(f), File.ReadAllBytes, StringComparer.Ordinal);

    /// <summary>Writes restart files (taken by <see cref="RestartFiles"/>, perhaps elsewhere) into <see cref="Folder"/>.</summary>
    public void Restore(IReadOnlyDictionary<string, byte[]> files)
    {
        Directory.CreateDirectory(Folder);
        foreach (var (name, bytes) in files)
        {
            if (name != Path.GetFileName(name) || !name.StartsWith("nep.restart", StringComparison.Ordinal))
            {
                throw new InvalidDataException($"'{name}' is not a restart file name");
            }
            AtomicFile.Write(Path.Combine(Folder, name), staged => File.WriteAllBytes(staged, bytes));
        }
    }

    public string Model => Path.Combine(Folder, "nep.txt");

    public string Weights => Path.Combine(Folder, "nep.restart.weights");

    public string Optimizer => Path.Combine(Folder, "nep.restart.adam");

    public string State => Path.Combine(Folder, "nep.restart.json");
}

/// <summary>
/// Gradient training of a NEP model with Adam: fixed, energy-stratified mini-batches of frames (as GPUMD deals them),
/// visited in a seeded order each epoch; the loss of <see cref="NepLoss"/> with forces by automatic differentiation and its
/// gradient by double backward; gradient-norm clipping; a cosine learning rate from <see cref="NepTrainingSettings.LearningRate"/>
/// to <see cref="NepTrainingSettings.FinalLearningRate"/>. Every <see cref="NepTrainingSettings.CheckpointEvery"/> epochs, at
/// the end and when cancelled it writes nep.txt and a restart state (weights, Adam moments, epoch) from which
/// <see cref="Train"/> continues exactly.
/// </summary>
public static class NepAdamTrainer
{
    /// <summary>The restart state; <see cref="Weights"/> and <see cref="Optimizer"/> name the epoch's own files (older states: null, the fixed names).</summary>
    private sealed record RestartState(int Epoch, int Seed, string Shape, List<NepEpoch> History, string? Weights = null, string? Optimizer = null);

    /// <summary>The one-process fit: every shard in this process, computed in parallel on <see cref="NepTrainingSettings.Threads"/> cores.</summary>
    public static NepTrainingRun Train(NepTrainingSettings settings, NepModel initial, IReadOnlyList<NepFrame> train, IReadOnlyList<NepFrame>? test,
        int seed, NepCheckpoint? checkpoint = null, bool restart = false, IProgress<NepEpoch>? progress = null, CancellationToken cancellationToken = default) =>
        TrainAsync(settings, initial, train, test, seed, null, checkpoint, restart, progress, cancellationToken).GetAwaiter().GetResult();

    /// <summary>
    /// The fit, with its shards on the cluster's workers (<paramref name="cluster"/>; null: all in this process). This method is the
    /// fit's coordinator: it owns the step, the order of the batches, the parameters and Adam's moments; the shards only return
    /// sums and gradients of sums, which are added in shard order in float64. A step whose shards were lost (a worker died) is
    /// computed again, which gives the same bits.
    /// </summary>
    public static async Task<NepTrainingRun> TrainAsync(NepTrainingSettings settings, NepModel initial, IReadOnlyList<NepFrame> train, IReadOnlyList<NepFrame>? test,
        int seed, NepClusterRun? cluster, NepCheckpoint? checkpoint = null, bool restart = false, IProgress<NepEpoch>? progress = null,
        CancellationToken cancellationToken = default, int? untilEpoch = null)
    {
        settings = settings.Validated();
        // A segment (population-based training) stops after untilEpoch, checkpointing there; the schedule stays the whole run's.
        var lastEpoch = Math.Min(settings.Epochs, untilEpoch ?? settings.Epochs);
        // One intra-op thread: a shard's bits must not depend on the machine that computes it; parallelism is across shards.
        torch.set_num_threads(1);
        var clock = Stopwatch.StartNew();
        var dtype = settings.Float64 ? ScalarType.Float64 : ScalarType.Float32;
        var lambda1 = settings.Lambda1 ?? NepLoss.DefaultRegularization(initial);
        var lambda2 = settings.Lambda2 ?? NepLoss.DefaultRegularization(initial);
        torch.manual_seed(Seeds.Derive(seed, 7));
        var device = ClusterML.Engines.Torch.TorchDevices.Resolve(settings.Device);
        using var model = new NepTorchModel(initial, dtype, device);
        var plan = NepShardPlan.Create(train, settings.Batch, settings.Shards, seed);
        var (group, shards) = await NepClusterRun.ShardsAsync(cluster, plan, initial, NepShardObjective.Name, dtype == ScalarType.Float64 ? "float64" : "float32",
            settings.Threads > 0 ? settings.Threads : Environment.ProcessorCount, s => new NepShardCompute(initial, plan.FramesOf(s), dtype, device), cancellationToken);
        var trainable = model.Trainable;
        using var adam = new ScalarSafeAdam(trainable, settings.LearningRate);
        var history = new List<NepEpoch>();
        var firstEpoch = 1;
        var shape = Shape(initial);
        if (restart)
        {
            if (checkpoint is null || !File.Exists(checkpoint.State))
            {
                throw new InvalidInputException("--restart", $"no restart state in {checkpoint?.Folder ?? "the output folder"} (nep.restart.json)");
            }
            var state = JsonSerializer.Deserialize<RestartState>(File.ReadAllText(checkpoint.State))!;
            if (state.Shape != shape)
            {
                throw new InvalidInputException("--restart", $"the restart state is for '{state.Shape}', not '{shape}': the model settings changed");
            }
            model.load(state.Weights is { } weights ? Path.Combine(checkpoint.Folder, weights) : checkpoint.Weights);
            adam.load_state_dict(state.Optimizer is { } moments ? Path.Combine(checkpoint.Folder, moments) : checkpoint.Optimizer);
            history.AddRange(state.History);
            firstEpoch = state.Epoch + 1;
        }
        var batches = plan.Batches.Count;
        var totalSteps = settings.Epochs * batches;
        NepExport? exported = null;
        try
        {
            for (var epoch = firstEpoch; epoch <= lastEpoch; epoch++)
            {
                var order = Enumerable.Range(0, batches).ToArray();
                new Random(Seeds.Derive(seed, epoch)).Shuffle(order);
                double sumE = 0, sumF = 0, sumV = 0, sumTotal = 0, l1 = 0, l2 = 0;
                int frames = 0, virialBatches = 0;
                for (var b = 0; b < order.Length; b++)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    var step = ((epoch - 1) * batches) + b;
                    var lr = settings.FinalLearningRate + (0.5 * (settings.LearningRate - settings.FinalLearningRate) * (1 + Math.Cos(Math.PI * step / totalSteps)));
                    foreach (var paramGroup in adam.ParamGroups)
                    {
                        paramGroup.LearningRate = lr;
                    }
                    var loss = await StepAsync(group, plan, order[b], step, model, settings, cancellationToken);
                    using (NewDisposeScope())
                    {
                        adam.zero_grad();
                        var all = cat([.. trainable.Select(p => p.flatten())], 0);
                        var l1Term = all.abs().mean();
                        var l2Term = all.Squared().mean().sqrt();
                        l1Term.Times(lambda1).Plus(l2Term.Times(lambda2)).backward();
                        var at = 0;
                        foreach (var p in trainable)
                        {
                            var count = (int)p.numel();
                            using (no_grad())
                            {
                                p.grad!.PlusInPlace(tensor(loss.Gradient.AsSpan(at, count).ToArray(), p.shape, dtype: dtype, device: device));
                            }
                            at += count;
                        }
                        if (settings.Clip > 0)
                        {
                            nn.utils.clip_grad_norm_(trainable, settings.Clip);
                        }
                        adam.step();
                        l1 = l1Term.ToDouble();
                        l2 = l2Term.ToDouble();
                    }
                    var n = loss.Frames;
                    sumE += loss.Energy * loss.Energy * n;
                    sumF += loss.Force * loss.Force * n;
                    if (loss.Virial is { } v)
                    {
                        sumV += v * v;
                        virialBatches++;
                    }
                    sumTotal += (loss.Data + (lambda1 * l1) + (lambda2 * l2)) * n;
                    frames += n;
                }
                var row = new NepEpoch(epoch, sumTotal / frames, l1, l2, Math.Sqrt(sumE / frames), Math.Sqrt(sumF / frames),
                    virialBatches > 0 ? Math.Sqrt(sumV / virialBatches) : null, null, null, null, clock.Elapsed.TotalSeconds);
                exported = null;
                if (epoch % settings.CheckpointEvery == 0 || epoch == lastEpoch)
                {
                    exported = NepExport.Of(model.ToModel(), train, test, settings.Threads);
                    row = row with { EnergyTest = exported.Test?.EnergyRmse, ForceTest = exported.Test?.ForceRmse, VirialTest = exported.Test?.VirialRmse };
                }
                history.Add(row);
                if (exported is not null && checkpoint is not null)
                {
                    Save(checkpoint, model, adam, exported.Model, new RestartState(epoch, seed, shape, history));
                    if (checkpoint.Saved is { } saved)
                    {
                        await saved(epoch, cancellationToken);
                    }
                }
                progress?.Report(row);
            }
        }
        catch (OperationCanceledException) when (checkpoint is not null && history.Count > 0)
        {
            // Ctrl-C: leave a valid checkpoint of the last completed epoch behind.
            Save(checkpoint, model, adam, NepExport.Of(model.ToModel(), train, null, settings.Threads).Model, new RestartState(history[^1].Epoch, seed, shape, history));
            throw;
        }
        finally
        {
            shards.Dispose();
        }
        // The last epoch always checkpoints, so its export is the result (unless a restart found nothing left to do).
        exported ??= NepExport.Of(model.ToModel(), train, test, settings.Threads);
        return new NepTrainingRun(exported.Model, history, exported.Train, exported.Test, clock.Elapsed.TotalSeconds);
    }

    /// <summary>One step's data terms: RMSEs, λ-weighted data loss, and the reduced gradient of the data loss (float64).</summary>
    private sealed record StepLoss(double Energy, double Force, double? Virial, double Data, int Frames, double[] Gradient);

    /// <summary>
    /// Sums from the batch's shards, reduced in shard order; the loss λe·Le + λf·Lf + λv·Lv from the global sums; the
    /// coefficients of its derivative sent back to the shards; their gradients reduced the same way. Lost shards: again.
    /// </summary>
    private static async Task<StepLoss> StepAsync(IShardGroup group, NepShardPlan plan, int batch, long step, NepTorchModel model, NepTrainingSettings settings,
        CancellationToken cancellationToken)
    {
        var shards = plan.ShardsOf(batch);
        var parameters = model.GetFlat();
        // A lost step is computed again: the same parameters, the same shards give the same bits.
        return await NepShardSteps.RetryAsync(async () =>
        {
            var sums = NepShardSteps.Reduce(await group.ForwardAsync(step, batch, shards, parameters, cancellationToken), NepShardSums.Length);
            var e0 = sums[NepShardSums.E0];
            var offset = sums[NepShardSums.E1] / e0;
            var energy = Math.Sqrt((Math.Max(0, sums[NepShardSums.E2] - (sums[NepShardSums.E1] * offset)) / e0) + 1e-30);
            var force = Math.Sqrt((sums[NepShardSums.Force] / sums[NepShardSums.ForceCount]) + 1e-30);
            double? virial = sums[NepShardSums.VirialCount] > 0 ? Math.Sqrt((sums[NepShardSums.Virial] / sums[NepShardSums.VirialCount]) + 1e-30) : null;
            var coefficients = new double[NepShardSums.CoefficientLength];
            coefficients[NepShardSums.Offset] = offset;
            coefficients[NepShardSums.EnergyScale] = settings.LambdaE / (energy * e0);
            coefficients[NepShardSums.ForceScale] = settings.LambdaF / (2 * force * sums[NepShardSums.ForceCount]);
            coefficients[NepShardSums.VirialScale] = virial is { } lv ? settings.LambdaV / (2 * lv * sums[NepShardSums.VirialCount]) : 0;
            var gradient = NepShardSteps.Reduce(await group.BackwardAsync(step, batch, shards, coefficients, cancellationToken), parameters.Length);
            var data = (settings.LambdaE * energy) + (settings.LambdaF * force) + (virial is { } v ? settings.LambdaV * v : 0);
            return new StepLoss(energy, force, virial, data, (int)sums[NepShardSums.Frames], gradient);
        });
    }

    /// <summary>Frames sorted by energy per atom and dealt round-robin into ⌈N/batch⌉ fixed batches (GPUMD's stratification).</summary>
    public static IReadOnlyList<IReadOnlyList<NepFrame>> Stratified(IReadOnlyList<NepFrame> frames, int batch)
    {
        var count = (frames.Count + batch - 1) / batch;
        var groups = Enumerable.Range(0, count).Select(_ => new List<NepFrame>()).ToArray();
        var sorted = frames.OrderBy(f => f.Energy / f.Atoms).ThenBy(f => f.Index).ToArray();
        for (var k = 0; k < sorted.Length; k++)
        {
            groups[k % count].Add(sorted[k]);
        }
        return groups;
    }

    private static string Shape(NepModel m) =>
        $"nep{m.Version} {string.Join(' ', m.Species)} cutoff {m.Cutoffs[0].Radial} {m.Cutoffs[0].Angular} n_max {m.NMaxRadial} {m.NMaxAngular} basis {m.BasisRadial} {m.BasisAngular} l_max {m.LMax} {m.Has4Body} {m.Has5Body} neurons {m.Neurons}";

    /// <summary>
    /// Writes the checkpoint so that a kill at any moment leaves a consistent one: the weights and Adam moments go to files
    /// named for the epoch, the state that names them is replaced last (atomically), and only then are older files deleted.
    /// </summary>
    private static void Save(NepCheckpoint checkpoint, NepTorchModel model, TorchSharp.Modules.Adam adam, NepModel exported, RestartState state)
    {
        Directory.CreateDirectory(checkpoint.Folder);
        exported.Write(checkpoint.Model);
        var weights = $"nep.restart.{state.Epoch}.weights";
        var moments = $"nep.restart.{state.Epoch}.adam";
        AtomicFile.Write(Path.Combine(checkpoint.Folder, weights), staged => model.save(staged));
        AtomicFile.Write(Path.Combine(checkpoint.Folder, moments), staged => adam.save_state_dict(staged));
        AtomicFile.Write(checkpoint.State, staged => File.WriteAllText(staged, JsonSerializer.Serialize(state with { Weights = weights, Optimizer = moments })));
        foreach (var old in Directory.EnumerateFiles(checkpoint.Folder, "nep.restart.*"))
        {
            var name = Path.GetFileName(old);
            if ((name.EndsWith(".weights", StringComparison.Ordinal) || name.EndsWith(".adam", StringComparison.Ordinal)) && name != weights && name != moments)
            {
                File.Delete(old);
            }
        }
    }
}
