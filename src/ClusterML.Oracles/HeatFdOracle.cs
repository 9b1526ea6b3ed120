using ClusterML.Core.Validation;
using ClusterML.Engines.Pinn.Reference;

namespace ClusterML.Oracles;

/// <summary>
/// The finite-difference heat solver as an oracle, for the textbook problem (T = 0 at x = 0, T = 1 at x = L, T = 0 inside at
/// t = 0): the temperature at a probe x = f·L at time t, and t_half, the time for the midpoint to reach half its steady value
/// (T(L/2) = 0.25). Explicit scheme, <see cref="GridPoints"/> points, r = 0.4. Times beyond τ = αt/L² = <see cref="SteadyTau"/>
/// are simulated to τ = 2 only: the transient has decayed there to below 1e-8 (e^{−π²·2}). t_half = τ_half L²/α, with τ_half
/// found once by the same solver on the unit problem (crossing located by linear interpolation between 4001 recorded times).
/// </summary>
public sealed class HeatFdOracle : IPhysicsOracle
{
    public const int GridPoints = 101;
    public const double SteadyTau = 2.0;
    private readonly Lazy<double> _tauHalf = new(FindTauHalf);

    public string Name => "heat-fd";

    public string Description => "1D heat conduction by finite differences: probe temperature and half-rise time of a rod heated at one end.";

    public IReadOnlyList<OracleInput> Inputs { get; } =
    [
        new("alpha_m2_s", "m²/s", 1e-6, 1e-4, OracleSampling.LogUniform, "thermal diffusivity"),
        new("length_m", "m", 0.01, 0.1, OracleSampling.Uniform, "rod length"),
        new("probe_x_frac", "", 0.05, 0.95, OracleSampling.Uniform, "probe position as a fraction of L"),
        new("time_s", "s", 1, 1000, OracleSampling.LogUniform, "time"),
    ];

    public IReadOnlyList<string> Outputs { get; } = ["T", "t_half_s"];

    /// <summary>τ at which the midpoint reaches 0.25 (dimensionless), from the FD solver.</summary>
    public double TauHalf => _tauHalf.Value;

    public double[] Sample(Random random) => Inputs.Select(i => i.Draw(random)).ToArray();

    public double[] Evaluate(ReadOnlySpan<double> inputs)
    {
        var alpha = Require.Positive("alpha_m2_s", inputs[0]);
        var length = Require.Positive("length_m", inputs[1]);
        var fraction = Require.Finite("probe_x_frac", inputs[2]);
        if (fraction is < 0 or > 1)
        {
            throw new InvalidInputException("probe_x_frac", $"must be in [0, 1] (got {Require.Show(fraction)})");
        }
        var time = Require.Positive("time_s", inputs[3]);
        var problem = new HeatProblem(alpha, length);
        var simulated = Math.Min(time, SteadyTau * length * length / alpha);
        var solution = FdHeatSolver.Solve(new FdHeatSettings(problem, GridPoints, simulated, R: 0.4, Snapshots: 2, HeatmapRows: 2));
        var field = solution.Snapshots[^1];
        var position = fraction * (GridPoints - 1);
        var i = Math.Min((int)position, GridPoints - 2);
        var w = position - i;
        var temperature = ((1 - w) * field[i]) + (w * field[i + 1]);
        return [temperature, TauHalf * length * length / alpha];
    }

    private static double FindTauHalf()
    {
        // Unit problem to τ = 0.5 (the crossing is near τ ≈ 0.16), 4001 recorded times.
        var solution = FdHeatSolver.Solve(new FdHeatSettings(new HeatProblem(1.0, 1.0), GridPoints, 0.5, R: 0.4, Snapshots: 2, HeatmapRows: 4001));
        var middle = GridPoints / 2;
        for (var j = 1; j < solution.HeatmapTimes.Length; j++)
        {
            var (before, after) = (solution.Heatmap[j - 1][middle], solution.Heatmap[j][middle]);
            if (before < 0.25 && after >= 0.25)
            {
                var f = (0.25 - before) / (after - before);
                return solution.HeatmapTimes[j - 1] + (f * (solution.HeatmapTimes[j] - solution.HeatmapTimes[j - 1]));
            }
        }
        throw new InvalidOperationException("the midpoint never reached 0.25 by τ = 0.5");
    }
}
