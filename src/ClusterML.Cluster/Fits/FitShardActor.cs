using System.Diagnostics;
using Akka.Actor;
using Akka.Event;
using ClusterML.Cluster.Files;
using ClusterML.Core.Engines;
using ClusterML.Core.Messages;

namespace ClusterML.Cluster.Fits;

/// <summary>
/// A data shard of a sharded fit, as a sharded entity on the worker role (<c>fit~shard</c>). <see cref="FitShardLoad"/>
/// fetches its frames (a blob, through <see cref="NodeFiles"/>) and builds its tensors once with the objective of that kind;
/// then it answers <see cref="FitShardForward"/> and <see cref="FitShardBackward"/> with <see cref="FitShardResult"/>s.
/// Work runs off the actor thread, one request at a time, on the node's <see cref="ComputeThreads"/> (one per slot, so a node
/// with one slot computes one shard at a time); requests that arrive meanwhile wait. A shard that was never loaded here (new, or
/// moved after its node died) answers <see cref="FitShardRefused"/> with <c>NotLoaded</c>, and the coordinator loads it again.
/// Idle for long (its coordinator died), it is passivated and frees its memory.
/// </summary>
public sealed class FitShardActor : ReceiveActor, IWithStash
{
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly IReadOnlyList<IShardObjective> _objectives;
    private readonly ComputeThreads _threads;
    private readonly NodeFiles? _files;
    private readonly string _node;
    private IShardCompute? _compute;
    private string? _fitId;
    private Task? _running;
    private bool _releaseWhenDone;

    public FitShardActor(IReadOnlyList<IShardObjective> objectives, ComputeThreads threads, NodeFiles? files)
    {
        (_objectives, _threads, _files) = (objectives, threads, files);
        _node = Akka.Cluster.Cluster.Get(Context.System).SelfAddress.ToString();
        Ready();
    }

    public IStash Stash { get; set; } = null!;

    public static Props Props(IReadOnlyList<IShardObjective> objectives, ComputeThreads threads, NodeFiles? files) =>
        Akka.Actor.Props.Create(() => new FitShardActor(objectives, threads, files));

    private sealed record Done(object Reply, IActorRef ReplyTo, IShardCompute? Loaded, string? FitId) : INoSerializationVerificationNeeded;

    private void Ready()
    {
        Receive<FitShardLoad>(load =>
        {
            if (_compute is not null && _fitId == load.FitId)
            {
                Sender.Tell(new FitShardLoaded(load.FitId, load.Shard, _node, _compute.Frames, _compute.Bytes, 0));
                return;
            }
            Run(load.FitId, load.Shard, 0, () => LoadAsync(load));
        });
        Receive<FitShardForward>(forward =>
        {
            if (NotLoaded(forward.FitId, forward.Shard, forward.Step))
            {
                return;
            }
            var compute = _compute!;
            Run(forward.FitId, forward.Shard, forward.Step, () => ComputeAsync(forward.FitId, forward.Shard, forward.Step, () => compute.Forward(forward.Batch, forward.Parameters)));
        });
        Receive<FitShardBackward>(backward =>
        {
            if (NotLoaded(backward.FitId, backward.Shard, backward.Step))
            {
                return;
            }
            var compute = _compute!;
            Run(backward.FitId, backward.Shard, backward.Step, () => ComputeAsync(backward.FitId, backward.Shard, backward.Step, () => compute.Backward(backward.Coefficients)));
        });
        Receive<FitShardRelease>(_ => Context.Stop(Self));
    }

    private bool NotLoaded(string fitId, int shard, long step)
    {
        if (_compute is not null && _fitId == fitId)
        {
            return false;
        }
        Sender.Tell(new FitShardRefused(fitId, shard, step, NotLoaded: true, $"shard {shard} is not loaded on {_node}"));
        return true;
    }

    /// <summary>Runs <paramref name="work"/> off the actor thread; until it is done, other requests wait in the stash.</summary>
    private void Run(string fitId, int shard, long step, Func<Task<Done>> work)
    {
        var replyTo = Sender;
        var running = Task.Run(work);
        _running = running;
        running.ContinueWith(
            task => task.IsCompletedSuccessfully
                ? task.Result with { ReplyTo = replyTo }
                : new Done(new FitShardRefused(fitId, shard, step, NotLoaded: false, task.Exception?.GetBaseException().Message ?? "cancelled"), replyTo, null, null),
            TaskScheduler.Default).PipeTo(Self);
        Become(Busy);
    }

    private void Busy()
    {
        Receive<Done>(done =>
        {
            if (done.Loaded is not null)
            {
                _compute?.Dispose();
                (_compute, _fitId) = (done.Loaded, done.FitId);
            }
            if (done.Reply is FitShardRefused refused)
            {
                _log.Warning("Fit {FitId} shard {Shard}: {Reason}", refused.FitId, refused.Shard, refused.Reason);
            }
            done.ReplyTo.Tell(done.Reply);
            if (_releaseWhenDone)
            {
                Context.Stop(Self);
                return;
            }
            Become(Ready);
            Stash.UnstashAll();
        });
        Receive<FitShardRelease>(_ => _releaseWhenDone = true);
        ReceiveAny(_ => Stash.Stash());
    }

    private async Task<Done> LoadAsync(FitShardLoad load)
    {
        var clock = Stopwatch.StartNew();
        var objective = _objectives.FirstOrDefault(o => o.Kind == load.Kind)
            ?? throw new InvalidOperationException($"this node cannot host '{load.Kind}' shards");
        if (_files is null)
        {
            throw new InvalidOperationException("this node has no blob store to fetch shard frames into");
        }
        var hints = load.Origin is { } origin ? new[] { Address.Parse(origin) } : [];
        var (path, lease) = await _files.AcquireAsync(load.Frames, hints, CancellationToken.None).ConfigureAwait(false);
        using (lease)
        {
            var compute = await _threads.RunAsync(() => objective.Load(new ShardData(load.Kind, load.Shard, path, load.Batches, load.Model, load.Dtype, load.Device))).ConfigureAwait(false);
            _log.Info("Fit {FitId} shard {Shard}: {Frames} frames, {Bytes} bytes resident on {Node} ({Seconds:F2} s)", load.FitId, load.Shard, compute.Frames, compute.Bytes, _node, clock.Elapsed.TotalSeconds);
            return new Done(new FitShardLoaded(load.FitId, load.Shard, _node, compute.Frames, compute.Bytes, clock.Elapsed.TotalSeconds), ActorRefs.Nobody, compute, load.FitId);
        }
    }

    private async Task<Done> ComputeAsync(string fitId, int shard, long step, Func<double[]> compute)
    {
        try
        {
            var (values, seconds) = await _threads.RunAsync(() =>
            {
                var clock = Stopwatch.StartNew();
                return (compute(), clock.Elapsed.TotalSeconds);
            }).ConfigureAwait(false);
            return new Done(new FitShardResult(fitId, shard, step, values, _node, seconds), ActorRefs.Nobody, null, null);
        }
        catch (ShardStepLostException e)
        {
            return new Done(new FitShardRefused(fitId, shard, step, NotLoaded: false, e.Message), ActorRefs.Nobody, null, null);
        }
    }

    protected override void PostStop()
    {
        // Stopped mid-computation (hand-off, node shutdown): the tensors go when the computation is done with them.
        if (_compute is { } compute)
        {
            if (_running is { IsCompleted: false } running)
            {
                running.ContinueWith(_ => compute.Dispose(), TaskScheduler.Default);
            }
            else
            {
                compute.Dispose();
            }
        }
        _compute = null;
        base.PostStop();
    }
}
