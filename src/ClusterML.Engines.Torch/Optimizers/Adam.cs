using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace ClusterML.Engines.Torch.Optimizers;

/// <summary>
/// Adam (Kingma and Ba 2015, with PyTorch's defaults and its L2 weight decay) whose step holds every number it passes to
/// libtorch in a <see cref="Scalar"/> it keeps alive until the native call has returned.
/// <para>
/// Why not <c>torch.optim.Adam</c>: TorchSharp 0.107's step passes plain doubles (<c>mul_(beta1)</c>, <c>add_(eps)</c>,
/// <c>addcdiv_(…, value: -step_size)</c>), which become temporary <see cref="Scalar"/> objects that only hand their native
/// pointer to libtorch. Once the pointer is loaded nothing refers to the object, so a garbage collection started by any other
/// thread during the call lets the finalizer free the c10::Scalar while libtorch still reads it: a step then fails with
/// "Exception raised from toFloat at c10/core/Scalar.h" (the freed memory read as a number that does not fit a float) or the
/// process dies of a segmentation fault. In a cluster node other threads always allocate, so a long campaign hit it now and
/// then (2 of 2 278 trainings in the surrogate-sweep benchmark, and a node crash); <c>scalar-race</c> in the benchmark project
/// reproduces it in seconds. TorchSharp's pending fix (dispose implicitly converted Scalars, dotnet/TorchSharp#1434) is not in
/// a release yet.
/// </para>
/// <para>
/// The arithmetic is the same as TorchSharp's Adam, operation for operation, so results are bit-identical to it, and its state
/// (moments, step count) is saved and loaded by the base class in the same format — the class is called <c>Adam</c> because that
/// format names the optimizer's type, so restart files and checkpoints written before (by TorchSharp's Adam) load here and
/// the other way round. AMSGrad and maximize are not offered. Call sites name it <c>ScalarSafeAdam</c> (a using alias).
/// </para>
/// </summary>
public sealed class Adam : TorchSharp.Modules.Adam
{
    /// <summary>Adam over <paramref name="parameters"/> with betas (0.9, 0.999), ε = 1e-8.</summary>
    public Adam(IEnumerable<Parameter> parameters, double lr = 1e-3, double weightDecay = 0, double beta1 = 0.9, double beta2 = 0.999, double eps = 1e-8)
        : base(parameters, lr, beta1, beta2, eps, weightDecay, amsgrad: false, maximize: false)
    {
    }

    /// <inheritdoc />
    public override Tensor step(Func<Tensor>? closure = null) => _step<ParamGroup>(group =>
    {
        var options = (Options)group.Options;
        var beta1 = options.beta1!.Value;
        var beta2 = options.beta2!.Value;
        var weightDecay = options.weight_decay!.Value;
        var lr = options.LearningRate!.Value;
        using var beta1Scalar = beta1.ToScalar();
        using var beta2Scalar = beta2.ToScalar();
        using var oneMinusBeta1 = (1 - beta1).ToScalar();
        using var oneMinusBeta2 = (1 - beta2).ToScalar();
        using var epsScalar = options.eps!.Value.ToScalar();
        using var decay = weightDecay.ToScalar();
        foreach (var param in group.Parameters)
        {
            var grad = param.grad;
            if (grad is null)
            {
                continue;
            }
            var state = (State)_state[param.Handle];
            state.step += 1;
            var biasCorrection1 = 1 - Math.Pow(beta1, state.step);
            var biasCorrection2 = 1 - Math.Pow(beta2, state.step);
            if (weightDecay != 0)
            {
                grad = grad.add(param, alpha: decay);
            }
            state.exp_avg.mul_(beta1Scalar).add_(grad, alpha: oneMinusBeta1);
            state.exp_avg_sq.mul_(beta2Scalar).addcmul_(grad, grad.conj(), value: oneMinusBeta2);
            using var root = Math.Sqrt(biasCorrection2).ToScalar();
            var denominator = state.exp_avg_sq.sqrt().div_(root).add_(epsScalar, TorchScalars.One); // add_(Scalar) alone makes an implicit alpha of 1
            using var stepSize = (-(lr / biasCorrection1)).ToScalar();
            param.addcdiv_(state.exp_avg, denominator, value: stepSize);
        }
    }, closure);
}
