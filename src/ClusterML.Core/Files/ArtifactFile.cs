using MessagePack;

namespace ClusterML.Core.Files;

/// <summary>
/// One file a trial attempt wrote: its path relative to the trial's artifact folder (forward slashes), size in bytes and
/// SHA-256 (lower-case hex). Keys are the wire contract: append, never renumber.
/// </summary>
[MessagePackObject]
public sealed record ArtifactFile(
    [property: Key(0)] string Path,
    [property: Key(1)] long Size,
    [property: Key(2)] string Sha256)
{
    /// <summary>
    /// True when <see cref="Path"/> is a plain relative path that stays inside its folder (no root, no <c>..</c>, no empty
    /// or dot segments): checked before a received manifest names any file.
    /// </summary>
    [IgnoreMember]
    public bool HasSafePath =>
        Path.Length is > 0 and <= 1024 && !Path.StartsWith('/') && !Path.Contains('\\') && !Path.Contains('\0')
        && Path.Split('/').All(segment => segment.Length > 0 && segment != "." && segment != "..");
}
