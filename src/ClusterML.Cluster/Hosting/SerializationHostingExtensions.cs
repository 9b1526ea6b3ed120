using Akka.Hosting;
using ClusterML.Cluster.Serialization;
using ClusterML.Core.Messages;

namespace ClusterML.Cluster.Hosting;

/// <summary>Akka.Hosting wiring of the wire serializer.</summary>
public static class SerializationHostingExtensions
{
    /// <summary>Binds every <see cref="IWireMessage"/> to <see cref="WireSerializer"/>.</summary>
    public static AkkaConfigurationBuilder WithClusterMLSerialization(this AkkaConfigurationBuilder builder) =>
        builder.WithCustomSerializer("clusterml-msgpack", [typeof(IWireMessage)], system => new WireSerializer(system));
}
