using System.Collections.Concurrent;
using Akka.Actor;
using Akka.Cluster;
using ClusterML.Core.Engines;
using ClusterML.Core.Messages;

namespace ClusterML.Cluster.Fits;

/// <summary>
/// The shards of one fit as entities of the fit shard region, spread over the worker nodes by Cluster.Sharding. A request
/// goes to every shard of the step at once and the answers come back in shard order. A shard that answers "not loaded" (it
/// is new, or it moved because its node left) is loaded again and asked again. A shard on a node that is removed from the
/// cluster, or one that does not answer within <see cref="Timeout"/>, makes the step fail with
/// <see cref="ShardStepLostException"/>, and the fit computes it again.
/// </summary>
public sealed class ClusterShardGroup : IOpenShardGroup
{
    private readonly ActorSystem _system;
    private readonly IActorRef _region;
    private readonly IReadOnlyList<FitShardLoad> _loads;
    private readonly ConcurrentDictionary<string, CancellationTokenSource> _lost = new();
    private readonly ConcurrentDictionary<string, (int Shards, double Seconds, double Max)> _stats = new();
    private readonly ConcurrentDictionary<int, ShardHome> _homes = new();
    private readonly IActorRef _watcher;
    private readonly Action? _onDispose;
    private double _slowest;
    private int _lostSteps;

    /// <summary>The shards of fit <paramref name="fitId"/>, loaded by <paramref name="loads"/> (one per shard, in shard order) through the fit shard <paramref name="region"/> of <paramref name="system"/>; <paramref name="onDispose"/> runs after they were released (e.g. unpins their blobs).</summary>
    public ClusterShardGroup(ActorSystem system, IActorRef region, string fitId, IReadOnlyList<FitShardLoad> loads, Action? onDispose = null)
    {
        (_system, _region, FitId, _loads, _onDispose) = (system, region, fitId, loads, onDispose);
        _watcher = system.ActorOf(Props.Create(() => new RemovalWatcher(NodeRemoved)));
    }

    public string FitId { get; }

    /// <summary>The least time a shard gets to answer; it grows to 20 times the slowest answer seen.</summary>
    public TimeSpan MinTimeout { get; init; } = TimeSpan.FromSeconds(60);

    public TimeSpan Timeout => TimeSpan.FromSeconds(Math.Max(MinTimeout.TotalSeconds, 20 * Volatile.Read(ref _slowest)));

    /// <summary>Shard answers lost (their steps were computed again).</summary>
    public int LostSteps => Volatile.Read(ref _lostSteps);

    /// <summary>Where each shard was last loaded (a shard on a node the cluster removed has none until it is loaded again).</summary>
    public IReadOnlyList<ShardHome> Homes => [.. _homes.Values.OrderBy(h => h.Shard)];

    /// <summary>Loads every shard (fetching frames, building tensors) and waits for all.</summary>
    public async Task<IReadOnlyList<FitShardLoaded>> LoadAllAsync(CancellationToken cancellationToken) =>
        await Task.WhenAll(_loads.Select(l => LoadAsync(l.Shard, cancellationToken)));

    public async Task<IReadOnlyList<ShardPartial>> ForwardAsync(long step, int batch, IReadOnlyList<int> shards, double[] parameters, CancellationToken cancellationToken) =>
        await Task.WhenAll(shards.Select(s => AskAsync(s, step, new FitShardForward(FitId, s, step, batch, parameters), reloadable: true, cancellationToken)));

    public async Task<IReadOnlyList<ShardPartial>> BackwardAsync(long step, int batch, IReadOnlyList<int> shards, double[] coefficients, CancellationToken cancellationToken) =>
        await Task.WhenAll(shards.Select(s => AskAsync(s, step, new FitShardBackward(FitId, s, step, coefficients), reloadable: false, cancellationToken)));

    /// <summary>Per worker: shards answered and compute seconds since the last call (stragglers show as more seconds for the same shards).</summary>
    public IReadOnlyList<ShardWorkerStats> TakeStats()
    {
        var result = new List<ShardWorkerStats>();
        foreach (var node in _stats.Keys.Order(StringComparer.Ordinal))
        {
            if (_stats.TryRemove(node, out var s))
            {
                result.Add(new ShardWorkerStats(node, s.Shards, s.Seconds, s.Max));
            }
        }
        return result;
    }

    /// <summary>Tells every shard the fit is over (they free their tensors and stop).</summary>
    public void ReleaseAll()
    {
        foreach (var load in _loads)
        {
            _region.Tell(new FitShardRelease(FitId, load.Shard));
        }
    }

    /// <summary>Releases the shards on their workers and stops watching the cluster.</summary>
    public void Dispose()
    {
        ReleaseAll();
        _system.Stop(_watcher);
        foreach (var cts in _lost.Values)
        {
            cts.Dispose();
        }
        _onDispose?.Invoke();
    }

    private async Task<FitShardLoaded> LoadAsync(int shard, CancellationToken cancellationToken)
    {
        var answer = await _region.Ask<IWithFitShard>(_loads[shard], Timeout, cancellationToken).ConfigureAwait(false);
        switch (answer)
        {
            case FitShardLoaded loaded:
                _homes[shard] = new ShardHome(shard, loaded.Node, loaded.Frames, loaded.Bytes, loaded.Seconds);
                return loaded;
            case FitShardRefused refused:
                throw new ShardStepLostException($"shard {shard} could not load: {refused.Reason}");
            default:
                throw new InvalidOperationException($"shard {shard} answered {answer.GetType().Name}");
        }
    }

    private async Task<ShardPartial> AskAsync(int shard, long step, IWithFitShard request, bool reloadable, CancellationToken cancellationToken)
    {
        for (var attempt = 0; ; attempt++)
        {
            var holder = _homes.TryGetValue(shard, out var home) ? home.Node : null;
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, LostToken(holder));
            IWithFitShard answer;
            try
            {
                answer = await _region.Ask<IWithFitShard>(request, Timeout, linked.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is AskTimeoutException or TaskCanceledException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
            {
                Interlocked.Increment(ref _lostSteps);
                throw new ShardStepLostException($"shard {shard} on {holder ?? "an unknown node"} did not answer step {step} ({(e is AskTimeoutException ? $"no answer in {Timeout.TotalSeconds:F0} s" : "its node left")})", e);
            }
            switch (answer)
            {
                case FitShardResult result:
                    Record(result.Node, result.Seconds);
                    return new ShardPartial(shard, result.Values, result.Node, result.Seconds);
                case FitShardRefused { NotLoaded: true } when reloadable && attempt < 3:
                    await LoadAsync(shard, cancellationToken).ConfigureAwait(false);
                    continue;
                case FitShardRefused refused:
                    Interlocked.Increment(ref _lostSteps);
                    throw new ShardStepLostException($"shard {shard} refused step {step}: {refused.Reason}");
                default:
                    throw new InvalidOperationException($"shard {shard} answered {answer.GetType().Name}");
            }
        }
    }

    private void Record(string node, double seconds)
    {
        _stats.AddOrUpdate(node, (1, seconds, seconds), (_, s) => (s.Shards + 1, s.Seconds + seconds, Math.Max(s.Max, seconds)));
        double current;
        while (seconds > (current = Volatile.Read(ref _slowest)) && Interlocked.CompareExchange(ref _slowest, seconds, current) != current)
        {
        }
    }

    private CancellationToken LostToken(string? node) => node is null ? CancellationToken.None : _lost.GetOrAdd(node, _ => new CancellationTokenSource()).Token;

    private void NodeRemoved(Address address)
    {
        var node = address.ToString();
        if (_lost.TryRemove(node, out var cts))
        {
            cts.Cancel();
        }
        foreach (var (shard, home) in _homes)
        {
            if (home.Node == node)
            {
                _homes.TryRemove(shard, out _);
            }
        }
    }

    /// <summary>Cancels the requests to shards of a node as soon as the cluster removes it (no need to wait for a timeout).</summary>
    private sealed class RemovalWatcher : ReceiveActor
    {
        public RemovalWatcher(Action<Address> removed)
        {
            Receive<ClusterEvent.MemberRemoved>(m => removed(m.Member.Address));
            Receive<ClusterEvent.IClusterDomainEvent>(_ => { });
            Receive<ClusterEvent.CurrentClusterState>(_ => { });
        }

        protected override void PreStart() => Akka.Cluster.Cluster.Get(Context.System).Subscribe(Self, ClusterEvent.SubscriptionInitialStateMode.InitialStateAsSnapshot, typeof(ClusterEvent.MemberRemoved));

        protected override void PostStop() => Akka.Cluster.Cluster.Get(Context.System).Unsubscribe(Self);
    }
}
