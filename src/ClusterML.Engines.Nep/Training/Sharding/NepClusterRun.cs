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
