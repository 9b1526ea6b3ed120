using System.Collections.Immutable;
using Akka.Actor;
using Akka.Event;
using ClusterML.Cluster.Files;
using ClusterML.Core.Engines;
using ClusterML.Core.Files;
using ClusterML.Core.Messages;
using ClusterML.Core.Specs;

namespace ClusterML.Cluster.Trials;

/// <summary>
/// A sharded trial entity (role <c>worker</c>): runs one attempt at a time of its trial with the engine that accepts the
/// spec, off the actor thread, after taking a slot of the node's <see cref="WorkerSlots"/>. Progress goes to the requester
/// as <see cref="TrialProgressed"/>; the end as <see cref="TrialCompleted"/>, <see cref="TrialStopped"/> or
/// <see cref="TrialFailed"/>. <see cref="StopTrial"/> cancels the engine through its token. Stopping the entity (hand-off,
/// passivation, node shutdown) cancels a running engine too.
/// With <see cref="NodeFiles"/> (every real node), files travel through the cluster: the spec's input blobs are fetched into
/// this node's store (leased while the engine reads them) and the engine sees local paths; the attempt writes its artifacts
/// and its own log (<c>trial.log</c>) into a staging folder, which is offered to the aggregator (<see cref="StoreArtifacts"/>)
/// and deleted once the aggregator has landed it. The attempt completes only after that: an attempt whose artifacts cannot be
/// stored fails (and is retried like any failure), and a node that dies mid-upload leaves nothing on the aggregator's side.
/// </summary>
public sealed class TrialActor : ReceiveActor, IWithStash
{
    private readonly ILoggingAdapter _log = Context.GetLogger();

    /// <summary>
    /// The user-facing trial lines (started, ended), under the category <c>ClusterML.Worker</c> of the host's logger factory:
    /// Akka's own log stream is kept at warnings unless --verbose, which would hide them. Null without a host (actor tests).
    /// </summary>
    private readonly Microsoft.Extensions.Logging.ILogger? _events = WorkerEvents(Context.System);

    private static Microsoft.Extensions.Logging.ILogger? WorkerEvents(ActorSystem system)
    {
        try
        {
            return (Akka.DependencyInjection.DependencyResolver.For(system).Resolver.GetService<Microsoft.Extensions.Logging.ILoggerFactory>())?.CreateLogger("ClusterML.Worker");
        }
        catch (Exception ex) when (ex is InvalidOperationException or NullReferenceException or ArgumentException)
        {
            return null; // no dependency injection in this actor system
        }
    }

    /// <summary>A user-facing line at information level (through the host's logger when there is one, else Akka's).</summary>
    private void Say(string template, params object[] values)
    {
        if (_events is { } events)
        {
#pragma warning disable CA2254 // the templates are constants of this class
            Microsoft.Extensions.Logging.LoggerExtensions.LogInformation(events, template, values);
#pragma warning restore CA2254
        }
        else
        {
            _log.Info(template, values);
        }
    }
    private readonly string _entityId;
    private readonly IReadOnlyList<IEngine> _engines;
    private readonly WorkerSlots _slots;
    private readonly string _node;
    private readonly NodeFiles? _files;
    private readonly IActorRef? _aggregator;
    private readonly IShardGroups? _shards;
    private readonly IFitCheckpoints? _checkpoints;
    private Action _abortRun = static () => { };
    private (int Attempt, object Reply)? _lastReply;

    public TrialActor(string entityId, IReadOnlyList<IEngine> engines, WorkerSlots slots, NodeFiles? files = null, IActorRef? aggregator = null, IShardGroups? shards = null,
        IFitCheckpoints? checkpoints = null)
    {
        (_entityId, _engines, _slots, _files, _aggregator, _shards, _checkpoints) = (entityId, engines, slots, files, aggregator, shards, checkpoints);
        _node = Akka.Cluster.Cluster.Get(Context.System).SelfAddress.ToString();
        Idle();
    }

    public IStash Stash { get; set; } = null!;

    /// <summary>
    /// A trial entity. <paramref name="files"/> and <paramref name="aggregator"/> (both or neither) make it fetch input blobs and
    /// send artifacts; without them the engine reads the spec's paths as they are and keeps no artifacts (actor tests).
    /// </summary>
    /// <paramref name="shards"/> lets a trial spread its data over the cluster's workers (a sharded NEP fit);
    /// <paramref name="checkpoints"/> keeps its checkpoints (under the fit id <see cref="FitIdOf"/>) for its next attempt.
    public static Props Props(string entityId, IReadOnlyList<IEngine> engines, WorkerSlots slots, NodeFiles? files = null, IActorRef? aggregator = null,
        IShardGroups? shards = null, IFitCheckpoints? checkpoints = null) =>
        // Not Props.Create(() => new …): that compiles an expression for every trial entity, which a campaign of 10⁵ trials pays 10⁵ times.
        Akka.Actor.Props.Create(typeof(TrialActor), entityId, engines, slots, files, aggregator, shards, checkpoints);

    /// <summary>The fit id of a trial's checkpoints: the same for all its attempts, distinct across campaigns.</summary>
    public static string FitIdOf(string campaignId, string trialId) => FitIds.Of(campaignId, trialId);

    /// <summary>How long the aggregator may take to land an attempt's artifacts: a minute plus 10 s per 100 MB.</summary>
    private static TimeSpan UploadTimeout(long bytes) => TimeSpan.FromSeconds(60 + bytes / 10_000_000.0);

    /// <summary>
    /// One offer's wait: 15 s plus 10 s per 100 MB, then the offer is made again (up to <see cref="UploadTimeout"/> in all). An
    /// offer sent to an aggregator that died with its node is never answered, and the singleton proxy sends the next offer to
    /// the aggregator's new home; landing the same attempt twice is harmless (the second replaces the first).
    /// </summary>
    private static TimeSpan OfferTimeout(long bytes) => TimeSpan.FromSeconds(15 + bytes / 10_000_000.0);

    private sealed record Attempted(TrainingOutcome Outcome, IReadOnlyList<ArtifactFile> Files);

    private sealed record Finished(StartTrial Command, Attempted Result, long StartedAtMs) : INoSerializationVerificationNeeded;

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
                requester.Tell(new TrialFailed(start.CampaignId, start.TrialId, start.Attempt, $"no engine for {start.Spec.GetType().Name}", _node, startedAt, Now(), start.Token));
                return;
            }
            _log.Debug("Trial {TrialId} of campaign {CampaignId} attempt {Attempt} queued on {Node}", start.TrialId, start.CampaignId, start.Attempt, _node);
            Context.SetReceiveTimeout(null);
            var cancel = new CancellationTokenSource();
            var reason = new StrongBox<string>("cancelled");
            var lastEpoch = new StrongBox<int>(0);
            var log = _files is null ? null : new TrialLog(_files.StagingFolder(start.CampaignId, start.TrialId, start.Attempt));
            var progress = new ProgressRelay(start, requester, lastEpoch, log);
            var ended = new StrongBox<bool>(false);
            RunAsync(engine, start, requester, progress, log, ended, cancel.Token)
                .ContinueWith(task =>
                {
                    ended.Value = true;
                    return task switch
                    {
                        { IsCompletedSuccessfully: true } => (object)new Finished(start, task.Result, startedAt),
                        { IsCanceled: true } => new Cancelled(start, lastEpoch.Value, reason.Value, startedAt),
                        { Exception.InnerException: OperationCanceledException } => new Cancelled(start, lastEpoch.Value, reason.Value, startedAt),
                        _ => new Crashed(start, task.Exception!.GetBaseException(), startedAt),
                    };
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
        Receive<ReceiveTimeout>(_ =>
        {
            Context.SetReceiveTimeout(null);
            Context.Parent.Tell(new Akka.Cluster.Sharding.Passivate(PoisonPill.Instance));
        });
    }

    /// <summary>
    /// Takes a slot, fetches the inputs and runs the engine; then gives the slot back before offering the artifacts, so the
    /// node computes the next trial while the aggregator stores this one's (waiting for its batch to commit, or for a model
    /// to travel, would otherwise hold the slot idle).
    /// </summary>
    private async Task<Attempted> RunAsync(IEngine engine, StartTrial start, IActorRef requester, IProgress<TrainingProgress> progress, TrialLog? log, StrongBox<bool> ended, CancellationToken token)
    {
        var slot = await _slots.AcquireAsync(token).ConfigureAwait(false);
        if (!token.IsCancellationRequested)
        {
            requester.Tell(new TrialRunning(start.CampaignId, start.TrialId, start.Attempt, _node, start.Token)); // it leaves the queue now
            // One line when a trial has run for a second (a campaign of 10⁵ instant trials logs none; they are at debug).
            _ = Task.Delay(LongTrial, token).ContinueWith(_ =>
                {
                    if (!ended.Value)
                    {
                        Say("Trial {TrialId} of campaign {CampaignId} (attempt {Attempt}) started on this node", start.TrialId, start.CampaignId, start.Attempt);
                    }
                },
                CancellationToken.None, TaskContinuationOptions.OnlyOnRanToCompletion, TaskScheduler.Default);
        }
        if (log is null)
        {
            using (slot)
            {
                token.ThrowIfCancellationRequested();
                return new Attempted(await RunEngineAsync(engine, start.Spec, new RunContext(start.Seed, start.Device, progress, Shards: _shards, Checkpoints: _checkpoints, FitId: FitIdOf(start.CampaignId, start.TrialId),
                    UntilEpoch: start.UntilEpoch, StartFrom: start.StartFrom is { } from ? FitIdOf(start.CampaignId, from) : null), token).ConfigureAwait(false), []);
            }
        }
        var leases = new List<IDisposable>();
        try
        {
            TrainingOutcome outcome;
            using (slot)
            {
                token.ThrowIfCancellationRequested();
                log.Begin();
                log.Write($"attempt {start.Attempt} of trial {start.TrialId} (campaign {start.CampaignId}) on {_node}, seed {start.Seed}, device {start.Device}");
                var spec = await LocalInputsAsync(start.Spec, requester, leases, log, token).ConfigureAwait(false);
                outcome = await RunEngineAsync(engine, spec, new RunContext(start.Seed, start.Device, progress, log.Folder, _shards, _checkpoints, FitIdOf(start.CampaignId, start.TrialId),
                    start.UntilEpoch, start.StartFrom is { } from ? FitIdOf(start.CampaignId, from) : null), token).ConfigureAwait(false);
            }
            log.Write($"finished: loss {outcome.FinalLoss:G6}; {string.Join(", ", (outcome.Metrics ?? ImmutableDictionary<string, double>.Empty).OrderBy(m => m.Key, StringComparer.Ordinal).Select(m => $"{m.Key}={m.Value:G6}"))}");
            var files = await UploadAsync(start, log, token).ConfigureAwait(false);
            return new Attempted(outcome with { Artifacts = [.. (outcome.Artifacts ?? []).Select(a => Relative(log.Folder, a))] }, files);
        }
        finally
        {
            leases.ForEach(l => l.Dispose());
            log.Delete();
        }
    }

    /// <summary>The spec with every input blob replaced by this node's copy (fetched from the coordinator's node or any other).</summary>
    private async Task<ITrialSpec> LocalInputsAsync(ITrialSpec spec, IActorRef requester, List<IDisposable> leases, TrialLog log, CancellationToken token)
    {
        if (spec is not IReadsFiles reads || reads.InputFiles.All(f => f.Blob is null))
        {
            return spec;
        }
        var hints = requester.Path.Address.HasGlobalScope ? new[] { requester.Path.Address } : [];
        var local = new List<InputFile>();
        foreach (var input in reads.InputFiles)
        {
            if (input.Blob is not { } blob)
            {
                local.Add(input);
                continue;
            }
            var clock = System.Diagnostics.Stopwatch.StartNew();
            var (path, lease) = await _files!.AcquireAsync(blob, hints, token).ConfigureAwait(false);
            leases.Add(lease);
            log.Write($"input {input.Field}: {blob} at {path} ({clock.Elapsed.TotalSeconds:F2} s)");
            local.Add(input with { Path = path });
        }
        return reads.WithInputFiles(local);
    }

    /// <summary>Hashes every file of the staging folder, offers them to the aggregator and waits until it has landed them.</summary>
    private async Task<IReadOnlyList<ArtifactFile>> UploadAsync(StartTrial start, TrialLog log, CancellationToken token)
    {
        log.Write("sending artifacts to the aggregator");
        var logContent = log.Close();
        var files = new List<ArtifactFile>();
        long inline = 0;
        if (logContent.Length <= ArtifactFile.MaxInlineBytes)
        {
            files.Add(ArtifactFile.Inline("trial.log", logContent));
            inline = logContent.Length;
        }
        else
        {
            // A long log (thousands of progress lines) travels as a file, like any large artifact.
            Directory.CreateDirectory(log.Folder);
            var logPath = Path.Combine(log.Folder, "trial.log");
            await File.WriteAllBytesAsync(logPath, logContent, token).ConfigureAwait(false);
            var (logSha256, logSize) = await BlobStore.HashFileAsync(logPath, token).ConfigureAwait(false);
            files.Add(new ArtifactFile("trial.log", logSize, logSha256));
        }
        if (Directory.Exists(log.Folder))
        {
            foreach (var path in Directory.EnumerateFiles(log.Folder, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
            {
                var relative = Path.GetRelativePath(log.Folder, path).Replace('\\', '/');
                if (relative == "trial.log")
                {
                    continue; // the attempt's own log is ours
                }
                var length = new FileInfo(path).Length;
                if (inline + length <= ArtifactFile.MaxInlineBytes)
                {
                    var file = ArtifactFile.Inline(relative, await File.ReadAllBytesAsync(path, token).ConfigureAwait(false));
                    files.Add(file);
                    inline += file.Size;
                    continue;
                }
                var (sha256, size) = await BlobStore.HashFileAsync(path, token).ConfigureAwait(false);
                files.Add(new ArtifactFile(relative, size, sha256));
            }
        }
        var exposed = files.Where(f => f.Content is null).Select(f => _files!.Store.Expose(f.Sha256, Path.Combine(log.Folder, f.Path))).ToArray();
        var bytes = files.Sum(f => f.Size);
        try
        {
            var deadline = DateTime.UtcNow + UploadTimeout(bytes);
            object answer;
            while (true)
            {
                try
                {
                    answer = await _aggregator!.Ask<object>(new StoreArtifacts(start.CampaignId, start.TrialId, start.Attempt, files), OfferTimeout(bytes), token)
                        .ConfigureAwait(false);
                    break;
                }
                catch (AskTimeoutException) when (DateTime.UtcNow < deadline - OfferTimeout(bytes) / 2)
                {
                    log.Write("the aggregator did not answer; offering the artifacts again");
                }
            }
            return answer switch
            {
                ArtifactsStored { LogInStore: true } => [], // only the log, kept in the results store: no artifact files
                ArtifactsStored => [.. files.Select(f => f with { Content = null })],
                ArtifactsNotStored refused => throw new InvalidOperationException($"the aggregator could not store the artifacts: {refused.Error}"),
                _ => throw new InvalidOperationException($"the aggregator answered {answer.GetType().Name}"),
            };
        }
        catch (AskTimeoutException)
        {
            throw new TimeoutException($"the aggregator did not store the artifacts ({files.Count} files, {Bytes.Show(bytes)}) within {UploadTimeout(bytes).TotalSeconds:F0} s");
        }
        finally
        {
            foreach (var e in exposed)
            {
                e.Dispose();
            }
        }
    }

    private static string Relative(string folder, string artifact) =>
        Path.IsPathRooted(artifact) ? Path.GetRelativePath(folder, artifact).Replace('\\', '/') : artifact;

    /// <summary>The engine on one of the node's slot threads (the caller holds a slot).</summary>
    private Task<TrainingOutcome> RunEngineAsync(IEngine engine, ITrialSpec spec, RunContext context, CancellationToken token) =>
        _slots.RunAsync(() => engine.Train(spec, context, token));

    private void Running(StartTrial current, CancellationTokenSource cancel, StrongBox<string> reason)
    {
        Receive<Finished>(done =>
        {
            var outcome = done.Result.Outcome;
            LogEnd(current, done.StartedAtMs, $"completed (loss {outcome.FinalLoss:G6})");
            Reply(current, new TrialCompleted(current.CampaignId, current.TrialId, current.Attempt, outcome.FinalLoss,
                (outcome.Metrics ?? ImmutableDictionary<string, double>.Empty).ToImmutableDictionary(),
                [.. outcome.LossCurve], [.. outcome.Artifacts ?? []], _node, done.StartedAtMs, Now(), done.Result.Files, current.Token));
            BackToIdle(cancel);
        });
        Receive<Cancelled>(stopped =>
        {
            if (_checkpoints is { } checkpoints && stopped.Reason.StartsWith("early stopping", StringComparison.Ordinal))
            {
                // Stopped for good (a cancelled campaign may be resumed, and continues from its checkpoints).
                _ = checkpoints.ForgetAsync(FitIdOf(current.CampaignId, current.TrialId), CancellationToken.None);
            }
            LogEnd(current, stopped.StartedAtMs, $"stopped ({stopped.Reason})");
            Reply(current, new TrialStopped(current.CampaignId, current.TrialId, current.Attempt, stopped.Epoch, stopped.Reason, _node, stopped.StartedAtMs, Now(), current.Token));
            BackToIdle(cancel);
        });
        Receive<Crashed>(crash =>
        {
            // Bad input (a setting, an input file) fails every attempt the same way: the coordinator does not retry it.
            var permanent = crash.Cause is ClusterML.Core.Validation.InvalidInputException;
            if (permanent)
            {
                _log.Warning("Trial {TrialId} of campaign {CampaignId} attempt {Attempt} failed on its input: {Error}", current.TrialId, current.CampaignId, current.Attempt, crash.Cause.Message);
            }
            else
            {
                _log.Warning(crash.Cause, "Trial {TrialId} of campaign {CampaignId} attempt {Attempt} failed", current.TrialId, current.CampaignId, current.Attempt);
            }
            Reply(current, new TrialFailed(current.CampaignId, current.TrialId, current.Attempt, crash.Cause.Message, _node, crash.StartedAtMs, Now(), current.Token, permanent));
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
        // A finished trial's entity goes away once idle (a campaign of 10⁵ trials would otherwise keep 10⁵ actors); a start
        // that comes after that runs the attempt again, and the coordinator keeps the first result.
        if (Context.Parent.Path.ToStringWithoutAddress().StartsWith("/system/sharding/", StringComparison.Ordinal))
        {
            Context.SetReceiveTimeout(IdleAfterReply);
        }
    }

    /// <summary>Trials that run at least this long get a start and an end line at information level (shorter ones at debug).</summary>
    private static readonly TimeSpan LongTrial = TimeSpan.FromSeconds(1);

    /// <summary>The end line of an attempt: information for a trial that ran <see cref="LongTrial"/> or more, else debug.</summary>
    private void LogEnd(StartTrial start, long startedAtMs, string outcome)
    {
        var seconds = (Now() - startedAtMs) / 1000.0;
        if (seconds >= LongTrial.TotalSeconds)
        {
            Say("Trial {TrialId} of campaign {CampaignId} (attempt {Attempt}) {Outcome} after {Seconds:F1} s", start.TrialId, start.CampaignId, start.Attempt, outcome, seconds);
        }
        else
        {
            _log.Debug("Trial {TrialId} of campaign {CampaignId} (attempt {Attempt}) {Outcome} after {Seconds:F3} s", start.TrialId, start.CampaignId, start.Attempt, outcome, seconds);
        }
    }

    /// <summary>How long a finished trial's entity keeps its last reply for duplicate starts before it is passivated.</summary>
    private static readonly TimeSpan IdleAfterReply = TimeSpan.FromSeconds(1);

    protected override void PostStop() => _abortRun();

    /// <summary>Forwards the engine's per-epoch progress to the requester (IActorRef.Tell is thread-safe).</summary>
    private sealed class ProgressRelay(StartTrial start, IActorRef requester, StrongBox<int> lastEpoch, TrialLog? log) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress value)
        {
            lastEpoch.Value = value.Epoch;
            log?.Write($"{value.Stage} epoch {value.Epoch}/{value.Epochs}: train_loss {value.TrainLoss:G6}"
                + (value.ValidationLoss is { } v ? $", validation_loss {v:G6}" : "")
                + string.Concat((value.Metrics ?? ImmutableDictionary<string, double>.Empty).OrderBy(m => m.Key, StringComparer.Ordinal).Select(m => $", {m.Key} {m.Value:G6}")));
            var metrics = ImmutableDictionary<string, double>.Empty.Add("train_loss", value.TrainLoss);
            if (value.ValidationLoss is { } validation)
            {
                metrics = metrics.Add("validation_loss", validation);
            }
            foreach (var (name, metric) in value.Metrics ?? ImmutableDictionary<string, double>.Empty)
            {
                metrics = metrics.SetItem(name, metric);
            }
            requester.Tell(new TrialProgressed(start.CampaignId, start.TrialId, start.Attempt, value.Epoch, metrics, start.Token));
        }
    }
}
