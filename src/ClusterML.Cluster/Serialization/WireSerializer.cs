using Akka.Actor;
using Akka.Serialization;
using ClusterML.Core.Messages;
using MessagePack;
using MessagePack.Resolvers;

namespace ClusterML.Cluster.Serialization;

/// <summary>
/// Akka serializer for every <see cref="IWireMessage"/>: MessagePack with the types' own keys, manifests from
/// <see cref="WireManifests"/>. Stateless and thread-safe. Registered by <c>WithClusterMLSerialization()</c>.
/// </summary>
public sealed class WireSerializer : SerializerWithStringManifest
{
    /// <summary>Serializer id (unique in the actor system; Akka reserves 0–40).</summary>
    public const int Id = 5271;

    /// <summary>The options every ClusterML message is written and read with (trial specs through the engine registry).</summary>
    public static MessagePackSerializerOptions Options { get; } =
        MessagePackSerializerOptions.Standard
            .WithResolver(CompositeResolver.Create([new TrialSpecFormatter()], [StandardResolver.Instance]))
            .WithSecurity(MessagePackSecurity.UntrustedData);

    public WireSerializer(ExtendedActorSystem system)
        : base(system)
    {
    }

    public override int Identifier => Id;

    public override string Manifest(object o) =>
        WireManifests.ByType.TryGetValue(o.GetType(), out var manifest)
            ? manifest
            : throw new ArgumentException($"{o.GetType()} has no wire manifest; add it to {nameof(WireManifests)}", nameof(o));

    public override byte[] ToBinary(object obj) => MessagePackSerializer.Serialize(obj.GetType(), obj, Options);

    public override object FromBinary(byte[] bytes, string manifest) =>
        WireManifests.ByManifest.TryGetValue(manifest, out var type)
            ? MessagePackSerializer.Deserialize(type, bytes, Options)!
            : throw new System.Runtime.Serialization.SerializationException($"unknown wire manifest '{manifest}'");
}
