using ClusterML.Engines.Torch;
using TorchSharp;
using static TorchSharp.torch;

namespace ClusterML.Engines.Surrogate;

/// <summary>
/// A fully connected network: inputs → <c>layers</c> hidden layers of <c>width</c> units with the activation → one output.
/// Weights are initialised from a private generator (Xavier-uniform, zero biases), so a seed fixes them without touching
/// torch's global random state.
/// </summary>
internal sealed class MlpRegressor : nn.Module<Tensor, Tensor>
{
    private readonly nn.Module<Tensor, Tensor> _layers;

    public MlpRegressor(int inputs, int hiddenLayers, int width, string activation, long seed)
        : base(nameof(MlpRegressor))
    {
        var modules = new List<nn.Module<Tensor, Tensor>>();
        var fanIn = inputs;
        for (var l = 0; l < hiddenLayers; l++)
        {
            modules.Add(nn.Linear(fanIn, width, dtype: float32));
            modules.Add(Activation(activation));
            fanIn = width;
        }
        modules.Add(nn.Linear(fanIn, 1, dtype: float32));
        _layers = nn.Sequential(modules);
        RegisterComponents();
        Initialise(seed);
    }

    public override Tensor forward(Tensor input) => _layers.forward(input);

    private void Initialise(long seed)
    {
        using var generator = new Generator((ulong)seed);
        using var noGrad = no_grad();
        foreach (var (name, parameter) in named_parameters())
        {
            if (name.EndsWith("bias", StringComparison.Ordinal))
            {
                parameter.zero_();
                continue;
            }
            var fanOut = parameter.shape[0];
            var fanIn = parameter.shape[1];
            var bound = Math.Sqrt(6.0 / (fanIn + fanOut));
            // Every temporary is held by a local until the next call has returned: outside a dispose scope nothing else refers to
            // it, and a GC on another thread would let its finalizer free the tensor while libtorch reads it (a crash).
            using var uniform = rand(parameter.shape, generator: generator, dtype: float32);
            using var scaled = uniform.Times(2 * bound);
            using var values = scaled.Minus(bound);
            parameter.copy_(values);
        }
    }

    private static nn.Module<Tensor, Tensor> Activation(string name) => name switch
    {
        "tanh" => nn.Tanh(),
        "relu" => nn.ReLU(),
        "silu" => nn.SiLU(),
        "gelu" => nn.GELU(),
        _ => throw new ArgumentOutOfRangeException(nameof(name), name, "unknown activation"),
    };
}
