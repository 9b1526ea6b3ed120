namespace ClusterML.Engines.FiniteDifferences;

/// <summary>
/// Result of a finite-difference run. Fields are plain arrays owned by the caller.
/// <see cref="Snapshots"/>[k] is the whole field at <see cref="SnapshotTimes"/>[k]; <see cref="Heatmap"/>[j] is the field at
/// <see cref="HeatmapTimes"/>[j], sampled at <see cref="HeatmapX"/> (at most <see cref="FdHeatSolver.MaxHeatmapColumns"/> columns).
/// </summary>
public sealed record HeatSolution(
    FdHeatPlan Plan,
    double[] X,
    double[] SnapshotTimes,
    double[][] Snapshots,
    double[] HeatmapX,
    double[] HeatmapTimes,
    double[][] Heatmap,
    HeatError Error,
    TimeSpan Wall);

/// <summary>
/// Largest |T_fd − T_exact| over every grid point at every recorded time whose τ = αt/L² is at least <see cref="MinTau"/>
/// (earlier times are dominated by the corner discontinuity at x = L, t = 0). Null when no recorded time qualifies.
/// </summary>
public sealed record HeatError(double? MaxAbs, double? AtX, double? AtT, int TimesCompared, double MinTau);
