using System.Collections.Immutable;
using ClusterML.Core.Files;
using ClusterML.Core.Specs;
using MessagePack;

namespace ClusterML.Core.Messages;

/// <summary>
/// Run one attempt of a trial; the entity replies <see cref="TrialCompleted"/>, <see cref="TrialStopped"/> or
/// <see cref="TrialFailed"/> to the sender and streams <see cref="TrialProgressed"/> to it, each carrying the attempt's
/// <see cref="Token"/>: a random number only the member the attempt was dispatched to has seen (it travels over the
/// cluster's TLS links), so the coordinator accepts results of an attempt from that member only. A segment of
/// population-based training trains to <see cref="UntilEpoch"/>, continuing from the checkpoint of trial <see cref="StartFrom"/>.
/// </summary>
[MessagePackObject]
public sealed record StartTrial(
    [property: Key(0)] string CampaignId,
    [property: Key(1)] string TrialId,
    [property: Key(2)] int Attempt,
    [property: Key(3)] ITrialSpec Spec,
    [property: Key(4)] int Seed,
    [property: Key(5)] string Device,
    [property: Key(6)] long Token = 0,
    [property: Key(7)] int? UntilEpoch = null,
    [property: Key(8)] string? StartFrom = null) : IWithTrialId, IWithCampaignId, IWireMessage;

/// <summary>Stop a running trial (early stopping or a cancelled campaign); its engine is cancelled through its token.</summary>
[MessagePackObject]
public sealed record StopTrial(
    [property: Key(0)] string CampaignId,
    [property: Key(1)] string TrialId,
    [property: Key(2)] string Reason) : IWithTrialId, IWithCampaignId, IWireMessage;

/// <summary>
/// A worker took a slot for the attempt and its engine starts now (until then the attempt waits in the worker's queue):
/// the campaign counts it as running from here.
/// </summary>
[MessagePackObject]
public sealed record TrialRunning(
    [property: Key(0)] string CampaignId,
    [property: Key(1)] string TrialId,
    [property: Key(2)] int Attempt,
    [property: Key(3)] string Node,
    [property: Key(4)] long Token = 0) : IWithTrialId, IWithCampaignId, IWireMessage;

/// <summary>Metrics of one epoch (names as the engine reports them, e.g. <c>train_loss</c>, <c>validation_loss</c>).</summary>
[MessagePackObject]
public sealed record TrialProgressed(
    [property: Key(0)] string CampaignId,
    [property: Key(1)] string TrialId,
    [property: Key(2)] int Attempt,
    [property: Key(3)] int Epoch,
    [property: Key(4)] ImmutableDictionary<string, double> Metrics,
    [property: Key(5)] long Token = 0) : IWithTrialId, IWithCampaignId, IWireMessage;

/// <summary>
/// A trial attempt finished. Times are Unix milliseconds (UTC); <see cref="Node"/> is the worker's address;
/// <see cref="Artifacts"/> names what the engine wrote at the top of its folder and <see cref="Files"/> lists every file
/// (already landed on the aggregator's node when this is sent).
/// </summary>
[MessagePackObject]
public sealed record TrialCompleted(
    [property: Key(0)] string CampaignId,
    [property: Key(1)] string TrialId,
    [property: Key(2)] int Attempt,
    [property: Key(3)] double FinalLoss,
    [property: Key(4)] ImmutableDictionary<string, double> Metrics,
    [property: Key(5)] ImmutableArray<double> LossCurve,
    [property: Key(6)] ImmutableArray<string> Artifacts,
    [property: Key(7)] string Node,
    [property: Key(8)] long StartedAtMs,
    [property: Key(9)] long EndedAtMs,
    [property: Key(10)] IReadOnlyList<ArtifactFile>? Files = null,
    [property: Key(11)] long Token = 0) : IWithTrialId, IWithCampaignId, IWireMessage;

/// <summary>A trial attempt was stopped on request (early stopping or cancellation) after <see cref="Epoch"/> epochs.</summary>
[MessagePackObject]
public sealed record TrialStopped(
    [property: Key(0)] string CampaignId,
    [property: Key(1)] string TrialId,
    [property: Key(2)] int Attempt,
    [property: Key(3)] int Epoch,
    [property: Key(4)] string Reason,
    [property: Key(5)] string Node,
    [property: Key(6)] long StartedAtMs,
    [property: Key(7)] long EndedAtMs,
    [property: Key(8)] long Token = 0) : IWithTrialId, IWithCampaignId, IWireMessage;

/// <summary>A trial attempt failed with <see cref="Error"/> (the exception's message; no stack traces on the wire).</summary>
[MessagePackObject]
public sealed record TrialFailed(
    [property: Key(0)] string CampaignId,
    [property: Key(1)] string TrialId,
    [property: Key(2)] int Attempt,
    [property: Key(3)] string Error,
    [property: Key(4)] string Node,
    [property: Key(5)] long StartedAtMs,
    [property: Key(6)] long EndedAtMs,
    [property: Key(7)] long Token = 0,
    [property: Key(8)] bool Permanent = false) : IWithTrialId, IWithCampaignId, IWireMessage;
