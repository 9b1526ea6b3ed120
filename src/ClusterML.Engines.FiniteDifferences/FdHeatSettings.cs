using ClusterML.Core.Validation;

namespace ClusterML.Engines.FiniteDifferences;

/// <summary>
/// Settings of one finite-difference run. The grid has <see cref="Nx"/> points including both ends (Δx = L/(Nx − 1)).
/// The time step comes from exactly one of <see cref="Dt"/> (time units) or <see cref="R"/> (r = αΔt/Δx², dimensionless);
/// with neither, r = <see cref="DefaultR"/>. The step is then shortened, if needed, so that a whole number of steps ends
/// exactly at <see cref="TEnd"/>; that only lowers r. <see cref="Snapshots"/> evenly spaced times (t = 0 and t_end included)
/// are written out; <see cref="HeatmapRows"/> evenly spaced times feed the heat map and the error measurement.
/// </summary>
public sealed record FdHeatSettings(
    HeatProblem Problem,
    int Nx = 101,
    double TEnd = 1.0,
    double? Dt = null,
    double? R = null,
    HeatScheme Scheme = HeatScheme.Explicit,
    int Snapshots = 6,
    int HeatmapRows = 101)
{
    /// <summary>r used when neither Dt nor R is given.</summary>
    public const double DefaultR = 0.4;

    /// <summary>The explicit scheme's stability limit on r.</summary>
    public const double ExplicitStabilityLimit = 0.5;

    /// <summary>More steps than this is refused as a mistake (it would run for days).</summary>
    public const long MaxSteps = 2_000_000_000_000;

    /// <summary>Validates everything and fixes Δx, Δt, r and the step count.</summary>
    /// <exception cref="InvalidInputException">Any bad value, including r &gt; 1/2 for the explicit scheme.</exception>
    public FdHeatPlan Plan()
    {
        var problem = (Problem ?? throw new InvalidInputException("problem", "is missing")).Validated();
        Require.AtLeast("--nx", Nx, 3);
        Require.Positive("--t-end", TEnd);
        Require.AtLeast("--snapshots", Snapshots, 2);
        Require.AtLeast("--heatmap-rows", HeatmapRows, 2);
        if (Dt is not null && R is not null)
        {
            throw new InvalidInputException("--dt/--r", "give one of --dt or --r, not both");
        }

        var dx = problem.Length / (Nx - 1);
        var dxSquaredOverAlpha = dx * dx / problem.Alpha;
        double requestedDt, requestedR;
        string stepField;
        if (Dt is { } dt)
        {
            requestedDt = Require.Positive("--dt", dt);
            requestedR = dt / dxSquaredOverAlpha;
            stepField = "--dt";
        }
        else
        {
            requestedR = Require.Positive("--r", R ?? DefaultR);
            requestedDt = requestedR * dxSquaredOverAlpha;
            stepField = "--r";
        }

        var largestStableDt = ExplicitStabilityLimit * dxSquaredOverAlpha;
        if (Scheme == HeatScheme.Explicit && requestedR > ExplicitStabilityLimit * (1 + 1e-12))
        {
            throw new InvalidInputException(stepField,
                $"the explicit scheme is unstable for r = αΔt/Δx² = {Require.Show(requestedR)} > 1/2 (stability limit r ≤ 1/2); " +
                $"the largest stable dt for Δx = {Require.Show(dx)} and α = {Require.Show(problem.Alpha)} is {Require.Show(largestStableDt)}. " +
                "Use a smaller --dt or --r, or --scheme crank-nicolson");
        }

        var exactSteps = TEnd / requestedDt;
        if (exactSteps > MaxSteps)
        {
            throw new InvalidInputException(stepField,
                $"reaching t-end = {Require.Show(TEnd)} takes {exactSteps:E2} steps (more than {MaxSteps:E0}); use a coarser --nx, a shorter --t-end or a larger step");
        }
        var steps = Math.Max(1L, (long)Math.Ceiling(exactSteps * (1 - 1e-12)));
        var actualDt = TEnd / steps;
        return new FdHeatPlan(this with { Problem = problem }, dx, actualDt, actualDt / dxSquaredOverAlpha, steps, largestStableDt);
    }
}

/// <summary>A validated run: grid spacing, the time step actually used, its r, and the number of steps.</summary>
public sealed record FdHeatPlan(FdHeatSettings Settings, double Dx, double Dt, double R, long Steps, double LargestStableExplicitDt);
