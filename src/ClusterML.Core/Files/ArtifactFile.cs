using MessagePack;

namespace ClusterML.Core.Files;

/// <summary>
/// One file a trial attempt wrote: its path relative to the trial's artifact folder (forward slashes), size in bytes and
/// SHA-256 (lower-case hex); <see cref="Content"/> carries a small file's bytes along (never stored in results).
/// Keys are the wire contract: append, never renumber.
/// </summary>
[MessagePackObject]
public sealed record ArtifactFile(
    [property: Key(0)] string Path,
    [property: Key(1)] long Size,
    [property: Key(2)] string Sha256,
    [property: Key(3)] byte[]? Content = null)
{
    /// <summary>Small files travel inside the message that lists them (at most this many bytes in all), the rest as blobs.</summary>
    public const int MaxInlineBytes = 32 * 1024;

    /// <summary>A small file that travels with its bytes.</summary>
    public static ArtifactFile Inline(string path, byte[] content) =>
        new(path, content.LongLength, Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(content)), content);

    /// <summary>False when inline <see cref="Content"/> does not have the listed size and SHA-256 (true without content).</summary>
    [IgnoreMember]
    public bool ContentMatches => Content is null || (Content.LongLength == Size && Inline(Path, Content).Sha256 == Sha256);

    /// <summary>
    /// True when <see cref="Path"/> is a plain relative path that stays inside its folder (no root, no <c>..</c>, no empty
    /// or dot segments): checked before a received manifest names any file.
    /// </summary>
    [IgnoreMember]
    public bool HasSafePath =>
        Path.Length is > 0 and <= 1024 && !Path.StartsWith('/') && !Path.Contains('\\') && !Path.Contains('\0')
        && Path.Split('/').All(segment => segment.Length > 0 && segment != "." && segment != "..");
}
