namespace ClusterML.Engines.Surrogate;

/// <summary>Packs the members' weight files into one checkpoint blob (count, then length-prefixed blobs; little-endian) and back.</summary>
public static class SurrogateCheckpoint
{
    public static byte[] Pack(IReadOnlyList<byte[]> members)
    {
        using var stream = new MemoryStream();
        using var writer = new BinaryWriter(stream);
        writer.Write(members.Count);
        foreach (var member in members)
        {
            writer.Write(member.Length);
            writer.Write(member);
        }
        writer.Flush();
        return stream.ToArray();
    }

    public static IReadOnlyList<byte[]> Unpack(byte[] checkpoint)
    {
        using var reader = new BinaryReader(new MemoryStream(checkpoint));
        var count = reader.ReadInt32();
        return Enumerable.Range(0, count).Select(_ => reader.ReadBytes(reader.ReadInt32())).ToArray();
    }
}
