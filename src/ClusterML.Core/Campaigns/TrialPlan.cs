using System.Collections.Immutable;

namespace ClusterML.Core.Campaigns;

/// <summary>One planned trial: index, stable id (<c>t0000</c>…), its hyperparameters only, and its seed.</summary>
public sealed record TrialPlan(int Index, string TrialId, ImmutableDictionary<string, CampaignValue> Parameters, int Seed)
{
    /// <summary>The campaign's base settings overridden by this trial's hyperparameters.</summary>
    public ImmutableDictionary<string, CampaignValue> Settings(CampaignSpec spec) => spec.Base.SetItems(Parameters);
}
