using System.Collections.Immutable;
using ClusterML.Core.Campaigns;
using ClusterML.Core.Messages;

namespace ClusterML.Core.Coordination;

/// <summary>Turns a parsed campaign spec into the coordinator's plan (every trial's typed engine spec), failing before anything runs.</summary>
public static class CampaignPlanner
{
    /// <exception cref="Validation.InvalidInputException">A trial's settings do not make a valid engine spec.</exception>
    public static CampaignSubmitted Plan(CampaignSpec spec, string campaignId, long submittedAtMs)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var trials = SearchPlanner.Expand(spec)
            .Select(t => new PlannedTrial(t.TrialId, t.Index, TrialSpecFactory.Create(spec.Engine, t.Settings(spec), spec.SourcePath), t.Seed,
                TrialSpecFactory.Describe(t.Parameters)))
            .ToImmutableArray();
        var early = spec.EarlyStopping is { } e
            ? new EarlyStoppingPolicy(e.Metric, e.Mode == MetricMode.Max, e.GracePeriod, e.ReductionFactor, e.MaxEpochs)
            : null;
        return new CampaignSubmitted(campaignId, spec.Name, spec.Engine, trials, spec.Budget.MaxConcurrent, spec.Retries, spec.Device, early,
            spec.Budget.WallTime is { } wall ? (long)wall.TotalMilliseconds : null, submittedAtMs);
    }
}
