using ClusterML.Core.Engines;
using ClusterML.Core.Specs;
using ClusterML.Core.Validation;

namespace ClusterML.Engines.FiniteDifferences;

/// <summary>
/// The finite-difference heat solver as a campaign engine: one trial is one run of <see cref="FdHeatSolver"/>. The loss a
/// search minimises is <c>max_abs_error_vs_analytic</c>; progress is reported in tenths of the run (epochs 1–10).
/// Writes nothing; the metrics carry the result.
/// </summary>
public sealed class FdHeatEngine : Engine<FdHeatTrialSpec>, IEngine
{
    /// <summary>The <c>fd</c> engine: its settings are the options of <c>clusterml fd heat</c> in snake_case.</summary>
    public static EngineRegistration Registration { get; } = new EngineRegistration<FdHeatTrialSpec>(
        "fd", "finite-difference solution of the 1D heat equation (explicit or Crank–Nicolson)",
        s => new FdHeatTrialSpec(
            s.Double("alpha", 0.1), s.Double("length", 1.0), s.Double("left", 0.0), s.Double("right", 1.0), s.Double("initial", 0.0),
            s.Int("nx", 101), s.Double("t_end", 1.0), s.OptionalDouble("dt"), s.OptionalDouble("r"), s.Text("scheme", "explicit"),
            s.Int("snapshots", 6)),
        () => new FdHeatEngine(), legacyWireKey: 1);

    /// <summary>The solver settings of a trial (not yet validated: <see cref="FdHeatSettings.Plan"/> does that, as for <c>fd heat</c>).</summary>
    /// <exception cref="InvalidInputException">The scheme is not explicit or crank-nicolson.</exception>
    public static FdHeatSettings ToSettings(FdHeatTrialSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var scheme = spec.Scheme switch
        {
            "explicit" => HeatScheme.Explicit,
            "crank-nicolson" => HeatScheme.CrankNicolson,
            _ => throw new InvalidInputException("scheme", $"'{spec.Scheme}' is not explicit or crank-nicolson"),
        };
        return new FdHeatSettings(new HeatProblem(spec.Alpha, spec.Length, spec.Left, spec.Right, spec.Initial),
            spec.Nx, spec.TEnd, spec.Dt, spec.R, scheme, spec.Snapshots);
    }

    /// <summary>The checks of <c>fd heat</c> (<see cref="FdHeatSettings.Plan"/>: positive sizes, stability of the explicit scheme, step count).</summary>
    void IEngine.Check(ITrialSpec spec)
    {
        if (spec is FdHeatTrialSpec fd)
        {
            ToSettings(fd).Plan();
        }
    }

    protected override TrainingOutcome Train(FdHeatTrialSpec spec, RunContext context, CancellationToken cancellationToken)
    {
        var settings = ToSettings(spec);
        var curve = new List<double>();
        var tenth = 0;
        var progress = new TenthProgress(fraction =>
        {
            while (tenth < 10 && fraction >= (tenth + 1) / 10.0)
            {
                tenth++;
                context.Progress?.Report(new TrainingProgress("fd heat", tenth, 10, fraction, null));
            }
        });
        var solution = FdHeatSolver.Solve(settings, progress, cancellationToken);
        var error = solution.Error.MaxAbs ?? double.NaN;
        curve.Add(error);
        var metrics = new Dictionary<string, double>
        {
            ["r"] = solution.Plan.R,
            ["dt"] = solution.Plan.Dt,
            ["steps"] = solution.Plan.Steps,
            ["wall_seconds"] = solution.Wall.TotalSeconds,
        };
        if (solution.Error.MaxAbs is { } e)
        {
            metrics["max_abs_error_vs_analytic"] = e;
        }
        return new TrainingOutcome(error, curve, [], metrics, []);
    }

    private sealed class TenthProgress(Action<double> report) : IProgress<double>
    {
        public void Report(double value) => report(value);
    }
}
