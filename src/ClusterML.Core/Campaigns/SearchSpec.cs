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

    /// <summary>
    /// The Tree-structured Parzen Estimator (<see cref="TpeSampler"/>): each trial's point is proposed by the coordinator when the
    /// trial is dispatched, from the results seen so far, and journaled with the dispatch.
    /// </summary>
    Tpe,

    /// <summary>
    /// Gaussian-process Bayesian optimisation with expected improvement (<see cref="GpSampler"/>), proposed at dispatch like
    /// <see cref="Tpe"/>; numeric axes only.
    /// </summary>
    Gp,
}

/// <summary>
/// The search: its <see cref="Kind"/> and, for a grid, <see cref="PointsPerAxis"/> values (2–1000, default 3) taken on each
/// continuous (uniform or log-uniform) axis; random and Sobol searches ignore it. <see cref="Tpe"/> and <see cref="Gp"/>:
/// the model-based searches' settings.
/// </summary>
public sealed record SearchSpec(SearchKind Kind, int PointsPerAxis)
{
    public TpeOptions Tpe { get; init; } = TpeOptions.Default;

    /// <summary>The GP settings (<c>startup_trials</c>, <c>candidates</c>, <c>constant_liar</c>), for GP only.</summary>
    public GpOptions Gp { get; init; } = GpOptions.Default;

    /// <summary>Whether trials' points depend on earlier results (proposed at dispatch instead of planned up front).</summary>
    public bool IsModelBased => Kind is SearchKind.Tpe or SearchKind.Gp;
}
