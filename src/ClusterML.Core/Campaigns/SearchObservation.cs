namespace ClusterML.Core.Campaigns;

/// <summary>What a model-based search knows of one trial: its hyperparameters and its objective (lower is better), or null while it runs.</summary>
public sealed record SearchObservation(IReadOnlyDictionary<string, CampaignValue> Parameters, double? Value);
