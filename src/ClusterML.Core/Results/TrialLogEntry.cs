namespace ClusterML.Core.Results;

/// <summary>The log (<c>trial.log</c>, UTF-8) of attempt <see cref="Attempt"/> of a trial, kept in the results store.</summary>
public sealed record TrialLogEntry(string CampaignId, string TrialId, int Attempt, byte[] Content);
