using System.Collections.Immutable;
using ClusterML.Core.Results;
using MessagePack;

namespace ClusterML.Core.Messages;

/// <summary>
/// Coordinator → aggregator: store this final result (at least once: re-sent until <see cref="TrialResultRecorded"/> comes
/// back; the aggregator keeps the first copy, so the store holds it exactly once).
/// </summary>
[MessagePackObject]
public sealed record RecordTrialResult([property: Key(0)] TrialResult Result) : IWithCampaignId, IWireMessage
{
    [IgnoreMember]
    public string CampaignId => Result.CampaignId;
}

/// <summary>Aggregator → coordinator: the result of <see cref="TrialId"/> is in the store (now or before).</summary>
[MessagePackObject]
public sealed record TrialResultRecorded(
    [property: Key(0)] string CampaignId,
    [property: Key(1)] string TrialId) : IWithCampaignId, IWireMessage;

/// <summary>Coordinator → aggregator: metrics a trial reported at one epoch (fire and forget; learning curves).</summary>
[MessagePackObject]
public sealed record RecordEpochMetrics([property: Key(0)] EpochMetrics Metrics) : IWithCampaignId, IWireMessage
{
    [IgnoreMember]
    public string CampaignId => Metrics.CampaignId;
}

/// <summary>Coordinator → aggregator: the campaign ended with <see cref="Status"/> (re-sent until acknowledged).</summary>
[MessagePackObject]
public sealed record RecordCampaignStatus(
    [property: Key(0)] string CampaignId,
    [property: Key(1)] string Status,
    [property: Key(2)] long? EndedAtMs) : IWithCampaignId, IWireMessage;

/// <summary>Aggregator → coordinator: <see cref="RecordCampaignStatus"/> is in the store.</summary>
[MessagePackObject]
public sealed record CampaignStatusRecorded(
    [property: Key(0)] string CampaignId,
    [property: Key(1)] string Status) : IWithCampaignId, IWireMessage;

/// <summary>Query the aggregator: the best <see cref="Top"/> trials of a campaign so far; reply <see cref="Leaderboard"/>.</summary>
[MessagePackObject]
public sealed record GetLeaderboard(
    [property: Key(0)] string CampaignId,
    [property: Key(1)] int Top) : IWithCampaignId, IWireMessage;

/// <summary>
/// The live leaderboard of a campaign: its best completed trials by final loss (lowest first), and how many results are
/// recorded by status.
/// </summary>
[MessagePackObject]
public sealed record Leaderboard(
    [property: Key(0)] string CampaignId,
    [property: Key(1)] ImmutableArray<TrialResult> Best,
    [property: Key(2)] int Completed,
    [property: Key(3)] int Failed,
    [property: Key(4)] int Stopped) : IWithCampaignId, IWireMessage
{
    [IgnoreMember]
    public int Recorded => Completed + Failed + Stopped;
}
