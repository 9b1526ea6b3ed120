using System.Collections.Immutable;
using MessagePack;

namespace ClusterML.Core.Messages;

/// <summary>Query every node answers at <c>/user/node-info</c>: reply <see cref="NodeInfo"/>.</summary>
[MessagePackObject]
public sealed record GetNodeInfo([property: Key(0)] long AskedAtMs) : IWireMessage;

/// <summary>
/// What a node says of itself: its address and roles, its trial slots (0 on a node without the worker role) and how many are
/// busy, its compute device, its process, and its blob store (inputs cached or pinned there) in bytes.
/// </summary>
[MessagePackObject]
public sealed record NodeInfo(
    [property: Key(0)] string Address,
    [property: Key(1)] ImmutableArray<string> Roles,
    [property: Key(2)] int Slots,
    [property: Key(3)] int BusySlots,
    [property: Key(4)] string Device,
    [property: Key(5)] string Host,
    [property: Key(6)] int ProcessId,
    [property: Key(7)] long BlobBytes,
    [property: Key(8)] long StartedAtMs) : IWireMessage;
