using System.Collections.Immutable;

namespace ClusterML.Core.Campaigns;

/// <summary>
/// One planned trial of a campaign: its 0-based <see cref="Index"/>, a stable <see cref="TrialId"/> (<c>t0000</c>, <c>t0001</c>,
/// …, zero-padded to at least four digits), its hyperparameters only (<see cref="Parameters"/>, keyed by axis name) and its
/// <see cref="Seed"/> (<c>Seeds.Derive(campaign seed, 1000 + index)</c>). Made by <see cref="SearchPlanner.Expand"/>; immutable.
/// </summary>
public sealed record TrialPlan(int Index, string TrialId, ImmutableDictionary<string, CampaignValue> Parameters, int Seed)
{
    /// <summary>All of the trial's engine settings: the campaign's <see cref="CampaignSpec.Base"/> overridden by <see cref="Parameters"/>.</summary>
    public ImmutableDictionary<string, CampaignValue> Settings(CampaignSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        return spec.Base.SetItems(Parameters);
    }
}
