using ClusterML.Core.Validation;
using ClusterML.Engines.FiniteDifferences;

namespace ClusterML.Engines.Pinn.Heat;

/// <summary>How collocation points are drawn in the (ξ, s) unit square.</summary>
public enum CollocationSampling
{
    /// <summary>Independent uniform draws.</summary>
    Uniform,

    /// <summary>Latin hypercube: one point per row and column stratum.</summary>
    LatinHypercube,

    /// <summary>A Sobol sequence with a random shift (a fresh shift at every resampling).</summary>
    Sobol,
}

/// <summary>Which conditions the network's output transform satisfies exactly (the rest stay as loss terms).</summary>
public enum HeatConstraints
{
    /// <summary>Boundary and initial conditions are loss terms.</summary>
    Soft,

    /// <summary>T = T_L(1−ξ) + T_R ξ + ξ(1−ξ)·N: both boundary conditions exact, the initial condition a loss term.</summary>
    Boundary,

    /// <summary>Boundary and initial conditions exact (needs corner subtraction, which makes the remaining field smooth).</summary>
    All,
}

/// <summary>Loss weighting: fixed weights, or learning-rate annealing (Wang, Teng &amp; Perdikaris 2021).</summary>
public enum LossWeighting
{
    Fixed,
    Annealing,
}

/// <summary>
/// Everything a PINN run of the 1D heat problem T_t = α T_xx (0 &lt; x &lt; L, T(t,0) = T_L, T(t,L) = T_R, T(0,x) = T_0) needs.
/// Defaults are the configuration that measured best (docs/benchmarks.md): non-dimensional inputs, corner subtraction,
/// both conditions exact, Adam then L-BFGS in float64.
/// </summary>
public sealed record PinnHeatSettings
{
    public HeatProblem Problem { get; init; } = new();

    /// <summary>End of the time window (s).</summary>
    public double TEnd { get; init; } = 1.0;

    public int Layers { get; init; } = 3;

    public int Width { get; init; } = 32;

    public string Activation { get; init; } = "tanh";

    /// <summary>Interior collocation points.</summary>
    public int Collocation { get; init; } = 2000;

    /// <summary>Points on each boundary and on the initial line (used when the conditions are soft).</summary>
    public int BoundaryPoints { get; init; } = 200;

    public CollocationSampling Sampling { get; init; } = CollocationSampling.LatinHypercube;

    /// <summary>Draw fresh collocation points every this many Adam steps (0: never).</summary>
    public int ResampleEvery { get; init; } = 500;

    /// <summary>Residual-based adaptive refinement: the share of collocation points drawn ∝ |residual| at each resampling (0: off).</summary>
    public double RefineFraction { get; init; } = 0.5;

    /// <summary>Adam steps.</summary>
    public int Epochs { get; init; } = 2000;

    public double LearningRate { get; init; } = 2e-3;

    /// <summary>L-BFGS outer steps after Adam (each up to 20 inner iterations; 0: none).</summary>
    public int LbfgsSteps { get; init; } = 100;

    public double WeightPde { get; init; } = 1.0;

    public double WeightBoundary { get; init; } = 1.0;

    public double WeightInitial { get; init; } = 1.0;

    public double WeightData { get; init; } = 1.0;

    public LossWeighting Weighting { get; init; } = LossWeighting.Annealing;

    /// <summary>Update the annealed weights every this many Adam steps.</summary>
    public int AnnealEvery { get; init; } = 50;

    /// <summary>Inputs (ξ, s) = (x/L, t/t_end) mapped to [−1, 1] and the residual written in them; off: raw (x, t) and T_t − αT_xx.</summary>
    public bool NonDimensional { get; init; } = true;

    public HeatConstraints Constraints { get; init; } = HeatConstraints.All;

    /// <summary>
    /// Subtract the similarity solutions of the corner jumps, (T_L−T_0)·erfc(ξ/2√τ) + (T_R−T_0)·erfc((1−ξ)/2√τ), which carry the
    /// IC/BC conflict at t = 0 exactly; the network learns the smooth remainder.
    /// </summary>
    public bool CornerSubtraction { get; init; } = true;

    public bool Float64 { get; init; } = true;

    /// <summary>Learn α from observations (x, t, T) together with the field.</summary>
    public bool Inverse { get; init; }

    /// <summary>Observations for the inverse problem (or extra data for a forward one).</summary>
    public IReadOnlyList<HeatObservation> Observations { get; init; } = [];

    /// <summary>Starting guess of α in an inverse run.</summary>
    public double AlphaInitial { get; init; } = 1.0;

    /// <summary>Evaluation grid: points in x and in t (t from τ = <see cref="EvalMinTau"/> to t_end).</summary>
    public int GridX { get; init; } = 101;

    public int GridT { get; init; } = 101;

    public double EvalMinTau { get; init; } = 0.01;

    /// <summary>Report progress (and the current error) every this many steps.</summary>
    public int ReportEvery { get; init; } = 100;

    public int Threads { get; init; }

    /// <summary>Checks every field; the field names are the CLI options (campaigns map their snake_case keys to them).</summary>
    public PinnHeatSettings Validated()
    {
        var problem = (Problem ?? throw new InvalidInputException("problem", "is missing")).Validated();
        Require.Positive("--t-end", TEnd);
        Require.AtLeast("--layers", Layers, 1);
        Require.AtLeast("--width", Width, 1);
        if (Activation is not ("tanh" or "silu" or "sin" or "gelu"))
        {
            throw new InvalidInputException("--activation", $"'{Activation}' is not supported; use tanh, silu, sin or gelu (second derivatives need a smooth activation)");
        }
        Require.AtLeast("--collocation", Collocation, 10);
        Require.AtLeast("--boundary-points", BoundaryPoints, 2);
        Require.AtLeast("--resample-every", ResampleEvery, 0);
        if (RefineFraction is < 0 or > 1 || !double.IsFinite(RefineFraction))
        {
            throw new InvalidInputException("--refine-fraction", $"must be between 0 and 1, not {Require.Show(RefineFraction)}");
        }
        Require.AtLeast("--epochs", Epochs, 0);
        Require.Positive("--lr", LearningRate);
        Require.AtLeast("--lbfgs-steps", LbfgsSteps, 0);
        if (Epochs + LbfgsSteps == 0)
        {
            throw new InvalidInputException("--epochs", "no training: give --epochs or --lbfgs-steps above 0");
        }
        foreach (var (field, weight) in new[] { ("--weight-pde", WeightPde), ("--weight-bc", WeightBoundary), ("--weight-ic", WeightInitial), ("--weight-data", WeightData) })
        {
            if (!double.IsFinite(weight) || weight < 0)
            {
                throw new InvalidInputException(field, $"must be a finite number ≥ 0, not {Require.Show(weight)}");
            }
        }
        Require.AtLeast("--anneal-every", AnnealEvery, 1);
        if (Constraints == HeatConstraints.All && !CornerSubtraction)
        {
            throw new InvalidInputException("--constraints", "'all' makes the initial condition exact, which needs --corner subtract (without it T(0,ξ) is singular at the corner); use --constraints boundary or soft");
        }
        if (Inverse)
        {
            Require.Positive("--alpha-init", AlphaInitial);
            if (Observations.Count == 0)
            {
                throw new InvalidInputException("--observations", "an inverse run needs observations (x,t,T)");
            }
        }
        Require.AtLeast("--grid-x", GridX, 2);
        Require.AtLeast("--grid-t", GridT, 2);
        Require.Positive("--eval-min-tau", EvalMinTau);
        if (problem.Tau(TEnd) <= EvalMinTau)
        {
            throw new InvalidInputException("--t-end", $"the window ends at τ = αt/L² = {Require.Show(problem.Tau(TEnd))}, not after the evaluation start τ = {Require.Show(EvalMinTau)}");
        }
        Require.AtLeast("--report-every", ReportEvery, 1);
        Require.AtLeast("--threads", Threads, 0);
        foreach (var o in Observations)
        {
            o.Check(problem, TEnd);
        }
        return this with { Problem = problem };
    }
}

/// <summary>One observed temperature; <see cref="Line"/> and <see cref="Source"/> name where it came from for error messages.</summary>
public sealed record HeatObservation(double X, double T, double Temperature, string? Source = null, int Line = 0)
{
    internal void Check(HeatProblem problem, double tEnd)
    {
        if (X < 0 || X > problem.Length)
        {
            throw new InvalidInputException("x", $"{Require.Show(X)} is outside the rod [0, {Require.Show(problem.Length)}]", Source, Line);
        }
        if (T < 0)
        {
            throw new InvalidInputException("t", $"{Require.Show(T)} is negative", Source, Line);
        }
        if (T > tEnd)
        {
            throw new InvalidInputException("t", $"{Require.Show(T)} is after the end of the window t_end = {Require.Show(tEnd)}", Source, Line);
        }
    }
}
