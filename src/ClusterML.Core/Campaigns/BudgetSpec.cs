namespace ClusterML.Core.Campaigns;

/// <summary>
/// A campaign's limits. <see cref="MaxTrials"/>: trials in all, 1–1 000 000 (required for random and Sobol search; for a grid
/// null means the whole grid, otherwise the grid is cut to this many). <see cref="MaxConcurrent"/>: trials running at once,
/// 0 meaning as many as the cluster has slots. <see cref="WallTime"/>: the whole campaign's time limit (positive, at most
/// 365 days), or null for none.
/// </summary>
public sealed record BudgetSpec(int? MaxTrials, int MaxConcurrent, TimeSpan? WallTime);
