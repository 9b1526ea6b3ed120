using ClusterML.Core.Engines;
using ClusterML.Engines.Nep.Model;

namespace ClusterML.Engines.Nep.Training.Sharding;

/// <summary>
/// How a fit puts its shards on the cluster: each shard's frames are written to <paramref name="Scratch"/> (deleted once the
/// cluster has registered them), the cluster's workers load them, and <paramref name="Opened"/> sees the open group (to
/// report where the shards went and what each worker does).
/// </summary>
public sealed record NepClusterRun(IShardGroups Shards, string Scratch, Action<IOpenShardGroup, NepShardPlan>? Opened = null)
{
    /// <summary>
    /// A fit's shards and what to dispose when it is over: on the cluster's workers when <paramref name="cluster"/> is given,
    /// otherwise every shard in this process (built by <paramref name="local"/>, computed on <paramref name="threads"/> cores).
    /// </summary>
    public static async Task<(IShardGroup Group, IDisposable Owner)> ShardsAsync(NepClusterRun? cluster, NepShardPlan plan, NepModel template, string kind,
        string dtype, int threads, Func<int, IShardCompute> local, CancellationToken cancellationToken)
    {
        if (cluster is null)
        {
            var here = new LocalShardGroup([.. Enumerable.Range(0, plan.Shards).Select(local)], threads);
            return (here, here);
        }
        var opened = await cluster.OpenAsync(plan, template, kind, dtype, cancellationToken).ConfigureAwait(false);
        return (opened, opened);
    }

    public async Task<IOpenShardGroup> OpenAsync(NepShardPlan plan, NepModel template, string kind, string dtype, CancellationToken cancellationToken)
    {
        var folder = Path.Combine(Scratch, $"shards-{Guid.NewGuid():N}");
        try
        {
            var files = NepShardFiles.Write(plan, template, folder);
            var group = await Shards.OpenAsync(kind, [.. files.Select(f => new ShardFile(f.Shard, f.Path, f.Batches))], NepModelText.Write(template), dtype,
                cancellationToken).ConfigureAwait(false);
            Opened?.Invoke(group, plan);
            return group;
        }
        finally
        {
            if (Directory.Exists(folder))
            {
                Directory.Delete(folder, recursive: true);
            }
        }
    }
}
