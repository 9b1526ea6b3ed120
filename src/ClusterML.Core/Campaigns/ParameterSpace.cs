using System.Collections.Immutable;

namespace ClusterML.Core.Campaigns;

/// <summary>One hyperparameter axis of a campaign's search space.</summary>
public abstract record ParameterSpace(string Name);

/// <summary>One of the listed values.</summary>
public sealed record ChoiceSpace(string Name, ImmutableArray<CampaignValue> Values) : ParameterSpace(Name);

/// <summary>An integer from <see cref="Low"/> to <see cref="High"/> inclusive in steps of <see cref="Step"/>.</summary>
public sealed record IntSpace(string Name, long Low, long High, long Step) : ParameterSpace(Name)
{
    /// <summary>The values low, low + step, … ≤ high.</summary>
    public long Count => ((High - Low) / Step) + 1;
}

/// <summary>A real number uniform in [<see cref="Low"/>, <see cref="High"/>].</summary>
public sealed record UniformSpace(string Name, double Low, double High) : ParameterSpace(Name);

/// <summary>A positive real number uniform in log between <see cref="Low"/> and <see cref="High"/>.</summary>
public sealed record LogUniformSpace(string Name, double Low, double High) : ParameterSpace(Name);

/// <summary>How the space is searched.</summary>
public enum SearchKind
{
    Grid,
    Random,
    Sobol,
}

/// <summary>The search: its kind and, for a grid, how many values each continuous axis takes.</summary>
public sealed record SearchSpec(SearchKind Kind, int PointsPerAxis);

/// <summary>Limits: trials in all (null: the grid's size), trials at once (0: as many as the cluster has slots), wall time.</summary>
public sealed record BudgetSpec(int? MaxTrials, int MaxConcurrent, TimeSpan? WallTime);

/// <summary>Whether a smaller or a larger metric is better.</summary>
public enum MetricMode
{
    Min,
    Max,
}

/// <summary>ASHA early stopping: the metric reported per epoch, its mode, the first rung (epochs), η ≥ 2 and an optional top rung.</summary>
public sealed record EarlyStoppingSpec(string Metric, MetricMode Mode, int GracePeriod, double ReductionFactor, int? MaxEpochs);
