using Akka.Actor;
using ClusterML.Core.Engines;
using ClusterML.Core.Files;
using ClusterML.Core.Messages;

namespace ClusterML.Cluster.Fits;

/// <summary>
/// Opens sharded fits on the cluster from this node: each shard's file is registered by content in this node's blob store
/// (pinned for the fit until it is disposed), and the fit shard region loads the shards on the workers, which fetch only the
/// files of the shards they hold (from this node first). Used by <c>nep train --distributed</c> and by campaign trials with
/// <c>distributed: true</c>.
/// </summary>
public sealed class ClusterShardGroups(ActorSystem system, IActorRef region, BlobStore store) : IShardGroups
{
    public async Task<IOpenShardGroup> OpenAsync(string kind, IReadOnlyList<ShardFile> files, string model, string dtype, CancellationToken cancellationToken)
    {
        var fitId = $"fit-{DateTime.UtcNow:yyyyMMdd-HHmmss}-{Guid.NewGuid().ToString("N")[..8]}";
        var self = Akka.Cluster.Cluster.Get(system).SelfAddress.ToString();
        ClusterShardGroup? group = null;
        try
        {
            var loads = new List<FitShardLoad>();
            foreach (var file in files)
            {
                var blob = await store.ImportAsync(file.Path, $"{fitId}-shard-{file.Shard:D4}{Path.GetExtension(file.Path)}", fitId, cancellationToken).ConfigureAwait(false);
                // The device is each worker's own setting (clusterml node --device).
                loads.Add(new FitShardLoad(fitId, file.Shard, kind, blob, file.Batches, model, dtype, "", self));
            }
            group = new ClusterShardGroup(system, region, fitId, loads, () => store.Unpin(fitId));
            await group.LoadAllAsync(cancellationToken).ConfigureAwait(false);
            return group;
        }
        catch
        {
            if (group is null)
            {
                store.Unpin(fitId);
            }
            group?.Dispose();
            throw;
        }
    }
}
