using System.Collections.Immutable;
using Akka.Actor;
using Akka.Event;
using ClusterML.Core.Engines;
using ClusterML.Core.Messages;

namespace ClusterML.Cluster.Trials;

/// <summary>
/// A sharded trial entity (role <c>worker</c>): runs one attempt at a time of its trial with the engine that accepts the
/// spec, off the actor thread, after taking a slot of the node's <see cref="WorkerSlots"/>. Progress goes to the requester
/// as <see cref="TrialProgressed"/>; the end as <see cref="TrialCompleted"/>, <see cref="TrialStopped"/> or
/// <see cref="TrialFailed"/>. <see cref="StopTrial"/> cancels the engine through its token. Stopping the entity (hand-off,
/// passivation, node shutdown) cancels a running engine too.
/// </summary>
public sealed class TrialActor : ReceiveActor, IWithStash
{
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly string _entityId;
    private readonly IReadOnlyList<IEngine> _engines;
    private readonly WorkerSlots _slots;
    private readonly string _node;
    private Action _abortRun = static () => { };
    private (int Attempt, object Reply)? _lastReply;

    public TrialActor(string entityId, IReadOnlyList<IEngine> engines, WorkerSlots slots)
    {
        (_entityId, _engines, _slots) = (entityId, engines, slots);
        _node = Akka.Cluster.Cluster.Get(Context.System).SelfAddress.ToString();
        Idle();
    }

    public IStash Stash { get; set; } = null!;

    public static Props Props(string entityId, IReadOnlyList<IEngine> engines, WorkerSlots slots) =>
        Akka.Actor.Props.Create(() => new TrialActor(entityId, engines, slots));

    private sealed record Finished(StartTrial Command, TrainingOutcome Outcome, long StartedAtMs) : INoSerializationVerificationNeeded;

    private sealed record Cancelled(StartTrial Command, int Epoch, string Reason, long StartedAtMs) : INoSerializationVerificationNeeded;

    private sealed record Crashed(StartTrial Command, Exception Cause, long StartedAtMs) : INoSerializationVerificationNeeded;

    private static long Now() => DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();

    private void Idle()
    {
        Receive<StartTrial>(start =>
        {
            var requester = Sender;
            if (_lastReply is { } last && start.Attempt <= last.Attempt)
            {
                requester.Tell(last.Reply); // a duplicate start (re-sent after a node left): answer again, do not run again
                return;
            }
            var startedAt = Now();
            if (_engines.FirstOrDefault(e => e.Accepts(start.Spec)) is not { } engine)
            {
                requester.Tell(new TrialFailed(start.CampaignId, start.TrialId, start.Attempt, $"no engine for {start.Spec.GetType().Name}", _node, startedAt, Now()));
                return;
            }
            _log.Info("Trial {TrialId} of campaign {CampaignId} attempt {Attempt} queued on {Node}", start.TrialId, start.CampaignId, start.Attempt, _node);
            var cancel = new CancellationTokenSource();
            var reason = new StrongBox<string>("cancelled");
            var lastEpoch = new StrongBox<int>(0);
            var progress = new ProgressRelay(start, requester, lastEpoch);
            RunAsync(engine, start, progress, cancel.Token)
                .ContinueWith(task => task switch
                {
                    { IsCompletedSuccessfully: true } => (object)new Finished(start, task.Result, startedAt),
                    { IsCanceled: true } => new Cancelled(start, lastEpoch.Value, reason.Value, startedAt),
                    { Exception.InnerException: OperationCanceledException } => new Cancelled(start, lastEpoch.Value, reason.Value, startedAt),
                    _ => new Crashed(start, task.Exception!.GetBaseException(), startedAt),
                }, TaskScheduler.Default)
                .PipeTo(Self, sender: requester);
            _abortRun = () =>
            {
                if (!cancel.IsCancellationRequested)
                {
                    cancel.Cancel();
                }
            };
            Become(() => Running(start, cancel, reason));
        });
        Receive<StopTrial>(_ => { }); // nothing running: a late stop is harmless
    }

    private async Task<TrainingOutcome> RunAsync(IEngine engine, StartTrial start, IProgress<TrainingProgress> progress, CancellationToken token)
    {
        using var slot = await _slots.AcquireAsync(token).ConfigureAwait(false);
        token.ThrowIfCancellationRequested();
        // A dedicated thread per running trial: engines compute for minutes, and on the thread pool they would starve the
        // actors (the cluster's heartbeats among them) of threads on a busy machine.
        var outcome = new TaskCompletionSource<TrainingOutcome>(TaskCreationOptions.RunContinuationsAsynchronously);
        var thread = new Thread(() =>
        {
            try
            {
                outcome.SetResult(engine.Train(start.Spec, new RunContext(start.Seed, start.Device, progress), token));
            }
            catch (OperationCanceledException) when (token.IsCancellationRequested)
            {
                outcome.SetCanceled(token);
            }
            catch (Exception e)
            {
                outcome.SetException(e);
            }
        })
        {
            IsBackground = true,
            Name = $"trial {start.TrialId}",
        };
        thread.Start();
        return await outcome.Task.ConfigureAwait(false);
    }

    private void Running(StartTrial current, CancellationTokenSource cancel, StrongBox<string> reason)
    {
        Receive<Finished>(done =>
        {
            var outcome = done.Outcome;
            Reply(current, new TrialCompleted(current.CampaignId, current.TrialId, current.Attempt, outcome.FinalLoss,
                (outcome.Metrics ?? ImmutableDictionary<string, double>.Empty).ToImmutableDictionary(),
                [.. outcome.LossCurve], [.. outcome.Artifacts ?? []], _node, done.StartedAtMs, Now()));
            BackToIdle(cancel);
        });
        Receive<Cancelled>(stopped =>
        {
            Reply(current, new TrialStopped(current.CampaignId, current.TrialId, current.Attempt, stopped.Epoch, stopped.Reason, _node, stopped.StartedAtMs, Now()));
            BackToIdle(cancel);
        });
        Receive<Crashed>(crash =>
        {
            _log.Warning(crash.Cause, "Trial {TrialId} of campaign {CampaignId} attempt {Attempt} failed", current.TrialId, current.CampaignId, current.Attempt);
            Reply(current, new TrialFailed(current.CampaignId, current.TrialId, current.Attempt, crash.Cause.Message, _node, crash.StartedAtMs, Now()));
            BackToIdle(cancel);
        });
        Receive<StopTrial>(stop =>
        {
            _log.Info("Stopping trial {TrialId} of campaign {CampaignId}: {Reason}", stop.TrialId, stop.CampaignId, stop.Reason);
            reason.Value = stop.Reason;
            _abortRun();
        });
        Receive<StartTrial>(start =>
        {
            if (start.Attempt == current.Attempt)
            {
                return; // a redelivered start of the attempt already running
            }
            Stash.Stash();
        });
    }

    private void Reply(StartTrial current, object reply)
    {
        _lastReply = (current.Attempt, reply);
        Sender.Tell(reply);
    }

    private void BackToIdle(CancellationTokenSource cancel)
    {
        cancel.Dispose();
        _abortRun = static () => { };
        Become(Idle);
        Stash.UnstashAll();
    }

    protected override void PostStop() => _abortRun();

    /// <summary>Forwards the engine's per-epoch progress to the requester (IActorRef.Tell is thread-safe).</summary>
    private sealed class ProgressRelay(StartTrial start, IActorRef requester, StrongBox<int> lastEpoch) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress value)
        {
            lastEpoch.Value = value.Epoch;
            var metrics = ImmutableDictionary<string, double>.Empty.Add("train_loss", value.TrainLoss);
            if (value.ValidationLoss is { } validation)
            {
                metrics = metrics.Add("validation_loss", validation);
            }
            foreach (var (name, metric) in value.Metrics ?? ImmutableDictionary<string, double>.Empty)
            {
                metrics = metrics.SetItem(name, metric);
            }
            requester.Tell(new TrialProgressed(start.CampaignId, start.TrialId, start.Attempt, value.Epoch, metrics));
        }
    }
}
