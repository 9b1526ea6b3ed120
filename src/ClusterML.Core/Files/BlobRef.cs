using MessagePack;

namespace ClusterML.Core.Files;

/// <summary>
/// A file by content: its SHA-256 (64 lower-case hex digits), the name it had when it was registered (for messages and for
/// the engine's own file-type checks, never a path) and its size in bytes. Trial specs carry these instead of machine paths;
/// a worker that lacks the blob fetches it from a node that has it and checks size and hash. Keys are the wire contract.
/// </summary>
[MessagePackObject]
public sealed record BlobRef(
    [property: Key(0)] string Sha256,
    [property: Key(1)] string Name,
    [property: Key(2)] long Size)
{
    /// <summary><c>sha256:abcdef123456…</c> (12 digits) with the name and size, for messages.</summary>
    public override string ToString() => $"{Name} (sha256:{Sha256[..Math.Min(12, Sha256.Length)]}, {Bytes.Show(Size)})";

    /// <summary>True for 64 lower-case hex digits (the only form a blob store accepts: it names files).</summary>
    public static bool IsValidHash(string? hash) =>
        hash is { Length: 64 } && hash.All(c => c is >= '0' and <= '9' or >= 'a' and <= 'f');
}
