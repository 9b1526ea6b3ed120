namespace ClusterML.Core.Campaigns;

/// <summary>
/// A feasibility constraint of a campaign (an entry of <c>constraints:</c>): a trial is feasible only when <see cref="Metric"/>
/// (named as for <see cref="ObjectiveSpec"/>) lies in [<see cref="Min"/>, <see cref="Max"/>]; at least one bound is set, and
/// Min ≤ Max when both are. The violation is how far outside the bounds the value lies (0 inside; in the metric's units).
/// </summary>
public sealed record ConstraintSpec(string Metric, double? Min, double? Max)
{
    /// <summary>How far <paramref name="value"/> lies outside the bounds (0 inside); +∞ for NaN.</summary>
    public double Violation(double value) =>
        double.IsNaN(value) ? double.PositiveInfinity
        : Math.Max(0, Min is { } lo ? lo - value : 0) + Math.Max(0, Max is { } hi ? value - hi : 0);
}
