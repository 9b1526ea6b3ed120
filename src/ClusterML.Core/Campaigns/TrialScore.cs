using System.Collections.Immutable;

namespace ClusterML.Core.Campaigns;

/// <summary>
/// A completed trial as the search and the reports judge it: its objective <see cref="Values"/> in the order of
/// <see cref="CampaignObjectives.Objectives"/>, each turned into "lower is better" (a <see cref="MetricMode.Max"/> objective is
/// negated; NaN becomes +∞, the worst), and the sum of its constraints' <see cref="Violation"/>s (0: feasible).
/// </summary>
public readonly record struct TrialScore(ImmutableArray<double> Values, double Violation)
{
    /// <summary>Whether every constraint holds.</summary>
    public bool Feasible => Violation == 0;
}
