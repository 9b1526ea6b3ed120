using ClusterML.Engines.Nep.Model;
using ClusterML.Engines.Nep.Torch;
using ClusterML.Engines.Torch;
using TorchSharp;
using static TorchSharp.torch;

namespace ClusterML.Engines.Nep.Training;

/// <summary>A fixed group of frames as tensors: the structures (<see cref="NepBatch"/>) and their reference values.</summary>
public sealed class NepTrainingBatch : IDisposable
{
    public NepTrainingBatch(IReadOnlyList<NepFrame> frames, NepModel model, ScalarType dtype, Device? device = null)
    {
        device ??= CPU;
        Frames = frames;
        Batch = NepBatch.Build([.. frames.Select(f => f.Structure)], model, dtype, device);
        Atoms = tensor(frames.Select(f => (double)f.Atoms).ToArray(), dtype: dtype, device: device);
        Energy = tensor(frames.Select(f => f.Energy).ToArray(), dtype: dtype, device: device);
        Weight = tensor(frames.Select(f => f.Weight).ToArray(), dtype: dtype, device: device);
        Forces = tensor(frames.SelectMany(f => f.Forces).ToArray(), [Batch.Atoms, 3], dtype: dtype, device: device);
        AtomWeight = tensor(frames.SelectMany(f => Enumerable.Repeat(f.Weight, f.Atoms)).ToArray(), dtype: dtype, device: device);
        var withVirial = frames.Select((f, i) => (f, i)).Where(x => x.f.Virial is not null).ToArray();
        VirialFrames = tensor(withVirial.Select(x => (long)x.i).ToArray(), dtype: ScalarType.Int64, device: device);
        // Reference virial per atom, components xx yy zz xy yz zx.
        Virial = tensor(withVirial.SelectMany(x => new[] { 0, 4, 8, 1, 5, 6 }.Select(k => x.f.Virial![k] / x.f.Atoms)).ToArray(), [withVirial.Length, 6], dtype: dtype, device: device);
    }

    public IReadOnlyList<NepFrame> Frames { get; }

    public NepBatch Batch { get; }

    public Tensor Atoms { get; }

    public Tensor Energy { get; }

    public Tensor Weight { get; }

    public Tensor Forces { get; }

    public Tensor AtomWeight { get; }

    public Tensor VirialFrames { get; }

    public Tensor Virial { get; }

    public void Dispose()
    {
        Batch.Dispose();
        foreach (var t in new[] { Atoms, Energy, Weight, Forces, AtomWeight, VirialFrames, Virial })
        {
            t.Dispose();
        }
    }
}

/// <summary>The loss terms of one evaluation (tensors; the RMSEs in eV/atom, eV/Å and eV/atom).</summary>
public sealed record NepLossTerms(Tensor Total, Tensor Energy, Tensor Force, Tensor? Virial, Tensor L1, Tensor L2);

/// <summary>
/// The lecture's loss L = λe·Le + λf·Lf + λv·Lv + λ1·L1 + λ2·L2: Le the RMSE of per-atom energies after removing the batch's
/// weighted mean offset (so the absolute energy zero does not matter; the offset is folded into b1 on export), Lf the RMSE
/// of all force components, Lv the RMSE of the 6 per-atom virial components of frames that have virials, L1 = mean|z| and
/// L2 = √(mean z²) over the trainable parameters. Frame weights multiply the squared errors.
/// </summary>
public static class NepLoss
{
    /// <summary>Keeps √ differentiable at a perfect fit (held for the process: an implicit Scalar may be freed mid-call).</summary>
    private static readonly Scalar Floor = 1e-30.ToScalar();

    public static NepLossTerms Compute(NepTorchModel model, NepTrainingBatch batch, NepTrainingSettings settings, double lambda1, double lambda2, bool createGraph)
    {
        var output = model.Evaluate(batch.Batch, forces: true, createGraph: createGraph);
        var w2 = batch.Weight.Squared();
        var perAtom = output.Energies / batch.Atoms;
        var reference = batch.Energy / batch.Atoms;
        var difference = perAtom - reference;
        var offset = (difference * w2).sum() / w2.sum();
        var energy = ((difference - offset).Squared() * w2).sum().div(w2.sum()).add(Floor, TorchScalars.One).sqrt();
        var aw2 = batch.AtomWeight.Squared().unsqueeze(1);
        var force = ((output.Forces! - batch.Forces).Squared() * aw2).sum().div(aw2.sum().Times(3)).add(Floor, TorchScalars.One).sqrt();
        Tensor? virial = null;
        if (batch.VirialFrames.numel() > 0)
        {
            var predicted = output.Virials!.index_select(0, batch.VirialFrames).index_select(1, tensor(new long[] { 0, 4, 8, 1, 5, 6 }, device: output.Virials.device))
                / batch.Atoms.index_select(0, batch.VirialFrames).unsqueeze(1);
            var vw2 = w2.index_select(0, batch.VirialFrames).unsqueeze(1);
            virial = ((predicted - batch.Virial).Squared() * vw2).sum().div(vw2.sum().Times(6)).add(Floor, TorchScalars.One).sqrt();
        }
        var parameters = model.parameters().Where(p => p.requires_grad).Select(p => p.flatten()).ToArray();
        var all = cat(parameters, 0);
        var l1 = all.abs().mean();
        var l2 = all.Squared().mean().sqrt();
        var total = energy.Times(settings.LambdaE).Plus(force.Times(settings.LambdaF)).Plus(l1.Times(lambda1)).Plus(l2.Times(lambda2));
        if (virial is not null)
        {
            total = total.Plus(virial.Times(settings.LambdaV));
        }
        return new NepLossTerms(total, energy, force, virial, l1, l2);
    }

    /// <summary>GPUMD's default λ1 = λ2 = √(N_par/T)/1000.</summary>
    public static double DefaultRegularization(NepModel model) => Math.Sqrt(model.ParameterCount / (double)model.SpeciesCount) / 1000;
}
