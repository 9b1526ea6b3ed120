using System.Collections.Immutable;
using ClusterML.Core.Campaigns;
using ClusterML.Core.Files;
using ClusterML.Core.Messages;

namespace ClusterML.Core.Coordination;

/// <summary>Turns a parsed campaign spec into the coordinator's plan (every trial's typed engine spec), failing before anything runs.</summary>
public static class CampaignPlanner
{
    /// <exception cref="Validation.InvalidInputException">A trial's settings do not make a valid engine spec.</exception>
    public static CampaignSubmitted Plan(CampaignSpec spec, string campaignId, long submittedAtMs)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var early = spec.EarlyStopping is { } e
            ? new EarlyStoppingPolicy(e.Metric, e.Mode == MetricMode.Max, e.GracePeriod, e.ReductionFactor, e.MaxEpochs)
            : null;
        return new CampaignSubmitted(campaignId, spec.Name, spec.Engine, Expand(spec), spec.Budget.MaxConcurrent, spec.Retries, spec.Device, early,
            spec.Budget.WallTime is { } wall ? (long)wall.TotalMilliseconds : null, submittedAtMs);
    }

    /// <summary>
    /// The plan as the coordinator journals it: the spec's text, its path and the input blobs instead of the trial list, so the
    /// first event stays small whatever the number of trials. <see cref="Trials"/> gives back the same trials.
    /// </summary>
    public static CampaignSubmitted Compact(CampaignSubmitted plan, string specText, string specPath, IReadOnlyDictionary<string, BlobRef> inputs)
    {
        ArgumentNullException.ThrowIfNull(plan);
        return plan with { Trials = [], SpecText = specText, SpecPath = specPath, Inputs = inputs.ToImmutableDictionary(StringComparer.Ordinal) };
    }

    /// <summary>
    /// The trials of a plan: listed, or regenerated from a compact plan's spec text (search and seeds are deterministic) with
    /// each input file replaced by the blob it was registered as.
    /// </summary>
    /// <exception cref="Validation.InvalidInputException">The spec text no longer plans (a build with different engines or rules).</exception>
    public static ImmutableArray<PlannedTrial> Trials(CampaignSubmitted plan)
    {
        ArgumentNullException.ThrowIfNull(plan);
        if (plan.SpecText is null)
        {
            return plan.Trials;
        }
        var trials = Expand(CampaignSpecReader.Parse(plan.SpecText, plan.SpecPath ?? "campaign.yaml"));
        return plan.Inputs is { Count: > 0 } inputs ? CampaignInputs.WithBlobs(trials, inputs) : trials;
    }

    private static ImmutableArray<PlannedTrial> Expand(CampaignSpec spec) =>
        [.. SearchPlanner.Expand(spec)
            .Select(t => new PlannedTrial(t.TrialId, t.Index, TrialSpecFactory.Create(spec.Engine, t.Settings(spec), spec.SourcePath), t.Seed,
                TrialSpecFactory.Describe(t.Parameters)))];
}
