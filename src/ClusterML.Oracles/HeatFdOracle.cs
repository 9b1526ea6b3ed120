using ClusterML.Core.Validation;
using ClusterML.Engines.FiniteDifferences;

namespace ClusterML.Oracles;

/// <summary>
/// <c>heat-fd</c>: the explicit finite-difference heat solver (<see cref="FdHeatSolver"/>) as an oracle, on the textbook problem
/// T_t = α T_xx, 0 ≤ x ≤ L, T(t, 0) = 0, T(t, L) = 1, T(0, x) = 0 (dimensionless temperature).
/// Inputs: <c>alpha_m2_s</c> α (1e-6–1e-4 m²/s, log-uniform), <c>length_m</c> L (0.01–0.1 m, uniform), <c>probe_x_frac</c> the
/// probe position x/L (0.05–0.95, uniform), <c>time_s</c> t (1–1000 s, log-uniform).
/// Outputs: <c>T</c>, the temperature at the probe at time t (0…1), and <c>t_half_s</c>, the time at which the midpoint x = L/2
/// reaches half its steady value, T = 0.25 (s).
/// <para>
/// Grid: <see cref="GridPoints"/> points, r = αΔt/Δx² = <see cref="FdHeatSettings.DefaultR"/> shortened so whole steps end
/// exactly at t; T at the probe is interpolated linearly between grid points. Error against the exact solution, measured:
/// 5e-4 at τ = αt/L² = 0.01 in the steep layer near x = L, below 4e-5 from τ ≈ 0.1 (before τ = 0.01 the corner jump at
/// x = L dominates). Cost is bounded: beyond τ = <see cref="SteadyTau"/> the
/// run stops at τ = 2, where the transient has decayed below 1e-8 (its slowest mode is (2/π) e^{−π²τ} = 1.7e-9), so T = x/L to
/// that accuracy; at most 50 000 steps of 99 points, a few ms.
/// </para>
/// <para>
/// t_half depends only on α and L: t_half = τ_half L²/α. τ_half (≈ 0.0947) is found once by the same solver on the unit
/// problem, recording the midpoint after every step and interpolating linearly in time between the two steps around 0.25.
/// </para>
/// </summary>
public sealed class HeatFdOracle : IPhysicsOracle
{
    /// <summary>Grid points including both ends (Δx = L/100).</summary>
    public const int GridPoints = 101;

    /// <summary>τ = αt/L² beyond which the run is cut to τ = 2: the solution is steady there to 1e-8.</summary>
    public const double SteadyTau = 2.0;

    /// <summary>The steady value the midpoint must reach half of: T(L/2) = 0.5 · 0.5.</summary>
    public const double HalfRiseTemperature = 0.25;

    /// <summary>The unit run that locates τ_half ends here, well after the crossing (≈ 0.095).</summary>
    private const double HalfRiseSearchTau = 0.15;

    private static readonly Lazy<double> HalfRise = new(FindHalfRiseTau);

    public string Name => "heat-fd";

    public string Description => "1D heat conduction by finite differences (rod at 0, one end raised to 1): probe temperature at a time, and the midpoint's half-rise time.";

    public IReadOnlyList<OracleInput> Inputs { get; } =
    [
        new("alpha_m2_s", "m²/s", 1e-6, 1e-4, OracleSampling.LogUniform, "thermal diffusivity α"),
        new("length_m", "m", 0.01, 0.1, OracleSampling.Uniform, "rod length L"),
        new("probe_x_frac", "", 0.05, 0.95, OracleSampling.Uniform, "probe position x/L"),
        new("time_s", "s", 1, 1000, OracleSampling.LogUniform, "time t"),
    ];

    public IReadOnlyList<string> Outputs { get; } = ["T", "t_half_s"];

    /// <summary>τ_half = α t_half/L², dimensionless, from the finite-difference solver (computed on first use).</summary>
    public static double HalfRiseTau => HalfRise.Value;

    public double[] Sample(Random rng) => OracleRows.Sample(Inputs, rng);

    public double[] Evaluate(ReadOnlySpan<double> inputs)
    {
        OracleRows.RequireLength(Inputs, inputs);
        var alpha = Require.Positive("alpha_m2_s", inputs[0]);
        var length = Require.Positive("length_m", inputs[1]);
        var fraction = Require.Finite("probe_x_frac", inputs[2]);
        if (fraction is < 0.0 or > 1.0)
        {
            throw new InvalidInputException("probe_x_frac", $"must be between 0 and 1 (got {Require.Show(fraction)})");
        }
        var time = Require.Positive("time_s", inputs[3]);
        return [ProbeTemperature(alpha, length, fraction, time), HalfRiseTau * length * length / alpha];
    }

    private static double ProbeTemperature(double alpha, double length, double fraction, double time)
    {
        var simulated = Math.Min(time, SteadyTau * length * length / alpha);
        var settings = new FdHeatSettings(new HeatProblem(alpha, length), GridPoints, simulated, Snapshots: 2, HeatmapRows: 2);
        var field = FdHeatSolver.Solve(settings).Snapshots[^1];
        var position = fraction * (GridPoints - 1);
        var i = Math.Min((int)position, GridPoints - 2);
        var w = position - i;
        return ((1.0 - w) * field[i]) + (w * field[i + 1]);
    }

    private static double FindHalfRiseTau()
    {
        var problem = new HeatProblem(1.0, 1.0);
        var steps = new FdHeatSettings(problem, GridPoints, HalfRiseSearchTau).Plan().Steps;
        // One heat-map row per step (steps + 1 rows, t = 0 included): the crossing is bracketed by consecutive steps.
        var solution = FdHeatSolver.Solve(new FdHeatSettings(problem, GridPoints, HalfRiseSearchTau, Snapshots: 2, HeatmapRows: (int)steps + 1));
        var middle = GridPoints / 2;
        for (var j = 1; j < solution.HeatmapTimes.Length; j++)
        {
            var before = solution.Heatmap[j - 1][middle];
            var after = solution.Heatmap[j][middle];
            if (before < HalfRiseTemperature && after >= HalfRiseTemperature)
            {
                var f = (HalfRiseTemperature - before) / (after - before);
                return solution.HeatmapTimes[j - 1] + (f * (solution.HeatmapTimes[j] - solution.HeatmapTimes[j - 1]));
            }
        }
        throw new InvalidOperationException($"the midpoint did not reach {HalfRiseTemperature} by τ = {HalfRiseSearchTau}");
    }
}
