using System.Diagnostics;

namespace ClusterML.Core.Engines;

/// <summary>
/// Every shard of a fit in this process: the one-process fit is the cluster fit with its shards here. The shards of a
/// batch are computed in parallel (up to <paramref name="parallelism"/> at once) and their partials returned in shard order.
/// </summary>
public sealed class LocalShardGroup(IReadOnlyList<IShardCompute> shards, int parallelism) : IShardGroup, IDisposable
{
    private readonly string _node = Environment.MachineName;

    public IReadOnlyList<IShardCompute> Shards => shards;

    public Task<IReadOnlyList<ShardPartial>> ForwardAsync(long step, int batch, IReadOnlyList<int> ids, double[] parameters, CancellationToken cancellationToken) =>
        Task.FromResult(Run(ids, s => shards[s].Forward(batch, parameters), cancellationToken));

    public Task<IReadOnlyList<ShardPartial>> BackwardAsync(long step, int batch, IReadOnlyList<int> ids, double[] coefficients, CancellationToken cancellationToken) =>
        Task.FromResult(Run(ids, s => shards[s].Backward(coefficients), cancellationToken));

    public void Dispose()
    {
        foreach (var shard in shards)
        {
            shard.Dispose();
        }
    }

    private IReadOnlyList<ShardPartial> Run(IReadOnlyList<int> ids, Func<int, double[]> compute, CancellationToken cancellationToken)
    {
        var results = new ShardPartial[ids.Count];
        Parallel.For(0, ids.Count, new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, parallelism), CancellationToken = cancellationToken }, i =>
        {
            var clock = Stopwatch.StartNew();
            var values = compute(ids[i]);
            results[i] = new ShardPartial(ids[i], values, _node, clock.Elapsed.TotalSeconds);
        });
        return results;
    }
}
