using System.Collections.Immutable;
using ClusterML.Core.Messages;
using ClusterML.Core.Results;
using ClusterML.Core.Validation;

namespace ClusterML.Core.Campaigns;

/// <summary>
/// What a campaign optimises (<c>objective</c> or <c>objectives</c>) and the constraints a trial must meet (<c>constraints</c>),
/// and how a completed trial's <see cref="TrialResult"/> becomes its <see cref="TrialScore"/>. This is the one place an
/// objective's value is computed: the coordinator's book (best trial, what TPE/GP see) and the CLI's reports both call
/// <see cref="Score(TrialResult)"/>. Immutable and thread-safe.
/// </summary>
/// <remarks>
/// A metric is <c>loss</c> (<see cref="TrialResult.FinalLoss"/>), <c>wall_seconds</c> ((EndedAtMs − StartedAtMs) / 1000) or a key
/// of <see cref="TrialResult.Metrics"/>. A completed trial lacking a metric of an objective or a constraint has no score:
/// the search treats it as failed (left out), it is never the best nor on the Pareto front, and the coordinator logs a
/// warning naming the metric and the metrics the trial did report (<see cref="Missing"/>).
/// </remarks>
public sealed record CampaignObjectives(ImmutableArray<ObjectiveSpec> Objectives, ImmutableArray<ConstraintSpec> Constraints)
{
    /// <summary>The metric name of the trial's final loss.</summary>
    public const string LossMetric = "loss";

    /// <summary>The metric name of the trial's wall time in seconds (end − start of its last attempt).</summary>
    public const string WallSecondsMetric = "wall_seconds";

    /// <summary>Minimise the final loss, no constraints: every campaign without <c>objective</c>, <c>objectives</c> or <c>constraints</c>.</summary>
    public static CampaignObjectives Default { get; } = new([ObjectiveSpec.Loss], []);

    /// <summary>Whether there are two or more objectives (a Pareto front instead of one best trial).</summary>
    public bool IsMultiObjective => Objectives.Length > 1;

    /// <summary>Whether this is the default (final loss, minimised, no constraints).</summary>
    public bool IsDefault => Objectives.Length == 1 && Objectives[0] == ObjectiveSpec.Loss && Constraints.IsEmpty;

    public static CampaignObjectives Of(CampaignSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        return new CampaignObjectives(spec.Objectives, spec.Constraints);
    }

    /// <summary>The objectives of a submitted plan's spec text; <see cref="Default"/> for plans built in code or whose text no longer reads.</summary>
    public static CampaignObjectives For(CampaignSubmitted plan)
    {
        ArgumentNullException.ThrowIfNull(plan);
        if (plan.SpecText is null)
        {
            return Default;
        }
        try
        {
            return Of(CampaignSpecReader.Parse(plan.SpecText, plan.SpecPath ?? "campaign.yaml"));
        }
        catch (InvalidInputException)
        {
            return Default;
        }
    }

    /// <summary>The value of <paramref name="metric"/> for a trial (its units), or null when the trial lacks it.</summary>
    public static double? MetricValue(string metric, TrialResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        return metric switch
        {
            _ when result.Metrics.TryGetValue(metric, out var value) && metric != LossMetric && metric != WallSecondsMetric => value,
            LossMetric => result.FinalLoss,
            WallSecondsMetric => result.EndedAtMs > 0 && result.EndedAtMs >= result.StartedAtMs ? (result.EndedAtMs - result.StartedAtMs) / 1000.0 : null,
            _ => null,
        };
    }

    /// <summary>The score of a completed trial, or null when it is not completed or lacks a metric of an objective or constraint.</summary>
    public TrialScore? Score(TrialResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        if (result.Status != TrialStatus.Completed)
        {
            return null;
        }
        var values = ImmutableArray.CreateBuilder<double>(Objectives.Length);
        foreach (var objective in Objectives)
        {
            if (MetricValue(objective.Metric, result) is not { } value)
            {
                return null;
            }
            values.Add(Minimised(objective, value));
        }
        var violation = 0.0;
        foreach (var constraint in Constraints)
        {
            if (MetricValue(constraint.Metric, result) is not { } value)
            {
                return null;
            }
            violation += constraint.Violation(value);
        }
        return new TrialScore(values.MoveToImmutable(), violation);
    }

    /// <summary>The metrics of objectives and constraints a trial lacks (empty when it has them all).</summary>
    public IReadOnlyList<string> Missing(TrialResult result) =>
        [.. Objectives.Select(o => o.Metric).Concat(Constraints.Select(c => c.Metric)).Distinct(StringComparer.Ordinal)
            .Where(m => MetricValue(m, result) is null)];

    /// <summary>The metric names a trial reported (loss and wall_seconds included), for messages.</summary>
    public static IReadOnlyList<string> Reported(TrialResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        return [.. new[] { LossMetric, WallSecondsMetric }.Where(m => MetricValue(m, result) is not null).Concat(result.Metrics.Keys.Order(StringComparer.Ordinal)).Distinct(StringComparer.Ordinal)];
    }

    /// <summary>A value as "lower is better": negated for a max objective, NaN as +∞.</summary>
    public static double Minimised(ObjectiveSpec objective, double value)
    {
        ArgumentNullException.ThrowIfNull(objective);
        return double.IsNaN(value) ? double.PositiveInfinity : objective.Mode == MetricMode.Max ? -value : value;
    }

    /// <summary>
    /// Orders scores as the search and the leaderboards do with one objective: feasible first by value, then infeasible by
    /// violation (then value); negative when <paramref name="a"/> is better.
    /// </summary>
    public static int Compare(TrialScore a, TrialScore b) =>
        a.Feasible != b.Feasible ? (a.Feasible ? -1 : 1)
        : !a.Feasible && a.Violation != b.Violation ? a.Violation.CompareTo(b.Violation)
        : a.Values[0].CompareTo(b.Values[0]);

    /// <summary>"test_rmse (min)" or "test_rmse (min), wall_seconds (min)".</summary>
    public override string ToString() => string.Join(", ", Objectives.Select(o => $"{o.Metric} ({o.Mode.ToString().ToLowerInvariant()})"));
}
