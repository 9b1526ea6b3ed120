using Akka.Cluster.Hosting;
using Akka.Hosting;
using Akka.Actor;
using ClusterML.Cluster.Files;
using ClusterML.Cluster.Trials;
using ClusterML.Core.Engines;

namespace ClusterML.Cluster.Hosting;

/// <summary>Registry key of the trial shard region (or its proxy on nodes without the worker role).</summary>
public sealed class TrialRegion;

/// <summary>Akka.Hosting wiring of the worker and its trial entities.</summary>
public static class WorkerHostingExtensions
{
    /// <summary>Role that hosts trial entities.</summary>
    public const string WorkerRole = "worker";

    /// <summary>Name of the trial shard region.</summary>
    public const string TrialsRegionName = "trials";

    /// <summary>
    /// Hosts trial entities on this node (role <c>worker</c>) running <paramref name="engines"/> with <paramref name="slots"/>.
    /// Idle passivation is off: the coordinator, not a timer, decides when a trial is done; when a node is lost its
    /// shards move and the coordinator sends the unfinished trials' starts again, which re-creates them elsewhere.
    /// </summary>
    /// With <paramref name="files"/> (the node's files; needs the aggregator or its proxy registered first) trials fetch their
    /// input blobs and send their artifacts to the aggregator, and, when the fit shard region (or its proxy) is registered
    /// first, may spread a sharded fit over the cluster's workers; with the fit coordinator region (or its proxy) registered
    /// first, a trial's checkpoints are kept by its persistent fit coordinator, and its next attempt continues from them.
    public static AkkaConfigurationBuilder WithClusterMLWorker(this AkkaConfigurationBuilder builder, IReadOnlyList<IEngine> engines, WorkerSlots slots,
        Func<ActorSystem, NodeFiles>? files = null) =>
        builder.WithShardRegion<TrialRegion>(
            TrialsRegionName,
            (system, registry, _) =>
            {
                var nodeFiles = files?.Invoke(system);
                var aggregator = nodeFiles is null ? null : registry.Get<AggregatorSingleton>();
                var shards = nodeFiles is not null && registry.TryGet<FitShardRegion>(out var region)
                    ? new Fits.ClusterShardGroups(system, region, nodeFiles.Store)
                    : null;
                var checkpoints = registry.TryGet<FitCoordinatorRegion>(out var fits)
                    ? new Fits.ClusterFitCheckpoints(system, fits)
                    : null;
                return entityId => TrialActor.Props(entityId, engines, slots, nodeFiles, aggregator, shards, checkpoints);
            },
            new TrialMessageExtractor(),
            new ShardOptions { Role = WorkerRole, PassivateIdleEntityAfter = TimeSpan.Zero, ShouldPassivateIdleEntities = false });

    /// <summary>A proxy to the trial region for nodes that dispatch trials but host none.</summary>
    public static AkkaConfigurationBuilder WithClusterMLTrialProxy(this AkkaConfigurationBuilder builder) =>
        builder.WithShardRegionProxy<TrialRegion>(TrialsRegionName, WorkerRole, new TrialMessageExtractor());
}
