using System.Diagnostics;
using System.Text.Json;
using ClusterML.Core.Engines;
using ClusterML.Core.IO;
using ClusterML.Core.Validation;
using ClusterML.Engines.Nep.Model;
using ClusterML.Engines.Nep.Torch;
using TorchSharp;
using static TorchSharp.torch;

namespace ClusterML.Engines.Nep.Training;

/// <summary>Where a fit checkpoints: nep.txt (exported, offset folded in) plus the exact training state to restart from.</summary>
public sealed record NepCheckpoint(string Folder)
{
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
    private sealed record RestartState(int Epoch, int Seed, string Shape, List<NepEpoch> History);

    public static NepTrainingRun Train(NepTrainingSettings settings, NepModel initial, IReadOnlyList<NepFrame> train, IReadOnlyList<NepFrame>? test,
        int seed, NepCheckpoint? checkpoint = null, bool restart = false, IProgress<NepEpoch>? progress = null, CancellationToken cancellationToken = default)
    {
        settings = settings.Validated();
        if (settings.Threads > 0)
        {
            torch.set_num_threads(settings.Threads);
        }
        var clock = Stopwatch.StartNew();
        var dtype = settings.Float64 ? ScalarType.Float64 : ScalarType.Float32;
        var lambda1 = settings.Lambda1 ?? NepLoss.DefaultRegularization(initial);
        var lambda2 = settings.Lambda2 ?? NepLoss.DefaultRegularization(initial);
        torch.manual_seed(Seeds.Derive(seed, 7));
        var device = ClusterML.Engines.Torch.TorchDevices.Resolve(settings.Device);
        using var model = new NepTorchModel(initial, dtype, device);
        var batches = Stratified(train, settings.Batch).Select(frames => new NepTrainingBatch(frames, initial, dtype, device)).ToArray();
        using var adam = optim.Adam(model.parameters().Where(p => p.requires_grad), settings.LearningRate);
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
            model.load(checkpoint.Weights);
            adam.load_state_dict(checkpoint.Optimizer);
            history.AddRange(state.History);
            firstEpoch = state.Epoch + 1;
        }
        var totalSteps = settings.Epochs * batches.Length;
        NepExport? exported = null;
        try
        {
            for (var epoch = firstEpoch; epoch <= settings.Epochs; epoch++)
            {
                var order = Enumerable.Range(0, batches.Length).ToArray();
                new Random(Seeds.Derive(seed, epoch)).Shuffle(order);
                double sumE = 0, sumF = 0, sumV = 0, sumTotal = 0, l1 = 0, l2 = 0;
                int frames = 0, virialBatches = 0;
                for (var b = 0; b < order.Length; b++)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    var step = ((epoch - 1) * batches.Length) + b;
                    var lr = settings.FinalLearningRate + (0.5 * (settings.LearningRate - settings.FinalLearningRate) * (1 + Math.Cos(Math.PI * step / totalSteps)));
                    foreach (var group in adam.ParamGroups)
                    {
                        group.LearningRate = lr;
                    }
                    var batch = batches[order[b]];
                    using (NewDisposeScope())
                    {
                        adam.zero_grad();
                        var terms = NepLoss.Compute(model, batch, settings, lambda1, lambda2, createGraph: true);
                        terms.Total.backward();
                        if (settings.Clip > 0)
                        {
                            nn.utils.clip_grad_norm_(model.parameters().Where(p => p.requires_grad), settings.Clip);
                        }
                        adam.step();
                        var n = batch.Frames.Count;
                        sumE += Math.Pow(terms.Energy.ToDouble(), 2) * n;
                        sumF += Math.Pow(terms.Force.ToDouble(), 2) * n;
                        if (terms.Virial is { } v)
                        {
                            sumV += Math.Pow(v.ToDouble(), 2);
                            virialBatches++;
                        }
                        sumTotal += terms.Total.ToDouble() * n;
                        l1 = terms.L1.ToDouble();
                        l2 = terms.L2.ToDouble();
                        frames += n;
                    }
                }
                var row = new NepEpoch(epoch, sumTotal / frames, l1, l2, Math.Sqrt(sumE / frames), Math.Sqrt(sumF / frames),
                    virialBatches > 0 ? Math.Sqrt(sumV / virialBatches) : null, null, null, null, clock.Elapsed.TotalSeconds);
                exported = null;
                if (epoch % settings.CheckpointEvery == 0 || epoch == settings.Epochs)
                {
                    exported = NepExport.Of(model.ToModel(), train, test, settings.Threads);
                    row = row with { EnergyTest = exported.Test?.EnergyRmse, ForceTest = exported.Test?.ForceRmse, VirialTest = exported.Test?.VirialRmse };
                }
                history.Add(row);
                if (exported is not null && checkpoint is not null)
                {
                    Save(checkpoint, model, adam, exported.Model, new RestartState(epoch, seed, shape, history));
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
            foreach (var batch in batches)
            {
                batch.Dispose();
            }
        }
        // The last epoch always checkpoints, so its export is the result (unless a restart found nothing left to do).
        exported ??= NepExport.Of(model.ToModel(), train, test, settings.Threads);
        return new NepTrainingRun(exported.Model, history, exported.Train, exported.Test, clock.Elapsed.TotalSeconds);
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

    private static void Save(NepCheckpoint checkpoint, NepTorchModel model, TorchSharp.Modules.Adam adam, NepModel exported, RestartState state)
    {
        Directory.CreateDirectory(checkpoint.Folder);
        exported.Write(checkpoint.Model);
        AtomicFile.Write(checkpoint.Weights, staged => model.save(staged));
        AtomicFile.Write(checkpoint.Optimizer, staged => adam.save_state_dict(staged));
        AtomicFile.Write(checkpoint.State, staged => File.WriteAllText(staged, JsonSerializer.Serialize(state)));
    }
}
