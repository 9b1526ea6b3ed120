using System.Collections.Immutable;
using ClusterML.Core.Files;
using ClusterML.Core.Results;
using ClusterML.Core.Specs;
using MessagePack;

namespace ClusterML.Core.Messages;

/// <summary>
/// One trial of a submitted campaign: its id and index, the engine spec, the seed, and its hyperparameters as text. A segment
/// of population-based training also has the epoch it trains to (<see cref="UntilEpoch"/>) and the trial of this campaign whose
/// checkpoint it continues from (<see cref="StartFrom"/>; null: from scratch).
/// </summary>
[MessagePackObject]
public sealed record PlannedTrial(
    [property: Key(0)] string TrialId,
    [property: Key(1)] int Index,
    [property: Key(2)] ITrialSpec Spec,
    [property: Key(3)] int Seed,
    [property: Key(4)] ImmutableDictionary<string, string> Parameters,
    [property: Key(5)] int? UntilEpoch = null,
    [property: Key(6)] string? StartFrom = null);

/// <summary>ASHA settings as the coordinator applies them (see the campaign spec's <c>early_stopping</c>).</summary>
[MessagePackObject]
public sealed record EarlyStoppingPolicy(
    [property: Key(0)] string Metric,
    [property: Key(1)] bool Maximize,
    [property: Key(2)] int GracePeriod,
    [property: Key(3)] double ReductionFactor,
    [property: Key(4)] int? MaxEpochs);

/// <summary>
/// A campaign, fully planned: the first event of a coordinator's journal, so a resumed campaign needs nothing but its id.
/// <see cref="MaxConcurrent"/> trials run at once at most; a failed trial runs up to 1 + <see cref="Retries"/> times.
/// The plan is stored compactly: with <see cref="SpecText"/> the trials are not listed (<see cref="Trials"/> is empty) but
/// regenerated from the spec's text (its search and seed make them deterministic) and <see cref="Inputs"/> (the blob each
/// input file, by the full path the spec resolves to, was registered as); see <c>CampaignPlanner.Trials</c>. Plans built in
/// code (tests, benchmarks) may list their trials instead.
/// </summary>
[MessagePackObject]
public sealed record CampaignSubmitted(
    [property: Key(0)] string CampaignId,
    [property: Key(1)] string Name,
    [property: Key(2)] string Engine,
    [property: Key(3)] ImmutableArray<PlannedTrial> Trials,
    [property: Key(4)] int MaxConcurrent,
    [property: Key(5)] int Retries,
    [property: Key(6)] string Device,
    [property: Key(7)] EarlyStoppingPolicy? EarlyStopping,
    [property: Key(8)] long? WallTimeMs,
    [property: Key(9)] long SubmittedAtMs,
    [property: Key(10)] string? SpecText = null,
    [property: Key(11)] string? SpecPath = null,
    [property: Key(12)] ImmutableDictionary<string, BlobRef>? Inputs = null,
    [property: Key(13)] IReadOnlyList<WarmStartTrial>? WarmStart = null) : IWithCampaignId, IWireMessage;

/// <summary>
/// A completed trial of an earlier campaign that a model-based search learns from (<c>warm_start</c>): its hyperparameters as
/// text, its loss and final metrics. Read once at submission and journaled with the campaign, so proposals stay reproducible.
/// </summary>
[MessagePackObject]
public sealed record WarmStartTrial(
    [property: Key(0)] ImmutableDictionary<string, string> Parameters,
    [property: Key(1)] double Loss,
    [property: Key(2)] ImmutableDictionary<string, double>? Metrics = null);

/// <summary>
/// Event: attempt <see cref="Attempt"/> of a trial was dispatched, with the token its replies must carry. The first attempt of
/// a model-based (TPE) campaign's trial also carries the <see cref="Parameters"/> proposed for it.
/// </summary>
[MessagePackObject]
public sealed record TrialAttemptStarted(
    [property: Key(0)] string CampaignId,
    [property: Key(1)] string TrialId,
    [property: Key(2)] int Attempt,
    [property: Key(3)] long Token = 0,
    [property: Key(4)] ImmutableDictionary<string, string>? Parameters = null) : IWithCampaignId, IWireMessage;

/// <summary>Event: a trial reached its final status (<c>completed</c>, <c>failed</c> or <c>stopped</c>).</summary>
[MessagePackObject]
public sealed record TrialFinished(
    [property: Key(0)] string CampaignId,
    [property: Key(1)] string TrialId,
    [property: Key(2)] string Status,
    [property: Key(3)] double? FinalLoss,
    [property: Key(4)] TrialResult? Result = null) : IWithCampaignId, IWireMessage;

/// <summary>
/// Event: a trial reported the early-stopping metric at a rung epoch. Persisted before ASHA decides, and replayed in the
/// same order after a restart, so a resumed campaign takes the decisions an uninterrupted one would.
/// </summary>
[MessagePackObject]
public sealed record AshaReported(
    [property: Key(0)] string CampaignId,
    [property: Key(1)] string TrialId,
    [property: Key(2)] int Attempt,
    [property: Key(3)] int Epoch,
    [property: Key(4)] double Value) : IWithCampaignId, IWireMessage;

/// <summary>
/// A campaign coordinator's snapshot (format <see cref="Version"/>): the plan (compact), per trial (by index) its current
/// attempt (0: never dispatched), its token, and outcome (0 none, 1 completed, 2 failed, 3 stopped) and final loss, the campaign's
/// status, the results not yet acknowledged by the aggregator, ASHA's rungs and decisions, and for a model-based search the
/// parameters proposed for the trials dispatched so far (<see cref="Proposed"/>, by index), and per trial its score
/// (<see cref="Scores"/>: empty when it has none, else the constraint violation followed by the objectives, lower is better;
/// null in snapshots written before objectives existed, whose campaigns minimise the loss), and when the campaign's proposer
/// needs them (active learning) each finished trial's metrics (<see cref="Metrics"/>, by index; null when not kept).
/// </summary>
[MessagePackObject]
public sealed record CampaignSnapshot(
    [property: Key(0)] int Version,
    [property: Key(1)] CampaignSubmitted Campaign,
    [property: Key(2)] int[] Attempts,
    [property: Key(3)] byte[] Outcomes,
    [property: Key(4)] double[] Losses,
    [property: Key(5)] string Status,
    [property: Key(6)] long EndedAtMs,
    [property: Key(7)] bool Settled,
    [property: Key(8)] TrialResult[] Unrecorded,
    [property: Key(9)] Dictionary<int, double[]> AshaRungs,
    [property: Key(10)] AshaDecisionRecord[] AshaDecisions,
    [property: Key(11)] long[]? Tokens = null,
    [property: Key(12)] ImmutableDictionary<string, string>[]? Proposed = null,
    [property: Key(13)] double[][]? Scores = null,
    [property: Key(14)] ImmutableDictionary<string, double>?[]? Metrics = null) : IWireMessage
{
    /// <summary>The format this build writes and reads.</summary>
    public const int CurrentVersion = 1;
}

/// <summary>One ASHA decision in a <see cref="CampaignSnapshot"/>: the trial, the rung epoch, whether it was stopped.</summary>
[MessagePackObject]
public sealed record AshaDecisionRecord(
    [property: Key(0)] string TrialId,
    [property: Key(1)] int Epoch,
    [property: Key(2)] bool Stop);

/// <summary>Event: the campaign ended (<c>completed</c>, <c>cancelled</c> or <c>timed-out</c>).</summary>
[MessagePackObject]
public sealed record CampaignEnded(
    [property: Key(0)] string CampaignId,
    [property: Key(1)] string Status,
    [property: Key(2)] long AtMs) : IWithCampaignId, IWireMessage;

/// <summary>Event: the campaign is over and the aggregator acknowledged every result and the final status (nothing left to re-send).</summary>
[MessagePackObject]
public sealed record CampaignSettled([property: Key(0)] string CampaignId) : IWithCampaignId, IWireMessage;

/// <summary>Command: continue a campaign after a crash (the coordinator recovers from its journal and re-dispatches unfinished trials).</summary>
[MessagePackObject]
public sealed record ResumeCampaign([property: Key(0)] string CampaignId) : IWithCampaignId, IWireMessage;

/// <summary>Command: stop every running trial and end the campaign as cancelled.</summary>
[MessagePackObject]
public sealed record CancelCampaign([property: Key(0)] string CampaignId) : IWithCampaignId, IWireMessage;

/// <summary>Query: reply <see cref="CampaignStatus"/>.</summary>
[MessagePackObject]
public sealed record GetCampaignStatus([property: Key(0)] string CampaignId) : IWithCampaignId, IWireMessage;

/// <summary>Query: reply <see cref="RunningTrials"/> (the dashboard's trials per node).</summary>
[MessagePackObject]
public sealed record GetRunningTrials([property: Key(0)] string CampaignId) : IWithCampaignId, IWireMessage;

/// <summary>A trial a worker has said it runs: its attempt, the worker node's address and when the coordinator heard it (Unix ms).</summary>
[MessagePackObject]
public sealed record RunningTrial(
    [property: Key(0)] string TrialId,
    [property: Key(1)] int Attempt,
    [property: Key(2)] string Node,
    [property: Key(3)] long SinceMs);

/// <summary>The trials of a campaign running now, by trial id (none once the campaign is over).</summary>
[MessagePackObject]
public sealed record RunningTrials(
    [property: Key(0)] string CampaignId,
    [property: Key(1)] ImmutableArray<RunningTrial> Trials) : IWithCampaignId, IWireMessage;

/// <summary>
/// A campaign's state: <see cref="Status"/> is <c>unknown</c> (never submitted), <c>running</c>, <c>completed</c>,
/// <c>cancelled</c> or <c>timed-out</c>; counts of trials by state; the best trial so far by the campaign's objective (default:
/// the final loss; null with several objectives, which have a Pareto front instead) and that trial's final loss.
/// </summary>
[MessagePackObject]
public sealed record CampaignStatus(
    [property: Key(0)] string CampaignId,
    [property: Key(1)] string Status,
    [property: Key(2)] int Planned,
    [property: Key(3)] int Running,
    [property: Key(4)] int Completed,
    [property: Key(5)] int Failed,
    [property: Key(6)] int Stopped,
    [property: Key(7)] string? BestTrialId,
    [property: Key(8)] double? BestLoss,
    [property: Key(9)] int Unrecorded = 0) : IWithCampaignId, IWireMessage
{
    [IgnoreMember]
    public int Finished => Completed + Failed + Stopped;

    [IgnoreMember]
    public bool IsOver => IsFinal(Status);

    /// <summary>Whether a campaign in <paramref name="status"/> has ended for good (completed, cancelled or timed out).</summary>
    public static bool IsFinal(string status) => status is "completed" or "cancelled" or "timed-out";

    /// <summary>Over, and the aggregator has acknowledged every final result and the final status: the store is complete.</summary>
    [IgnoreMember]
    public bool IsSettled => IsOver && Unrecorded == 0;
}
