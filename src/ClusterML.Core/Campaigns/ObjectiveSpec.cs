namespace ClusterML.Core.Campaigns;

/// <summary>
/// One objective of a campaign (<c>objective:</c> or an entry of <c>objectives:</c>): the <see cref="Metric"/> a completed trial is
/// judged by and whether smaller (<see cref="MetricMode.Min"/>) or larger (<see cref="MetricMode.Max"/>) is better. Metric names:
/// <c>loss</c> (the trial's final loss), <c>wall_seconds</c> (its wall time, end − start, in seconds) or any key of the engine's
/// final metrics (<c>test_rmse</c>, <c>force_rmse</c>, …); see <see cref="CampaignObjectives"/>.
/// </summary>
public sealed record ObjectiveSpec(string Metric, MetricMode Mode)
{
    /// <summary>The default objective: the engine's final loss, minimised.</summary>
    public static ObjectiveSpec Loss { get; } = new(CampaignObjectives.LossMetric, MetricMode.Min);
}
