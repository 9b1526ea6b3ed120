using Akka.Cluster.Hosting;
using Akka.Hosting;
using Akka.Actor;
using ClusterML.Cluster.Aggregation;
using ClusterML.Cluster.Files;
using ClusterML.Core.Results;

namespace ClusterML.Cluster.Hosting;

/// <summary>Registry key of the aggregator singleton's proxy.</summary>
public sealed class AggregatorSingleton;

/// <summary>Akka.Hosting wiring of the result aggregator (a cluster singleton on the <c>aggregator</c> role).</summary>
public static class AggregatorHostingExtensions
{
    /// <summary>Role that may host the aggregator singleton.</summary>
    public const string AggregatorRole = "aggregator";

    /// <summary>Name of the singleton manager.</summary>
    public const string AggregatorName = "aggregator";

    private static ClusterSingletonOptions Options => new() { Role = AggregatorRole, BufferSize = 10_000 };

    /// <summary>
    /// This node may host the aggregator, writing to <paramref name="store"/>; the oldest node with the role runs it. Also
    /// registers the proxy (under <see cref="AggregatorSingleton"/>) through which every node talks to it.
    /// </summary>
    /// With <paramref name="files"/> the aggregator lands trial artifacts in this node's data directory.
    public static AkkaConfigurationBuilder WithClusterMLAggregator(this AkkaConfigurationBuilder builder, IResultStore store, Func<ActorSystem, NodeFiles>? files = null) =>
        builder.WithSingleton<AggregatorSingleton>(AggregatorName,
            (system, _, _) => ResultAggregator.Props(store, files is null ? null : new ArtifactLanding(files(system))), Options, createProxyToo: true);

    /// <summary>Only the proxy to the aggregator, for nodes without the role.</summary>
    public static AkkaConfigurationBuilder WithClusterMLAggregatorProxy(this AkkaConfigurationBuilder builder) =>
        builder.WithSingletonProxy<AggregatorSingleton>(AggregatorName, Options);
}
