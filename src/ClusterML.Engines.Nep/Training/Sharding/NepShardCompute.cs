using System.Text.Json;
using ClusterML.Core.Engines;
using ClusterML.Engines.Nep.Model;
using ClusterML.Engines.Nep.Torch;
using ClusterML.Engines.Torch;
using TorchSharp;
using static TorchSharp.torch;

namespace ClusterML.Engines.Nep.Training.Sharding;

/// <summary>
/// The layout of a NEP shard's partial sums: with w the frame weight and d the per-atom energy error of a frame,
/// E0 = Σw², E1 = Σw²·d, E2 = Σw²·d² (GPUMD's shifted energy RMSE is √((E2 − E1²/E0)/E0)), F = Σw²·|ΔF|² over force
/// components with its count Σ3w² per atom, V = Σw²·ΔW² over the six per-atom virial components with its count Σ6w².
/// </summary>
public static class NepShardSums
{
    public const int E0 = 0, E1 = 1, E2 = 2, Force = 3, ForceCount = 4, Virial = 5, VirialCount = 6, Frames = 7, Length = 8;

    /// <summary>Layout of the coefficients of <see cref="IShardCompute.Backward"/>: the batch's energy offset Δ = E1/E0, α = λe/(Le·E0), cf = λf/(2·Lf·Nf), cv = λv/(2·Lv·Nv).</summary>
    public const int Offset = 0, EnergyScale = 1, ForceScale = 2, VirialScale = 3, CoefficientLength = 4;
}

/// <summary>
/// One logical shard of a NEP fit: its frames of every mini-batch as resident tensors on its device, and a private copy of
/// the model whose parameters each step overwrites. <see cref="Forward"/> evaluates energies, forces and virials with the
/// graph kept; <see cref="Backward"/> differentiates Σ g·d + cf·F + cv·V through it (g = α·w²·(d − Δ), the energy term's
/// derivative, computed in float64) and returns the gradient in <see cref="NepTorchModel.GetFlat"/>'s layout.
/// </summary>
public sealed class NepShardCompute : IShardCompute
{
    private static readonly long[] VirialComponents = [0, 4, 8, 1, 5, 6];
    private readonly NepTorchModel _model;
    private readonly Dictionary<int, NepTrainingBatch> _batches = [];
    private Pending? _pending;

    public NepShardCompute(NepModel template, IEnumerable<(int Batch, NepFrame Frame)> frames, ScalarType dtype, Device device)
    {
        _model = new NepTorchModel(template, dtype, device);
        foreach (var group in frames.GroupBy(x => x.Batch))
        {
            _batches[group.Key] = new NepTrainingBatch([.. group.Select(x => x.Frame)], template, dtype, device);
        }
        Frames = _batches.Values.Sum(b => b.Frames.Count);
        Bytes = _batches.Values.Sum(b => Size(b));
    }

    public int Frames { get; }

    public long Bytes { get; }

    public double[] Forward(int batch, double[] parameters)
    {
        OneThread();
        DropPending();
        var sums = new double[NepShardSums.Length];
        if (!_batches.TryGetValue(batch, out var data))
        {
            _pending = new Pending(null, [], [], null, null);
            return sums;
        }
        _model.SetFlat(parameters);
        using var scope = NewDisposeScope();
        var output = _model.Evaluate(data.Batch, forces: true, createGraph: true);
        var d = (output.Energies - data.Energy) / data.Atoms;
        var aw2 = data.AtomWeight.Squared().unsqueeze(1);
        var force = ((output.Forces! - data.Forces).Squared() * aw2).sum();
        Tensor? virial = null;
        if (data.VirialFrames.numel() > 0)
        {
            var predicted = output.Virials!.index_select(0, data.VirialFrames).index_select(1, tensor(VirialComponents, device: output.Virials.device))
                / data.Atoms.index_select(0, data.VirialFrames).unsqueeze(1);
            var vw2 = data.Weight.Squared().index_select(0, data.VirialFrames).unsqueeze(1);
            virial = ((predicted - data.Virial).Squared() * vw2).sum();
            sums[NepShardSums.Virial] = virial.to(ScalarType.Float64).cpu().item<double>();
        }
        var errors = d.detach().to(ScalarType.Float64).cpu().data<double>().ToArray();
        var w2 = data.Frames.Select(f => f.Weight * f.Weight).ToArray();
        for (var i = 0; i < errors.Length; i++)
        {
            sums[NepShardSums.E0] += w2[i];
            sums[NepShardSums.E1] += w2[i] * errors[i];
            sums[NepShardSums.E2] += w2[i] * errors[i] * errors[i];
            sums[NepShardSums.ForceCount] += 3.0 * w2[i] * data.Frames[i].Atoms;
            if (data.Frames[i].Virial is not null)
            {
                sums[NepShardSums.VirialCount] += 6.0 * w2[i];
            }
        }
        sums[NepShardSums.Force] = force.to(ScalarType.Float64).cpu().item<double>();
        sums[NepShardSums.Frames] = errors.Length;
        // The graph stays alive through these three tensors until Backward.
        _pending = new Pending(d.DetachFromDisposeScope(), errors, w2, force.DetachFromDisposeScope(), virial?.DetachFromDisposeScope());
        return sums;
    }

    public double[] Backward(double[] coefficients)
    {
        OneThread();
        var pending = _pending ?? throw new ShardStepLostException("no forward pass to differentiate (the shard was restarted)");
        _pending = null;
        try
        {
            if (pending.Energy is null)
            {
                return new double[_model.TrainableCount];
            }
            using var scope = NewDisposeScope();
            var (offset, alpha) = (coefficients[NepShardSums.Offset], coefficients[NepShardSums.EnergyScale]);
            var g = pending.Errors.Select((d, i) => alpha * pending.W2[i] * (d - offset)).ToArray();
            var objective = (pending.Energy * tensor(g, dtype: pending.Energy.dtype, device: pending.Energy.device)).sum()
                .Plus(pending.Force!.Times(coefficients[NepShardSums.ForceScale]));
            if (pending.Virial is not null)
            {
                objective = objective.Plus(pending.Virial.Times(coefficients[NepShardSums.VirialScale]));
            }
            var trainable = _model.Trainable;
            var grads = autograd.grad([objective], [.. trainable], allow_unused: true);
            var flat = cat([.. grads.Select((gr, i) => gr is null || gr.IsInvalid ? zeros_like(trainable[i]).flatten() : gr.flatten())], 0);
            return flat.to(ScalarType.Float64).cpu().data<double>().ToArray();
        }
        finally
        {
            pending.Dispose();
        }
    }

    public void Dispose()
    {
        DropPending();
        foreach (var batch in _batches.Values)
        {
            batch.Dispose();
        }
        _model.Dispose();
    }

    private void DropPending()
    {
        _pending?.Dispose();
        _pending = null;
    }

    /// <summary>
    /// One intra-op thread for the calling thread. libtorch's OpenMP thread count is a per-thread setting, so the process-wide
    /// call on another thread does not reach the pool thread that computes this shard; without it a shard's float32 sums
    /// would depend on the machine's core count (and two workers on one machine would oversubscribe it).
    /// </summary>
    private static void OneThread()
    {
        if (torch.get_num_threads() != 1)
        {
            torch.set_num_threads(1);
        }
    }

    private static long Size(NepTrainingBatch b)
    {
        var tensors = new[] { b.Atoms, b.Energy, b.Weight, b.Forces, b.AtomWeight, b.VirialFrames, b.Virial, b.Batch.Types, b.Batch.AtomStructure,
            b.Batch.Center, b.Batch.Neighbor, b.Batch.PairType, b.Batch.Delta, b.Batch.PairStructure, b.Batch.Angular };
        return tensors.Sum(t => t.numel() * t.ElementSize);
    }

    private sealed record Pending(Tensor? Energy, double[] Errors, double[] W2, Tensor? Force, Tensor? Virial) : IDisposable
    {
        public void Dispose()
        {
            Energy?.Dispose();
            Force?.Dispose();
            Virial?.Dispose();
        }
    }
}

/// <summary>
/// Hosts NEP shards on a worker: reads the shard's frames (extended XYZ) and builds its tensors on the worker's own device
/// (<paramref name="device"/>, e.g. <c>cuda:0</c> on a GPU node) unless the fit names one.
/// </summary>
public sealed class NepShardObjective(string device = "cpu") : IShardObjective
{
    public const string Name = "nep";

    public string Kind => Name;

    public IShardCompute Load(ShardData data)
    {
        var (template, frames) = Frames(data);
        var dtype = data.Dtype == "float64" ? ScalarType.Float64 : ScalarType.Float32;
        return new NepShardCompute(template, frames, dtype, ClusterML.Engines.Torch.TorchDevices.Resolve(data.Device is { Length: > 0 } given ? given : device));
    }

    /// <summary>A shard's model template and its frames with the batch of each, as every NEP shard kind loads them.</summary>
    internal static (NepModel Template, IReadOnlyList<(int Batch, NepFrame Frame)> Frames) Frames(ShardData data)
    {
        var template = NepModelText.Parse(data.Model);
        var frames = NepDataset.Read(data.FramesPath, template, "shard frames");
        if (frames.Count != data.Batches.Length)
        {
            throw new InvalidDataException($"shard {data.Shard}: {frames.Count} frames in {data.FramesPath} but {data.Batches.Length} batch numbers");
        }
        return (template, [.. frames.Select((f, i) => (data.Batches[i], f))]);
    }
}

/// <summary>A model as exact JSON (every double round-trips; NEP1 and NEP3 keep their layout, unlike nep.txt): how a fit's template travels to its shards.</summary>
public static class NepModelText
{
    private sealed record Dto(int Version, string[] Species, double[][] Cutoffs, int MaxNeighborsRadial, int MaxNeighborsAngular, int NMaxRadial, int NMaxAngular,
        int BasisRadial, int BasisAngular, int LMax, bool Has4Body, bool Has5Body, int Neurons, double[] Parameters, double[] QScaler, NepZbl? Zbl);

    public static string Write(NepModel m) => JsonSerializer.Serialize(new Dto(m.Version, [.. m.Species], [.. m.Cutoffs.Select(c => new[] { c.Radial, c.Angular })],
        m.MaxNeighborsRadial, m.MaxNeighborsAngular, m.NMaxRadial, m.NMaxAngular, m.BasisRadial, m.BasisAngular, m.LMax, m.Has4Body, m.Has5Body, m.Neurons,
        m.Parameters, m.QScaler, m.Zbl));

    public static NepModel Parse(string text)
    {
        var d = JsonSerializer.Deserialize<Dto>(text) ?? throw new InvalidDataException("empty model text");
        return new NepModel(d.Version, d.Species, [.. d.Cutoffs.Select(c => (c[0], c[1]))], d.MaxNeighborsRadial, d.MaxNeighborsAngular, d.NMaxRadial, d.NMaxAngular,
            d.BasisRadial, d.BasisAngular, d.LMax, d.Has4Body, d.Has5Body, d.Neurons, d.Parameters, d.QScaler, d.Zbl);
    }
}
