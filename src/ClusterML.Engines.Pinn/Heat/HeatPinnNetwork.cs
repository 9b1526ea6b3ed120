using ClusterML.Engines.Torch;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace ClusterML.Engines.Pinn.Heat;

/// <summary>
/// The PINN of the heat problem: an MLP N on the inputs and an output transform that builds the temperature from it.
/// The network is always called on (ξ, s) = (x/L, t/t_end), the coordinates the residual is written in; what the MLP sees
/// is (2ξ−1, 2s−1) when non-dimensional, else the raw (x, t). With corner subtraction T = S + W, where
/// S = T_0 + (T_L−T_0)·erfc(ξ/2√τ) + (T_R−T_0)·erfc((1−ξ)/2√τ) (τ = κs, κ = αt_end/L²) solves the PDE exactly and carries
/// the jumps at t = 0, and W is the network's smooth remainder; without it T = W. W's transform:
/// soft: W = N; boundary: W = g_L(1−ξ) + g_R ξ + ξ(1−ξ)·N; all: W = g_L(1−ξ) + g_R ξ + ξ(1−ξ)·s·N, with g the boundary values
/// W must take. κ is a parameter (log-parametrised, so α stays positive) that learns only in an inverse run.
/// </summary>
internal sealed class HeatPinnNetwork : nn.Module<Tensor, Tensor>
{
    /// <summary>Keeps τ positive at s = 0 (held for the process: an implicit Scalar may be freed mid-call, see ScalarSafeAdam).</summary>
    private static readonly Scalar TauFloor = 1e-30.ToScalar();

    private readonly nn.Module<Tensor, Tensor> _mlp;
    private readonly PinnHeatSettings _settings;
    private readonly ScalarType _dtype;

    public HeatPinnNetwork(PinnHeatSettings settings, double kappaInitial, long seed)
        : base(nameof(HeatPinnNetwork))
    {
        _settings = settings;
        _dtype = settings.Float64 ? ScalarType.Float64 : ScalarType.Float32;
        var modules = new List<nn.Module<Tensor, Tensor>>();
        var fanIn = 2;
        for (var l = 0; l < settings.Layers; l++)
        {
            modules.Add(nn.Linear(fanIn, settings.Width, dtype: _dtype));
            modules.Add(Activation(settings.Activation));
            fanIn = settings.Width;
        }
        modules.Add(nn.Linear(fanIn, 1, dtype: _dtype));
        _mlp = nn.Sequential(modules);
        log_kappa = nn.Parameter(tensor(Math.Log(kappaInitial), dtype: _dtype), requires_grad: settings.Inverse);
        RegisterComponents();
        Initialise(seed);
    }

    // Registered by name through RegisterComponents: the saved file's key.
#pragma warning disable SA1300, IDE1006 // the field name is the state-dict key
    private readonly Parameter log_kappa;
#pragma warning restore SA1300, IDE1006

    public ScalarType DType => _dtype;

    /// <summary>κ = α t_end / L² (a tensor in the graph, so an inverse run learns it).</summary>
    public Tensor Kappa => log_kappa.exp();

    public double KappaValue
    {
        get
        {
            using var noGrad = no_grad();
            using var k = log_kappa.exp();
            return k.ToDouble();
        }
    }

    /// <summary>α implied by the current κ.</summary>
    public double Alpha => KappaValue * _settings.Problem.Length * _settings.Problem.Length / _settings.TEnd;

    public override Tensor forward(Tensor xs) => Parts(xs).Temperature;

    /// <summary>T at points given as (ξ, s) pairs, flattened (ξ0 s0 ξ1 s1 …), without building a graph.</summary>
    public double[] Evaluate(double[] flat, Device device)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var input = tensor(flat, [flat.Length / 2, 2], dtype: _dtype, device: device);
        return forward(input).cpu().to(ScalarType.Float64).data<double>().ToArray();
    }

    /// <summary>The temperature and the part the network must make satisfy the PDE (all of it without corner subtraction).</summary>
    public (Tensor Temperature, Tensor Remainder) Parts(Tensor xs)
    {
        var p = _settings.Problem;
        var xi = xs[.., 0..1];
        var s = xs[.., 1..2];
        var input = _settings.NonDimensional ? xs.Times(2.0).Minus(1.0) : cat([xi.Times(p.Length), s.Times(_settings.TEnd)], 1);
        var n = _mlp.forward(input);
        if (!_settings.CornerSubtraction && _settings.Constraints == HeatConstraints.Soft)
        {
            return (n, n);
        }
        var oneMinusXi = xi.SubtractedFrom(1.0);
        if (!_settings.CornerSubtraction)
        {
            var plain = oneMinusXi.Times(p.Left).Plus(xi.Times(p.Right)).Plus(xi * oneMinusXi * n);
            return (plain, plain);
        }
        var tau = (Kappa * s).clamp_min(TauFloor);
        var twoRootTau = tau.sqrt().Times(2.0);
        var jumpLeft = p.Left - p.Initial;
        var jumpRight = p.Right - p.Initial;
        var similarity = (xi / twoRootTau).erfc().Times(jumpLeft).Plus(p.Initial).Plus((oneMinusXi / twoRootTau).erfc().Times(jumpRight));
        Tensor remainder;
        if (_settings.Constraints == HeatConstraints.Soft)
        {
            remainder = n;
        }
        else
        {
            // What S leaves at the ends: S(0,τ) = T_L + (T_R−T_0)·erfc(1/2√τ), S(1,τ) = T_R + (T_L−T_0)·erfc(1/2√τ).
            var far = twoRootTau.reciprocal().erfc(); // 1/(2√τ)
            var gLeft = far.Times(-jumpRight);
            var gRight = far.Times(-jumpLeft);
            var bubble = xi * oneMinusXi; // ξ(1 − ξ), zero at both ends
            var free = _settings.Constraints == HeatConstraints.All ? bubble * s * n : bubble * n;
            remainder = (gLeft * oneMinusXi).Plus(gRight * xi).Plus(free);
        }
        return (similarity.Plus(remainder), remainder);
    }

    private void Initialise(long seed)
    {
        using var generator = new Generator((ulong)seed);
        using var noGrad = no_grad();
        foreach (var (name, parameter) in _mlp.named_parameters())
        {
            if (name.EndsWith("bias", StringComparison.Ordinal))
            {
                parameter.zero_();
                continue;
            }
            var bound = Math.Sqrt(6.0 / (parameter.shape[0] + parameter.shape[1])); // Glorot uniform
            // Every temporary is held by a local until the next call has returned: outside a dispose scope nothing else refers to
            // it, and a GC on another thread would let its finalizer free the tensor while libtorch reads it (a crash).
            using var uniform = rand(parameter.shape, generator: generator, dtype: _dtype);
            using var scaled = uniform.Times(2 * bound);
            using var values = scaled.Minus(bound);
            parameter.copy_(values);
        }
    }

    private static nn.Module<Tensor, Tensor> Activation(string name) => name switch
    {
        "tanh" => nn.Tanh(),
        "silu" => nn.SiLU(),
        "gelu" => nn.GELU(),
        "sin" => new Sine(),
        _ => throw new ArgumentOutOfRangeException(nameof(name), name, "unknown activation"),
    };

    private sealed class Sine() : nn.Module<Tensor, Tensor>("Sine")
    {
        public override Tensor forward(Tensor input) => input.sin();
    }
}
