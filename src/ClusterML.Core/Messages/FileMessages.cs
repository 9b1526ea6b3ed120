using ClusterML.Core.Files;
using MessagePack;

namespace ClusterML.Core.Messages;

/// <summary>
/// Ask a node's blob server for the content of <see cref="Sha256"/>. It replies with a stream reference to the bytes (256 KiB
/// chunks, back-pressured) or <see cref="BlobUnavailable"/>; the receiver checks the size and the hash.
/// </summary>
[MessagePackObject]
public sealed record FetchBlob([property: Key(0)] string Sha256) : IWireMessage;

/// <summary>The asked node does not hold <see cref="Sha256"/> (or may not serve it), with the reason.</summary>
[MessagePackObject]
public sealed record BlobUnavailable(
    [property: Key(0)] string Sha256,
    [property: Key(1)] string Reason) : IWireMessage;

/// <summary>
/// Worker → aggregator: attempt <see cref="Attempt"/> of a trial finished and wrote <see cref="Files"/>; fetch them from the
/// sender's node and land them as the trial's artifact folder (replacing an earlier attempt's). Replies
/// <see cref="ArtifactsStored"/> once every file is in place and verified, or <see cref="ArtifactsNotStored"/>.
/// </summary>
[MessagePackObject]
public sealed record StoreArtifacts(
    [property: Key(0)] string CampaignId,
    [property: Key(1)] string TrialId,
    [property: Key(2)] int Attempt,
    [property: Key(3)] IReadOnlyList<ArtifactFile> Files) : IWithCampaignId, IWireMessage;

/// <summary>
/// The artifacts of the attempt are in <see cref="Folder"/> (relative to the aggregator's data directory); or, with
/// <see cref="LogInStore"/>, the attempt sent only its log, which the results store keeps, and the trial has no folder.
/// </summary>
[MessagePackObject]
public sealed record ArtifactsStored(
    [property: Key(0)] string CampaignId,
    [property: Key(1)] string TrialId,
    [property: Key(2)] int Attempt,
    [property: Key(3)] string Folder,
    [property: Key(4)] bool LogInStore = false) : IWithCampaignId, IWireMessage;

/// <summary>The artifacts could not be landed (<see cref="Error"/>); nothing of this attempt is left in the trial's folder.</summary>
[MessagePackObject]
public sealed record ArtifactsNotStored(
    [property: Key(0)] string CampaignId,
    [property: Key(1)] string TrialId,
    [property: Key(2)] int Attempt,
    [property: Key(3)] string Error) : IWithCampaignId, IWireMessage;

/// <summary>One piece of a streamed blob (at most <c>NodeFiles.ChunkSize</c> bytes), the element type of blob stream references.</summary>
[MessagePackObject]
public sealed record BlobChunk([property: Key(0)] byte[] Data) : IWireMessage;
