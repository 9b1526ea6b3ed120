using ClusterML.Core.Engines;
using ClusterML.Core.Specs;
using MessagePack;
using MessagePack.Formatters;

namespace ClusterML.Cluster.Serialization;

/// <summary>
/// The wire form of a trial spec: a two-element array, the engine's registered name and the spec as its own MessagePack
/// object, so Core need not list the engines (<see cref="EngineRegistry"/>). Reads what earlier builds wrote as a closed
/// union (an integer key instead of the name, <see cref="EngineRegistration.LegacyWireKey"/>) too.
/// </summary>
public sealed class TrialSpecFormatter : IMessagePackFormatter<ITrialSpec?>
{
    public void Serialize(ref MessagePackWriter writer, ITrialSpec? value, MessagePackSerializerOptions options)
    {
        if (value is null)
        {
            writer.WriteNil();
            return;
        }
        var registration = EngineRegistry.ForSpec(value.GetType())
            ?? throw new MessagePackSerializationException($"{value.GetType().Name} is the spec of no registered engine ({string.Join(", ", EngineRegistry.Names)})");
        writer.WriteArrayHeader(2);
        writer.Write(registration.Name);
        MessagePackSerializer.Serialize(registration.SpecType, ref writer, value, options);
    }

    public ITrialSpec? Deserialize(ref MessagePackReader reader, MessagePackSerializerOptions options)
    {
        if (reader.TryReadNil())
        {
            return null;
        }
        options.Security.DepthStep(ref reader);
        try
        {
            if (reader.ReadArrayHeader() != 2)
            {
                throw new MessagePackSerializationException("a trial spec is [engine, spec]");
            }
            EngineRegistration registration;
            if (reader.NextMessagePackType == MessagePackType.Integer)
            {
                var key = reader.ReadInt32();
                registration = EngineRegistry.ForLegacyWireKey(key)
                    ?? throw new MessagePackSerializationException($"no registered engine had union key {key}");
            }
            else
            {
                var name = reader.ReadString() ?? throw new MessagePackSerializationException("a trial spec's engine is nil");
                registration = EngineRegistry.Find(name)
                    ?? throw new MessagePackSerializationException($"'{name}' is not an engine of this build ({string.Join(", ", EngineRegistry.Names)})");
            }
            return (ITrialSpec?)MessagePackSerializer.Deserialize(registration.SpecType, ref reader, options);
        }
        finally
        {
            reader.Depth--;
        }
    }
}
