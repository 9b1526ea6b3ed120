namespace ClusterML.Core.Campaigns;

/// <summary>Whether a smaller (<see cref="Min"/>, e.g. a loss) or a larger (<see cref="Max"/>, e.g. R²) metric is better.</summary>
public enum MetricMode
{
    Min,
    Max,
}

/// <summary>
/// ASHA early stopping (see <see cref="Asha"/>): <see cref="Metric"/> is the name of a metric the engine reports per epoch,
/// <see cref="Mode"/> which way is better, <see cref="GracePeriod"/> the first rung in epochs (≥ 1), <see cref="ReductionFactor"/>
/// η ≥ 2 (rungs at grace·η^k; about 1/η of the trials pass each rung), and <see cref="MaxEpochs"/> the highest epoch a rung may
/// sit at (≥ grace period), or null for no limit.
/// </summary>
public sealed record EarlyStoppingSpec(string Metric, MetricMode Mode, int GracePeriod, double ReductionFactor, int? MaxEpochs);
