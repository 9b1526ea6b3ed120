using Akka.Actor;
using Akka.Cluster.Hosting;
using Akka.Hosting;
using ClusterML.Cluster.Files;
using ClusterML.Cluster.Fits;
using ClusterML.Core.Engines;

namespace ClusterML.Cluster.Hosting;

/// <summary>Registry key of the fit shard region (or its proxy on nodes without the worker role).</summary>
public sealed class FitShardRegion;

/// <summary>Registry key of the fit coordinator region (or its proxy on nodes without the coordinator role).</summary>
public sealed class FitCoordinatorRegion;

/// <summary>Akka.Hosting wiring of the data shards of sharded fits.</summary>
public static class FitHostingExtensions
{
    /// <summary>Name of the fit shard region.</summary>
    public const string FitShardsRegionName = "fit-shards";

    /// <summary>
    /// Hosts fit data shards on this node (role <c>worker</c>) for <paramref name="objectives"/>, computing on
    /// <paramref name="threads"/>. A shard idle for <paramref name="idle"/> (its fit's coordinator died) is passivated.
    /// </summary>
    public static AkkaConfigurationBuilder WithClusterMLFitShards(this AkkaConfigurationBuilder builder, IReadOnlyList<IShardObjective> objectives, ComputeThreads threads,
        Func<ActorSystem, NodeFiles>? files, TimeSpan? idle = null) =>
        builder.WithShardRegion<FitShardRegion>(
            FitShardsRegionName,
            (system, _, _) =>
            {
                var nodeFiles = files?.Invoke(system);
                return _ => FitShardActor.Props(objectives, threads, nodeFiles);
            },
            new FitShardMessageExtractor(),
            new ShardOptions { Role = WorkerHostingExtensions.WorkerRole, PassivateIdleEntityAfter = idle ?? TimeSpan.FromMinutes(30), ShouldPassivateIdleEntities = true });

    /// <summary>A proxy to the fit shard region for nodes that coordinate fits but hold no shards.</summary>
    public static AkkaConfigurationBuilder WithClusterMLFitShardProxy(this AkkaConfigurationBuilder builder) =>
        builder.WithShardRegionProxy<FitShardRegion>(FitShardsRegionName, WorkerHostingExtensions.WorkerRole, new FitShardMessageExtractor());

    /// <summary>Name of the fit coordinator region.</summary>
    public const string FitCoordinatorsRegionName = "fit-coordinators";

    /// <summary>
    /// Hosts the persistent coordinator entities of fits (role <c>coordinator</c>, event-sourced through the configured journal):
    /// each keeps its fit's newest checkpoint. An idle one is passivated and recovers from the journal on its next message.
    /// </summary>
    public static AkkaConfigurationBuilder WithClusterMLFitCoordinators(this AkkaConfigurationBuilder builder) =>
        builder.WithShardRegion<FitCoordinatorRegion>(
            FitCoordinatorsRegionName,
            (_, _, _) => FitCoordinatorActor.Props,
            new FitCoordinatorMessageExtractor(),
            new ShardOptions { Role = CoordinatorHostingExtensions.CoordinatorRole, PassivateIdleEntityAfter = TimeSpan.FromMinutes(10), ShouldPassivateIdleEntities = true });

    /// <summary>A proxy to the fit coordinator region for nodes that run fits but do not coordinate.</summary>
    public static AkkaConfigurationBuilder WithClusterMLFitCoordinatorProxy(this AkkaConfigurationBuilder builder) =>
        builder.WithShardRegionProxy<FitCoordinatorRegion>(FitCoordinatorsRegionName, CoordinatorHostingExtensions.CoordinatorRole, new FitCoordinatorMessageExtractor());
}
