namespace ClusterML.Core.Results;

/// <summary>How a trial ended.</summary>
public enum TrialStatus
{
    /// <summary>The engine finished.</summary>
    Completed,

    /// <summary>Every attempt failed; <see cref="TrialResult.Error"/> holds the last message.</summary>
    Failed,

    /// <summary>Early stopping (or a cancelled campaign) stopped it.</summary>
    Stopped,
}

/// <summary>
/// The one final record of a trial: its hyperparameters (as text, the way the spec wrote them), seed, status, final loss
/// and metrics, error text, artifacts, the node that ran the last attempt, attempts used, and start/end (Unix ms, UTC).
/// </summary>
public sealed record TrialResult(
    string CampaignId,
    string TrialId,
    int Index,
    IReadOnlyDictionary<string, string> Parameters,
    int Seed,
    TrialStatus Status,
    double? FinalLoss,
    IReadOnlyDictionary<string, double> Metrics,
    string? Error,
    IReadOnlyList<string> Artifacts,
    string Node,
    int Attempts,
    long StartedAtMs,
    long EndedAtMs);

/// <summary>Metrics one trial reported at one epoch.</summary>
public sealed record EpochMetrics(string CampaignId, string TrialId, int Attempt, int Epoch, IReadOnlyDictionary<string, double> Metrics);

/// <summary>A campaign as the results store knows it: id, name, engine, the spec's text and path, status and times (Unix ms).</summary>
public sealed record CampaignRecord(string Id, string Name, string Engine, string SpecPath, string SpecText, string Status, int PlannedTrials, long CreatedAtMs, long? EndedAtMs);
