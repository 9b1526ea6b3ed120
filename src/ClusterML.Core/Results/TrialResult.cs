using ClusterML.Core.Files;
using MessagePack;

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
/// <see cref="Files"/> lists every artifact file (path, size, SHA-256) and <see cref="ArtifactFolder"/> is where they are,
/// relative to the aggregator's data directory (null when the attempt kept no files).
/// </summary>
[MessagePackObject]
public sealed record TrialResult(
    [property: Key(0)] string CampaignId,
    [property: Key(1)] string TrialId,
    [property: Key(2)] int Index,
    [property: Key(3)] IReadOnlyDictionary<string, string> Parameters,
    [property: Key(4)] int Seed,
    [property: Key(5)] TrialStatus Status,
    [property: Key(6)] double? FinalLoss,
    [property: Key(7)] IReadOnlyDictionary<string, double> Metrics,
    [property: Key(8)] string? Error,
    [property: Key(9)] IReadOnlyList<string> Artifacts,
    [property: Key(10)] string Node,
    [property: Key(11)] int Attempts,
    [property: Key(12)] long StartedAtMs,
    [property: Key(13)] long EndedAtMs,
    [property: Key(14)] IReadOnlyList<ArtifactFile>? Files = null,
    [property: Key(15)] string? ArtifactFolder = null);

/// <summary>Metrics one trial reported at one epoch.</summary>
[MessagePackObject]
public sealed record EpochMetrics(
    [property: Key(0)] string CampaignId,
    [property: Key(1)] string TrialId,
    [property: Key(2)] int Attempt,
    [property: Key(3)] int Epoch,
    [property: Key(4)] IReadOnlyDictionary<string, double> Metrics);

/// <summary>A campaign as the results store knows it: id, name, engine, the spec's text and path, status and times (Unix ms).</summary>
public sealed record CampaignRecord(string Id, string Name, string Engine, string SpecPath, string SpecText, string Status, int PlannedTrials, long CreatedAtMs, long? EndedAtMs);
