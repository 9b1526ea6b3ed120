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
/// and every dispatch and final result before acting on it, so after a crash it recovers, sends the unfinished trials again
/// and never re-runs a finished one. Final results and the final status go to the aggregator at least once (re-sent every
/// few seconds until acknowledged, and again after a restart until the campaign is settled); the aggregator stores each
/// trial's result exactly once. Per-epoch metrics are forwarded to it as they come (fire and forget). When a cluster
/// member is removed, the trials in flight are sent again: the ones whose worker died re-start elsewhere, the others ignore
/// the duplicate start. Failed attempts are retried up to the campaign's <c>retries</c>.
/// </summary>
public sealed class CampaignCoordinator : ReceivePersistentActor, IWithTimers
{
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
    private CampaignState _state = CampaignState.Empty;
    private AshaState _asha = AshaState.Empty; // rebuilt from new reports after a restart (early stopping is advisory)

    public CampaignCoordinator(string campaignId, IActorRef trials, IActorRef aggregator, int defaultSlots)
    {
        (_campaignId, _trials, _aggregator, _defaultSlots) = (campaignId, trials, aggregator, defaultSlots);
        Recover<CampaignSubmitted>(e => _state = _state.Apply(e));
        Recover<TrialAttemptStarted>(e => _state = _state.Apply(e));
        Recover<TrialFinished>(e => _state = _state.Apply(e));
        Recover<CampaignEnded>(e =>
        {
            _state = _state.Apply(e);
            _endedAtMs = e.AtMs;
        });
        Recover<CampaignSettled>(_ => _settled = true);
        Recover<RecoveryCompleted>(_ => Self.Tell(new Continue([.. _state.InFlight.Select(t => t.Trial.TrialId)])));
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

    /// <summary>Shard homes are re-allocated once the region sees the dead node terminate; re-sending a moment later avoids its stale cache.</summary>
    private static readonly TimeSpan AfterMemberLeft = TimeSpan.FromSeconds(2);

    private static long Now() => DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();

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
            if (_state.Campaign is not null)
            {
                Sender.Tell(Status());
                return;
            }
            var replyTo = Sender;
            Persist(submitted, e =>
            {
                _state = _state.Apply(e);
                _log.Info("Campaign {CampaignId} ({Name}) submitted: {Trials} trials of {Engine}", e.CampaignId, e.Name, e.Trials.Length, e.Engine);
                ScheduleWallTime();
                DispatchMore();
                replyTo.Tell(Status());
            });
        });
        Command<Continue>(recovered =>
        {
            if (_state.Campaign is not null && !_settled)
            {
                // Some of these may have reached the store before the crash; the aggregator keeps the first copy.
                foreach (var finished in _state.Finished.Values.Where(f => f.Result is not null))
                {
                    Deliver(finished.Result!);
                }
                if (_state.IsOver)
                {
                    DeliverStatus(_state.Status, _endedAtMs);
                }
            }
            if (_state.Campaign is null || _state.IsOver)
            {
                return;
            }
            ScheduleWallTime();
            ResendInFlight("recovered", recovered.InFlightAtRecovery.ToHashSet());
            DispatchMore();
        });
        Command<ResumeCampaign>(_ => Sender.Tell(Status()));
        Command<GetCampaignStatus>(_ => Sender.Tell(Status()));
        Command<TrialResultRecorded>(recorded =>
        {
            _unrecorded.Remove(recorded.TrialId);
            SettleIfDone();
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
            if (_state.IsOver || _state.Campaign is null)
            {
                replyTo.Tell(Status());
                return;
            }
            End("cancelled", () => replyTo.Tell(Status()));
        });
        Command<WallTimeUp>(_ =>
        {
            if (!_state.IsOver)
            {
                End("timed-out", () => { });
            }
        });
        Command<TrialProgressed>(progress =>
        {
            if (!IsCurrent(progress.TrialId, progress.Attempt))
            {
                return;
            }
            _lastHeard[progress.TrialId] = DateTime.UtcNow;
            _aggregator.Tell(new RecordEpochMetrics(new EpochMetrics(progress.CampaignId, progress.TrialId, progress.Attempt, progress.Epoch, progress.Metrics)));
            if (_state.Campaign!.EarlyStopping is { } policy && progress.Metrics.TryGetValue(policy.Metric, out var value))
            {
                (_asha, var decision) = Asha.Report(_asha, policy.GracePeriod, policy.ReductionFactor, policy.MaxEpochs, policy.Maximize, progress.TrialId, progress.Epoch, value);
                if (decision == AshaDecision.Stop)
                {
                    _trials.Tell(new StopTrial(_campaignId, progress.TrialId, $"early stopping (ASHA) at epoch {progress.Epoch}: {policy.Metric} = {value:G4}"));
                }
            }
        });
        Command<TrialCompleted>(done =>
        {
            if (IsCurrent(done.TrialId, done.Attempt))
            {
                Finish(done.TrialId, TrialStatus.Completed, done.FinalLoss, done.Metrics, null, done.Artifacts, done.Node, done.StartedAtMs, done.EndedAtMs, done.Files);
            }
        });
        Command<TrialStopped>(stopped =>
        {
            if (IsCurrent(stopped.TrialId, stopped.Attempt))
            {
                Finish(stopped.TrialId, TrialStatus.Stopped, null, ImmutableDictionary<string, double>.Empty.Add("epochs", stopped.Epoch), stopped.Reason, [], stopped.Node, stopped.StartedAtMs, stopped.EndedAtMs);
            }
        });
        Command<TrialFailed>(failed =>
        {
            if (!IsCurrent(failed.TrialId, failed.Attempt))
            {
                return;
            }
            var campaign = _state.Campaign!;
            if (failed.Attempt <= campaign.Retries)
            {
                _log.Warning("Trial {TrialId} attempt {Attempt} failed ({Error}); retrying", failed.TrialId, failed.Attempt, failed.Error);
                var trial = campaign.Trials.First(t => t.TrialId == failed.TrialId);
                Persist(new TrialAttemptStarted(_campaignId, failed.TrialId, failed.Attempt + 1), e =>
                {
                    _state = _state.Apply(e);
                    Start(trial, e.Attempt);
                });
                return;
            }
            Finish(failed.TrialId, TrialStatus.Failed, null, ImmutableDictionary<string, double>.Empty, failed.Error, [], failed.Node, failed.StartedAtMs, failed.EndedAtMs);
        });
        Command<ClusterEvent.MemberRemoved>(removed =>
        {
            if (_state.Campaign is not null && !_state.IsOver)
            {
                Timers.StartSingleTimer($"member-left-{removed.Member.Address}", new ResendAfterMemberLeft(removed.Member.Address.ToString()), AfterMemberLeft);
            }
        });
        Command<ResendAfterMemberLeft>(left =>
        {
            if (_state.Campaign is not null && !_state.IsOver)
            {
                ResendInFlight($"member {left.Address} left");
            }
        });
        Command<Watchdog>(_ =>
        {
            if (_state.Campaign is null || _state.IsOver)
            {
                return;
            }
            var now = DateTime.UtcNow;
            var silent = _state.InFlight.Where(t => !_lastHeard.TryGetValue(t.Trial.TrialId, out var heard) || now - heard > SilenceLimit)
                .Select(t => t.Trial.TrialId).ToHashSet();
            if (silent.Count > 0)
            {
                ResendInFlight($"no word for {SilenceLimit.TotalSeconds:F0} s", silent);
            }
        });
        Command<ClusterEvent.IMemberEvent>(_ => { });
    }

    private bool IsCurrent(string trialId, int attempt) =>
        _state.Campaign is not null && !_state.IsOver && !_state.Finished.ContainsKey(trialId)
        && _state.Attempts.TryGetValue(trialId, out var current) && current == attempt;

    private void Finish(string trialId, TrialStatus status, double? loss, IReadOnlyDictionary<string, double> metrics, string? error,
        IReadOnlyList<string> artifacts, string node, long startedAtMs, long endedAtMs, IReadOnlyList<ArtifactFile>? files = null)
    {
        var trial = _state.Campaign!.Trials.First(t => t.TrialId == trialId);
        var attempts = _state.Attempts[trialId];
        var statusText = status.ToString().ToLowerInvariant();
        var result = new TrialResult(_campaignId, trialId, trial.Index, trial.Parameters, trial.Seed, status, loss, metrics, error, artifacts, node, attempts, startedAtMs, endedAtMs,
            files, files is { Count: > 0 } ? ArtifactLayout.TrialFolder(_campaignId, trialId) : null);
        Persist(new TrialFinished(_campaignId, trialId, statusText, loss, result), e =>
        {
            _state = _state.Apply(e);
            Deliver(result);
            _log.Info("Trial {TrialId} {Status} (loss {Loss}) — {Finished}/{Planned} done", trialId, statusText, loss, _state.Finished.Count, _state.Campaign!.Trials.Length);
            if (_state.AllFinished)
            {
                End("completed", () => { });
            }
            else
            {
                DispatchMore();
            }
        });
    }

    private void DispatchMore()
    {
        var next = _state.NextToDispatch(_defaultSlots).ToDictionary(t => t.TrialId);
        if (next.Count == 0)
        {
            return;
        }
        PersistAll(next.Values.Select(t => new TrialAttemptStarted(_campaignId, t.TrialId, 1)), e =>
        {
            _state = _state.Apply(e);
            Start(next[e.TrialId], 1);
        });
    }

    private void Start(PlannedTrial trial, int attempt)
    {
        _lastHeard[trial.TrialId] = DateTime.UtcNow;
        if (!Timers.IsTimerActive("watchdog"))
        {
            Timers.StartPeriodicTimer("watchdog", Watchdog.Instance, WatchdogInterval);
        }
        _trials.Tell(new StartTrial(_campaignId, trial.TrialId, attempt, trial.Spec, trial.Seed, _state.Campaign!.Device), Self);
    }

    private void ResendInFlight(string why, IReadOnlySet<string>? only = null)
    {
        var inFlight = _state.InFlight.Where(t => only is null || only.Contains(t.Trial.TrialId)).ToArray();
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
        Persist(new CampaignEnded(_campaignId, status, Now()), e =>
        {
            _state = _state.Apply(e);
            foreach (var (trial, _) in _state.InFlight)
            {
                _trials.Tell(new StopTrial(_campaignId, trial.TrialId, $"campaign {status}"));
            }
            _endedAtMs = e.AtMs;
            _log.Info("Campaign {CampaignId} {Status}", _campaignId, status);
            Timers.Cancel("watchdog");
            Timers.Cancel("wall-time");
            DeliverStatus(status, e.AtMs);
            then();
        });
    }

    private CampaignStatus Status() => _state.ToStatus(_campaignId) with { Unrecorded = _unrecorded.Count + (_unrecordedStatus is null ? 0 : 1) };

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
        if (_settled || !_state.IsOver || _unrecorded.Count > 0 || _unrecordedStatus is not null)
        {
            return;
        }
        _settled = true;
        Timers.Cancel("redeliver");
        Persist(new CampaignSettled(_campaignId), _ => _log.Debug("Campaign {CampaignId} settled: every result is stored", _campaignId));
    }

    private void ScheduleWallTime()
    {
        if (_state.Campaign?.WallTimeMs is { } wall)
        {
            var left = _state.Campaign.SubmittedAtMs + wall - Now();
            Timers.StartSingleTimer("wall-time", WallTimeUp.Instance, TimeSpan.FromMilliseconds(Math.Max(0, left)));
        }
    }
}
