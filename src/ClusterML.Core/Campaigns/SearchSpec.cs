namespace ClusterML.Core.Campaigns;

/// <summary>How a campaign's space is searched; <see cref="SearchPlanner"/> defines each exactly.</summary>
public enum SearchKind
{
    /// <summary>The cartesian product of every axis's values.</summary>
    Grid,

    /// <summary>Independent pseudo-random draws from a generator seeded by the campaign seed.</summary>
    Random,

    /// <summary>The Sobol low-discrepancy sequence (unscrambled, so also deterministic).</summary>
    Sobol,
}

/// <summary>
/// The search: its <see cref="Kind"/> and, for a grid, <see cref="PointsPerAxis"/> values (2–1000, default 3) taken on each
/// continuous (uniform or log-uniform) axis; random and Sobol searches ignore it.
/// </summary>
public sealed record SearchSpec(SearchKind Kind, int PointsPerAxis);
