using System.Collections.Immutable;
using Akka.Actor;
using Akka.Cluster;
using Akka.Event;
using Akka.Persistence;
using ClusterML.Core.Campaigns;
using ClusterML.Core.Coordination;
using ClusterML.Core.Files;
using ClusterML.Core.Messages;
using ClusterML.Core.Results;

namespace ClusterML.Cluster.Campaigns;

/// <summary>
/// The coordinator of one campaign (a sharded, event-sourced entity on the <c>coordinator</c> role). It persists the plan
/// (compactly: the spec's text, from which the trials are regenerated) and every dispatch and final result before acting on
/// it, so after a crash it recovers, sends the unfinished trials again and never re-runs a finished one. Events are written
/// asynchronously and grouped into batches by the journal (commands are not held while a write is pending; the durable
/// state changes only once an event is written, and transient guards keep a trial from being finished or retried twice in
/// between). Every <see cref="DefaultSnapshotEvery"/> events a versioned snapshot is saved and the journal before it deleted, so
/// recovery reads one snapshot and a few events whatever the campaign's length; every event costs O(1) (<see cref="CampaignBook"/>).
/// Final results and the final status go to the aggregator at least once (re-sent every few seconds until acknowledged, and
/// again after a restart until the campaign is settled); the aggregator stores each trial's result exactly once, and while
/// more than <see cref="MaxUnrecorded"/> results wait for its acknowledgement no new trial is dispatched (back-pressure).
/// Per-epoch metrics are forwarded to it as they come. Early-stopping reports at rung epochs are journaled in the order they
/// were decided (and replayed into ASHA's rungs on recovery, or kept in the snapshot), so a resumed campaign takes the
/// decisions an uninterrupted one would. When a cluster member is removed,
/// the trials in flight are sent again: the ones whose worker died re-start elsewhere, the others ignore the duplicate start.
/// Failed attempts are retried up to the campaign's <c>retries</c>.
/// </summary>
public sealed class CampaignCoordinator : ReceivePersistentActor, IWithTimers
{
    /// <summary>Events between snapshots (HOCON <c>clusterml.campaign.snapshot-every</c>).</summary>
    public const int DefaultSnapshotEvery = 10_000;

    private readonly int _snapshotEvery;

    /// <summary>Results not yet acknowledged by the aggregator beyond which no new trial is dispatched.</summary>
    public const int MaxUnrecorded = 2_000;

    /// <summary>Campaigns with more trials log each trial at debug level only (a progress line every few seconds instead).</summary>
    private const int LogEachTrialUpTo = 1_000;

    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly string _campaignId;
    private readonly IActorRef _trials;
    private readonly IActorRef _aggregator;
    private readonly Dictionary<string, TrialResult> _unrecorded = [];
    private RecordCampaignStatus? _unrecordedStatus;
    private long _endedAtMs;
    private bool _settled;
    private readonly int _defaultSlots;
    private readonly Dictionary<string, DateTime> _lastHeard = [];

    /// <summary>Trials in flight whose current attempt a worker has started (<see cref="TrialRunning"/> or a progress report); the rest wait in a queue.</summary>
    private readonly HashSet<string> _started = new(StringComparer.Ordinal);

    /// <summary>Where each started trial runs (from its <see cref="TrialRunning"/>): what the dashboard shows per node.</summary>
    private readonly Dictionary<string, RunningTrial> _runningOn = new(StringComparer.Ordinal);
    private CampaignBook _book = new();
    private AshaState _asha = AshaState.Empty;

    /// <summary>
    /// For a model-based search: proposes each trial's point at dispatch (the point is journaled with the dispatch); for
    /// population-based training: decides each segment's hyperparameters and checkpoint once the generation before has finished.
    /// </summary>
    private ITrialProposer? _proposer;

    /// <summary>Why the proposer ends the campaign early (transient: decided again after a restart); null while it goes on.</summary>
    private string? _over;

    // Transient: written but not yet acknowledged by the journal.
    private readonly HashSet<string> _finishing = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _starting = new(StringComparer.Ordinal);
    private int _dispatchCursor;
    private bool _ending;
    private long _eventsSinceSnapshot;
    private bool _snapshotting;
    private DateTime _lastProgressLog = DateTime.UtcNow;

    public CampaignCoordinator(string campaignId, IActorRef trials, IActorRef aggregator, int defaultSlots)
    {
        (_campaignId, _trials, _aggregator, _defaultSlots) = (campaignId, trials, aggregator, defaultSlots);
        _snapshotEvery = Math.Max(1, Context.System.Settings.Config.GetInt("clusterml.campaign.snapshot-every", DefaultSnapshotEvery));
        Recover<SnapshotOffer>(offer =>
        {
            if (offer.Snapshot is CampaignSnapshot snapshot)
            {
                _proposer = TrialProposer.For(snapshot.Campaign);
                _book = CampaignBook.From(snapshot, CampaignPlanner.Trials(snapshot.Campaign), _proposer is { } proposer ? proposer.Trial : null);
                if (_proposer?.NeedsMetrics == true && !_book.KeepsMetrics)
                {
                    throw new InvalidDataException($"campaign {_campaignId}: its snapshot lacks the trials' metrics that its proposer needs");
                }
                _endedAtMs = snapshot.EndedAtMs;
                _settled = snapshot.Settled;
                foreach (var result in snapshot.Unrecorded)
                {
                    _unrecorded[result.TrialId] = result;
                }
                _asha = AshaState.From(snapshot.AshaRungs, snapshot.AshaDecisions.Select(d => (d.TrialId, d.Epoch, d.Stop ? AshaDecision.Stop : AshaDecision.Continue)));
            }
        });
        Recover<CampaignSubmitted>(e =>
        {
            _proposer = TrialProposer.For(e);
            _book.Submit(e, CampaignPlanner.Trials(e), _proposer?.NeedsMetrics == true);
        });
        Recover<TrialAttemptStarted>(e =>
        {
            TakeProposal(e);
            _book.Apply(e);
        });
        Recover<TrialFinished>(e =>
        {
            _book.Apply(e);
            if (e.Result is not null)
            {
                _unrecorded[e.TrialId] = e.Result; // may have reached the store before the crash; the aggregator keeps the first copy
            }
        });
        Recover<AshaReported>(e => ReportToAsha(e));
        Recover<CampaignEnded>(e =>
        {
            _book.Apply(e);
            _endedAtMs = e.AtMs;
        });
        Recover<CampaignSettled>(_ =>
        {
            _settled = true;
            _unrecorded.Clear();
        });
        Recover<RecoveryCompleted>(_ => Self.Tell(new Continue([.. _book.InFlight.Select(t => t.Trial.TrialId)])));
        Commands();
    }

    public override string PersistenceId => $"campaign-{_campaignId}";

    public ITimerScheduler Timers { get; set; } = null!;

    public static Props Props(string campaignId, IActorRef trials, IActorRef aggregator, int defaultSlots) =>
        Akka.Actor.Props.Create(() => new CampaignCoordinator(campaignId, trials, aggregator, defaultSlots));

    /// <summary>Self-message after recovery: re-send the trials that were in flight when the journal was written, then dispatch more.</summary>
    private sealed record Continue(IReadOnlyList<string> InFlightAtRecovery) : INoSerializationVerificationNeeded;

    private sealed class WallTimeUp : INoSerializationVerificationNeeded
    {
        public static WallTimeUp Instance { get; } = new();
    }

    /// <summary>
    /// Periodic check: a trial silent for <see cref="SilenceLimit"/> is sent again. A running entity ignores the duplicate; an
    /// entity whose node died (or whose start was lost while its shard moved) starts it. Safe because starts are idempotent.
    /// </summary>
    private sealed class Watchdog : INoSerializationVerificationNeeded
    {
        public static Watchdog Instance { get; } = new();
    }

    private sealed record ResendAfterMemberLeft(string Address) : INoSerializationVerificationNeeded;

    /// <summary>Periodic: send the unacknowledged results and status to the aggregator again.</summary>
    private sealed class Redeliver : INoSerializationVerificationNeeded
    {
        public static Redeliver Instance { get; } = new();
    }

    private static readonly TimeSpan RedeliverInterval = TimeSpan.FromSeconds(3);

    private static readonly TimeSpan SilenceLimit = TimeSpan.FromSeconds(15);
    private static readonly TimeSpan WatchdogInterval = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan ProgressLogInterval = TimeSpan.FromSeconds(10);

    /// <summary>Shard homes are re-allocated once the region sees the dead node terminate; re-sending a moment later avoids its stale cache.</summary>
    private static readonly TimeSpan AfterMemberLeft = TimeSpan.FromSeconds(1);

    private static long Now() => DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();

    /// <summary>A random, non-zero attempt token (0 means "no token").</summary>
    private static long NewToken()
    {
        Span<byte> bytes = stackalloc byte[8];
        long token;
        do
        {
            System.Security.Cryptography.RandomNumberGenerator.Fill(bytes);
            token = BitConverter.ToInt64(bytes);
        }
        while (token == 0);
        return token;
    }

    private bool LogEachTrial => _book.Trials.Count <= LogEachTrialUpTo;

    protected override void PreStart()
    {
        base.PreStart();
        Akka.Cluster.Cluster.Get(Context.System).Subscribe(Self, ClusterEvent.SubscriptionInitialStateMode.InitialStateAsEvents, typeof(ClusterEvent.MemberRemoved));
    }

    protected override void PostStop()
    {
        Akka.Cluster.Cluster.Get(Context.System).Unsubscribe(Self);
        base.PostStop();
    }

    private void Commands()
    {
        Command<CampaignSubmitted>(submitted =>
        {
            if (_book.Campaign is not null)
            {
                Sender.Tell(Status());
                return;
            }
            ImmutableArray<PlannedTrial> trials;
            ITrialProposer? proposer;
            try
            {
                trials = CampaignPlanner.Trials(submitted);
                proposer = TrialProposer.For(submitted);
            }
            catch (Exception e)
            {
                _log.Error(e, "Campaign {CampaignId}: its plan cannot be expanded here", submitted.CampaignId);
                Sender.Tell(new Status.Failure(e));
                return;
            }
            var replyTo = Sender;
            Persist(submitted, e =>
            {
                _book.Submit(e, trials, proposer?.NeedsMetrics == true);
                _proposer = proposer;
                _log.Info("Campaign {CampaignId} ({Name}) submitted: {Trials} trials of {Engine}", e.CampaignId, e.Name, trials.Length, e.Engine);
                ScheduleWallTime();
                DispatchMore();
                replyTo.Tell(Status());
            });
        });
        Command<Continue>(recovered =>
        {
            if (_book.Campaign is not null && !_settled)
            {
                foreach (var result in _unrecorded.Values)
                {
                    _aggregator.Tell(new RecordTrialResult(result));
                }
                if (_unrecorded.Count > 0)
                {
                    StartRedelivery();
                }
                if (_book.IsOver)
                {
                    DeliverStatus(_book.Status, _endedAtMs);
                }
            }
            if (_book.Campaign is null || _book.IsOver)
            {
                return;
            }
            ScheduleWallTime();
            ResendInFlight("recovered", recovered.InFlightAtRecovery.ToHashSet());
            DispatchMore();
        });
        Command<ResumeCampaign>(_ => Sender.Tell(Status()));
        Command<GetCampaignStatus>(_ => Sender.Tell(Status()));
        Command<GetRunningTrials>(_ => Sender.Tell(new RunningTrials(_campaignId,
            _book.IsOver ? [] : [.. _runningOn.Values.Where(r => _started.Contains(r.TrialId)).OrderBy(r => r.TrialId, StringComparer.Ordinal)])));
        Command<TrialResultRecorded>(recorded =>
        {
            _unrecorded.Remove(recorded.TrialId);
            SettleIfDone();
            DispatchMore(); // back-pressure released
        });
        Command<CampaignStatusRecorded>(recorded =>
        {
            if (_unrecordedStatus?.Status == recorded.Status)
            {
                _unrecordedStatus = null;
            }
            SettleIfDone();
        });
        Command<Redeliver>(_ =>
        {
            foreach (var result in _unrecorded.Values)
            {
                _aggregator.Tell(new RecordTrialResult(result));
            }
            if (_unrecordedStatus is not null)
            {
                _aggregator.Tell(_unrecordedStatus);
            }
            if (_unrecorded.Count == 0 && _unrecordedStatus is null)
            {
                Timers.Cancel("redeliver");
            }
        });
        Command<CancelCampaign>(_ =>
        {
            var replyTo = Sender;
            if (_book.IsOver || _book.Campaign is null || _ending)
            {
                replyTo.Tell(Status());
                return;
            }
            End("cancelled", () => replyTo.Tell(Status()));
        });
        Command<WallTimeUp>(_ =>
        {
            if (!_book.IsOver && !_ending)
            {
                End("timed-out", () => { });
            }
        });
        Command<TrialRunning>(running =>
        {
            if (IsCurrent(running.TrialId, running.Attempt, running.Token))
            {
                _lastHeard[running.TrialId] = DateTime.UtcNow;
                _started.Add(running.TrialId);
                _runningOn[running.TrialId] = new RunningTrial(running.TrialId, running.Attempt, running.Node, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
            }
        });
        Command<TrialProgressed>(progress =>
        {
            if (!IsCurrent(progress.TrialId, progress.Attempt, progress.Token))
            {
                return;
            }
            _lastHeard[progress.TrialId] = DateTime.UtcNow;
            _started.Add(progress.TrialId);
            _aggregator.Tell(new RecordEpochMetrics(new EpochMetrics(progress.CampaignId, progress.TrialId, progress.Attempt, progress.Epoch, progress.Metrics)));
            if (_book.Campaign!.EarlyStopping is { } policy && progress.Metrics.TryGetValue(policy.Metric, out var value)
                && Asha.IsRung(progress.Epoch, policy.GracePeriod, policy.ReductionFactor, policy.MaxEpochs))
            {
                // Decided now and journaled in the order decided: a replay after a crash rebuilds the same rungs, so the
                // decisions after a resume are those an uninterrupted run takes (a report lost with the crash comes again).
                var report = new AshaReported(_campaignId, progress.TrialId, progress.Attempt, progress.Epoch, value);
                if (ReportToAsha(report) == AshaDecision.Stop)
                {
                    _trials.Tell(new StopTrial(_campaignId, progress.TrialId, $"early stopping (ASHA) at epoch {progress.Epoch}: {policy.Metric} = {value:G4}"));
                }
                PersistAsync(report, _ => Written());
            }
        });
        Command<TrialCompleted>(done =>
        {
            if (IsCurrent(done.TrialId, done.Attempt, done.Token))
            {
                Finish(done.TrialId, TrialStatus.Completed, done.FinalLoss, done.Metrics, null, done.Artifacts, done.Node, done.StartedAtMs, done.EndedAtMs, done.Files);
            }
        });
        Command<TrialStopped>(stopped =>
        {
            if (IsCurrent(stopped.TrialId, stopped.Attempt, stopped.Token))
            {
                Finish(stopped.TrialId, TrialStatus.Stopped, null, ImmutableDictionary<string, double>.Empty.Add("epochs", stopped.Epoch), stopped.Reason, [], stopped.Node, stopped.StartedAtMs, stopped.EndedAtMs);
            }
        });
        Command<TrialFailed>(failed =>
        {
            if (!IsCurrent(failed.TrialId, failed.Attempt, failed.Token))
            {
                return;
            }
            var campaign = _book.Campaign!;
            if (failed.Attempt <= campaign.Retries && !failed.Permanent)
            {
                _log.Warning("Trial {TrialId} attempt {Attempt} failed ({Error}); retrying", failed.TrialId, failed.Attempt, failed.Error);
                StartAttempts([_book.Trial(failed.TrialId)], failed.Attempt + 1);
                return;
            }
            Finish(failed.TrialId, TrialStatus.Failed, null, ImmutableDictionary<string, double>.Empty, failed.Error, [], failed.Node, failed.StartedAtMs, failed.EndedAtMs);
        });
        Command<ClusterEvent.MemberRemoved>(removed =>
        {
            if (_book.Campaign is not null && !_book.IsOver)
            {
                Timers.StartSingleTimer($"member-left-{removed.Member.Address}", new ResendAfterMemberLeft(removed.Member.Address.ToString()), AfterMemberLeft);
            }
        });
        Command<ResendAfterMemberLeft>(left =>
        {
            if (_book.Campaign is not null && !_book.IsOver)
            {
                ResendInFlight($"member {left.Address} left");
            }
        });
        Command<Watchdog>(_ =>
        {
            if (_book.Campaign is null || _book.IsOver)
            {
                return;
            }
            var now = DateTime.UtcNow;
            var silent = _book.InFlight.Where(t => !_lastHeard.TryGetValue(t.Trial.TrialId, out var heard) || now - heard > SilenceLimit)
                .Select(t => t.Trial.TrialId).ToHashSet();
            if (silent.Count > 0)
            {
                ResendInFlight($"no word for {SilenceLimit.TotalSeconds:F0} s", silent);
            }
        });
        Command<SaveSnapshotSuccess>(saved =>
        {
            _snapshotting = false;
            // Everything up to the snapshot is in it: the events and the older snapshots go.
            DeleteMessages(saved.Metadata.SequenceNr);
            DeleteSnapshots(new SnapshotSelectionCriteria(saved.Metadata.SequenceNr - 1));
        });
        Command<SaveSnapshotFailure>(failure =>
        {
            _snapshotting = false;
            _log.Warning(failure.Cause, "Campaign {CampaignId}: snapshot at #{SequenceNr} not saved; the journal is kept", _campaignId, failure.Metadata.SequenceNr);
        });
        Command<DeleteMessagesSuccess>(_ => { });
        Command<DeleteMessagesFailure>(failure => _log.Warning(failure.Cause, "Campaign {CampaignId}: events up to #{To} not deleted", _campaignId, failure.ToSequenceNr));
        Command<DeleteSnapshotsSuccess>(_ => { });
        Command<DeleteSnapshotsFailure>(failure => _log.Warning(failure.Cause, "Campaign {CampaignId}: older snapshots not deleted", _campaignId));
        Command<ClusterEvent.IMemberEvent>(_ => { });
    }

    private AshaDecision ReportToAsha(AshaReported e)
    {
        var policy = _book.Campaign!.EarlyStopping!;
        (_asha, var decision) = Asha.Report(_asha, policy.GracePeriod, policy.ReductionFactor, policy.MaxEpochs, policy.Maximize, e.TrialId, e.Epoch, e.Value);
        return decision;
    }

    /// <summary>
    /// A reply of the trial's current attempt (with its token: from the member the attempt was sent to), which is neither
    /// finished nor being finished or retried. A reply with a wrong token is logged: someone answers for an attempt it was not given.
    /// </summary>
    private bool IsCurrent(string trialId, int attempt, long token)
    {
        if (_book.Campaign is null || _book.IsOver || _ending || _finishing.Contains(trialId) || _starting.ContainsKey(trialId) || _book.IsFinished(trialId)
            || _book.AttemptOf(trialId) is var current && (current == 0 || current != attempt))
        {
            return false;
        }
        if (token != _book.TokenOf(trialId))
        {
            _log.Warning("Campaign {CampaignId}: a reply for trial {TrialId} attempt {Attempt} from {Sender} carries the wrong token; ignored", _campaignId, trialId, attempt, Sender.Path.Address);
            return false;
        }
        return true;
    }

    private void Finish(string trialId, TrialStatus status, double? loss, IReadOnlyDictionary<string, double> metrics, string? error,
        IReadOnlyList<string> artifacts, string node, long startedAtMs, long endedAtMs, IReadOnlyList<ArtifactFile>? files = null)
    {
        var trial = _book.Trial(trialId);
        var attempts = _book.AttemptOf(trialId);
        var statusText = status.ToString().ToLowerInvariant();
        var result = new TrialResult(_campaignId, trialId, trial.Index, trial.Parameters, trial.Seed, status, loss, metrics, error, artifacts, node, attempts, startedAtMs, endedAtMs,
            files, files is { Count: > 0 } ? ArtifactLayout.TrialFolder(_campaignId, trialId) : null);
        if (status == TrialStatus.Completed && _book.Objectives.Missing(result) is { Count: > 0 } missing)
        {
            _log.Warning("Trial {TrialId} completed without the metric {Missing} that the campaign's objectives/constraints need (it reported: {Reported}); "
                + "the search treats it as failed and it is never the best", trialId, string.Join(", ", missing), string.Join(", ", CampaignObjectives.Reported(result)));
        }
        _finishing.Add(trialId);
        PersistAsync(new TrialFinished(_campaignId, trialId, statusText, loss, result), e =>
        {
            _finishing.Remove(trialId);
            _book.Apply(e);
            _lastHeard.Remove(trialId);
            _started.Remove(trialId);
            _runningOn.Remove(trialId);
            Deliver(result);
            if (LogEachTrial)
            {
                _log.Info("Trial {TrialId} {Status} (loss {Loss}) — {Finished}/{Planned} done", trialId, statusText, loss, _book.FinishedCount, _book.Trials.Count);
            }
            else if (DateTime.UtcNow - _lastProgressLog > ProgressLogInterval)
            {
                _lastProgressLog = DateTime.UtcNow;
                _log.Info("Campaign {CampaignId}: {Finished}/{Planned} trials done, {Running} running", _campaignId, _book.FinishedCount, _book.Trials.Count, _book.InFlightCount);
            }
            if (_book.AllFinished && !_ending)
            {
                End("completed", () => { });
            }
            Written();
            EndIfOver();
        });
        // The freed slot is refilled now: the new starts join the same journal batch.
        DispatchMore();
    }

    /// <summary>The proposer has ended the campaign (<see cref="_over"/>) and nothing runs any more: it is complete.</summary>
    private void EndIfOver()
    {
        if (_over is not null && !_ending && !_book.IsOver && _book.InFlightCount == 0 && _starting.Count == 0 && _finishing.Count == 0)
        {
            _log.Info("Campaign {CampaignId} ends early: {Reason}", _campaignId, _over);
            End("completed", () => { });
        }
    }

    /// <summary>
    /// A trial the proposer found not needed (an active-learning round picked fewer candidates): finished as stopped, never run,
    /// so its place in the order is taken and the trials after it can go.
    /// </summary>
    private void Skip(PlannedTrial trial, string reason)
    {
        var now = Now();
        var result = new TrialResult(_campaignId, trial.TrialId, trial.Index, trial.Parameters, trial.Seed, TrialStatus.Stopped, null,
            ImmutableDictionary<string, double>.Empty, reason, [], "", 0, now, now);
        _finishing.Add(trial.TrialId);
        PersistAsync(new TrialFinished(_campaignId, trial.TrialId, "stopped", null, result), e =>
        {
            _finishing.Remove(trial.TrialId);
            _book.Apply(e);
            Deliver(result);
            if (_book.AllFinished && !_ending)
            {
                End("completed", () => { });
            }
            Written();
            DispatchMore();
            EndIfOver();
        });
    }

    private void DispatchMore()
    {
        if (_book.Campaign is not { } campaign || _book.IsOver || _ending || _unrecorded.Count >= MaxUnrecorded)
        {
            return;
        }
        var limit = campaign.MaxConcurrent > 0 ? campaign.MaxConcurrent : Math.Max(1, _defaultSlots);
        var occupied = _book.InFlightCount - _finishing.Count + _starting.Count;
        var free = limit - occupied;
        if (free <= 0)
        {
            return;
        }
        var next = _book.Undispatched(Math.Max(_dispatchCursor, _book.NextUndispatched), free).Where(t => !_starting.ContainsKey(t.TrialId) && !_finishing.Contains(t.TrialId))
            .TakeWhile(t => _proposer is null || _proposer.Ready(t.Index, i => _book.IsFinished(_book.Trials[i].TrialId)))
            .ToArray();
        if (next.Length == 0)
        {
            return;
        }
        _dispatchCursor = next[^1].Index + 1;
        if (_proposer is not null)
        {
            // One at a time, in index order: each proposal sees the ones before it as running (the constant liar).
            var proposed = new List<PlannedTrial>(next.Length);
            foreach (var placeholder in next)
            {
                if ((_over = _proposer.Over(placeholder.Index, _book.Before(placeholder.Index))) is not null)
                {
                    _dispatchCursor = placeholder.Index;
                    break;
                }
                if (Propose(placeholder) is { } trial)
                {
                    proposed.Add(trial);
                }
            }
            next = [.. proposed];
        }
        if (next.Length > 0)
        {
            StartAttempts(next, 1);
        }
        EndIfOver();
    }

    /// <summary>
    /// Proposes the point of a model-based search's trial and puts it in the book; the dispatch event journals it. Null: the
    /// proposer does not need the trial, which is skipped.
    /// </summary>
    private PlannedTrial? Propose(PlannedTrial placeholder)
    {
        var parameters = _proposer!.Propose(placeholder.Index, _book.Before(placeholder.Index), placeholder.Parameters);
        if (parameters is null)
        {
            Skip(placeholder, "not needed: the round before picked fewer candidates");
            return null;
        }
        PlannedTrial trial;
        try
        {
            trial = _proposer.Trial(placeholder, parameters, _book.Before(placeholder.Index));
        }
        catch (Exception e) when (e is ClusterML.Core.Validation.InvalidInputException or ArgumentException && _proposer is not TrialProposer)
        {
            // Nothing planned to fall back on (active learning: the candidate's oracle settings are refused): the trial is skipped.
            _log.Warning("Campaign {CampaignId}: trial {TrialId} is refused by its engine ({Message}); skipped", _campaignId, placeholder.TrialId, e.Message);
            Skip(placeholder, $"refused by its engine: {e.Message}");
            return null;
        }
        catch (Exception e) when (e is ClusterML.Core.Validation.InvalidInputException or ArgumentException)
        {
            // The engine refuses the proposed point (a setting valid alone but not with the base settings): run the planned
            // random point instead, which was checked before the campaign started.
            _log.Warning("Campaign {CampaignId}: the point proposed for trial {TrialId} is refused by its engine ({Message}); it runs the planned random point",
                _campaignId, placeholder.TrialId, e.Message);
            trial = placeholder;
        }
        _book.Propose(trial);
        return trial;
    }

    /// <summary>Recovery: the trial of a journaled first dispatch of a model-based search takes the parameters proposed for it.</summary>
    private void TakeProposal(TrialAttemptStarted started)
    {
        if (started.Parameters is { } parameters && _proposer is not null && _book.AttemptOf(started.TrialId) == 0)
        {
            var placeholder = _book.Trial(started.TrialId);
            _book.Propose(_proposer.Trial(placeholder, parameters, _book.Before(placeholder.Index)));
        }
    }

    private void StartAttempts(IReadOnlyList<PlannedTrial> trials, int attempt)
    {
        foreach (var trial in trials)
        {
            _starting[trial.TrialId] = attempt;
        }
        // Each attempt's replies must carry its random token: only the member it was sent to knows it.
        PersistAllAsync(trials.Select(t => new TrialAttemptStarted(_campaignId, t.TrialId, attempt, NewToken(),
            _proposer is not null && attempt == 1 ? t.Parameters : null)), e =>
        {
            _starting.Remove(e.TrialId);
            _book.Apply(e);
            if (!_book.IsOver && !_ending)
            {
                Start(_book.Trial(e.TrialId), e.Attempt);
            }
            Written();
        });
    }

    private void Start(PlannedTrial trial, int attempt)
    {
        _lastHeard[trial.TrialId] = DateTime.UtcNow;
        _started.Remove(trial.TrialId); // (again) in a worker's queue until it says it runs
        _runningOn.Remove(trial.TrialId);
        if (!Timers.IsTimerActive("watchdog"))
        {
            Timers.StartPeriodicTimer("watchdog", Watchdog.Instance, WatchdogInterval);
        }
        _trials.Tell(new StartTrial(_campaignId, trial.TrialId, attempt, trial.Spec, trial.Seed, _book.Campaign!.Device, _book.TokenOf(trial.TrialId),
            trial.UntilEpoch, trial.StartFrom), Self);
    }

    private void ResendInFlight(string why, IReadOnlySet<string>? only = null)
    {
        var inFlight = _book.InFlight.Where(t => (only is null || only.Contains(t.Trial.TrialId)) && !_finishing.Contains(t.Trial.TrialId)).ToArray();
        if (inFlight.Length > 0)
        {
            _log.Info("Campaign {CampaignId}: sending {Count} unfinished trial(s) again ({Why})", _campaignId, inFlight.Length, why);
        }
        foreach (var (trial, attempt) in inFlight)
        {
            Start(trial, attempt);
        }
    }

    private void End(string status, Action then)
    {
        _ending = true;
        PersistAsync(new CampaignEnded(_campaignId, status, Now()), e =>
        {
            _book.Apply(e);
            foreach (var (trial, _) in _book.InFlight)
            {
                _trials.Tell(new StopTrial(_campaignId, trial.TrialId, $"campaign {status}"));
            }
            _endedAtMs = e.AtMs;
            _log.Info("Campaign {CampaignId} {Status}", _campaignId, status);
            Timers.Cancel("watchdog");
            Timers.Cancel("wall-time");
            DeliverStatus(status, e.AtMs);
            then();
            Written();
        });
    }

    /// <summary>After each written event: a snapshot (and the journal before it deleted) every <see cref="DefaultSnapshotEvery"/> events.</summary>
    private void Written()
    {
        if (++_eventsSinceSnapshot < _snapshotEvery || _snapshotting || _book.Campaign is null)
        {
            return;
        }
        _eventsSinceSnapshot = 0;
        _snapshotting = true;
        SaveSnapshot(_book.ToSnapshot(_endedAtMs, _settled, _unrecorded.Values, _asha, proposed: _proposer is not null));
    }

    /// <summary>The campaign's counts; running: the trials a worker has started (dispatched ones still queued are pending).</summary>
    private CampaignStatus Status() => _book.ToStatus(_campaignId) with
    {
        Running = _book.IsOver ? 0 : Math.Min(_started.Count, _book.InFlightCount),
        Unrecorded = _unrecorded.Count + (_unrecordedStatus is null ? 0 : 1),
    };

    private void Deliver(TrialResult result)
    {
        _unrecorded[result.TrialId] = result;
        _aggregator.Tell(new RecordTrialResult(result));
        StartRedelivery();
    }

    private void DeliverStatus(string status, long endedAtMs)
    {
        _unrecordedStatus = new RecordCampaignStatus(_campaignId, status, endedAtMs);
        _aggregator.Tell(_unrecordedStatus);
        StartRedelivery();
    }

    private void StartRedelivery()
    {
        if (!Timers.IsTimerActive("redeliver"))
        {
            Timers.StartPeriodicTimer("redeliver", Redeliver.Instance, RedeliverInterval);
        }
    }

    /// <summary>Once the campaign is over and the aggregator has everything, a marker event stops re-sending after restarts.</summary>
    private void SettleIfDone()
    {
        if (_settled || !_book.IsOver || _unrecorded.Count > 0 || _unrecordedStatus is not null)
        {
            return;
        }
        _settled = true;
        Timers.Cancel("redeliver");
        PersistAsync(new CampaignSettled(_campaignId), _ =>
        {
            _log.Debug("Campaign {CampaignId} settled: every result is stored", _campaignId);
            Written();
        });
    }

    private void ScheduleWallTime()
    {
        if (_book.Campaign?.WallTimeMs is { } wall)
        {
            var left = _book.Campaign.SubmittedAtMs + wall - Now();
            Timers.StartSingleTimer("wall-time", WallTimeUp.Instance, TimeSpan.FromMilliseconds(Math.Max(0, left)));
        }
    }
}
