using ClusterML.Core.Files;
using MessagePack;

namespace ClusterML.Core.Messages;

/// <summary>A message for one data shard of a sharded fit (an entity <c>fit~shard</c> on the worker role).</summary>
public interface IWithFitShard
{
    string FitId { get; }

    int Shard { get; }
}

/// <summary>
/// Fit coordinator → shard: load your frames (a blob, fetched from <see cref="Origin"/>'s node or any other), the batch of
/// each frame, the model as text, the arithmetic. Answered by <see cref="FitShardLoaded"/> or <see cref="FitShardRefused"/>.
/// Loading again with the same fit id is a no-op.
/// </summary>
[MessagePackObject]
public sealed record FitShardLoad(
    [property: Key(0)] string FitId,
    [property: Key(1)] int Shard,
    [property: Key(2)] string Kind,
    [property: Key(3)] BlobRef Frames,
    [property: Key(4)] int[] Batches,
    [property: Key(5)] string Model,
    [property: Key(6)] string Dtype,
    [property: Key(7)] string Device,
    [property: Key(8)] string? Origin) : IWithFitShard, IWireMessage;

/// <summary>Shard → coordinator: resident on <see cref="Node"/> with its frames and tensor bytes, loaded in <see cref="Seconds"/>.</summary>
[MessagePackObject]
public sealed record FitShardLoaded(
    [property: Key(0)] string FitId,
    [property: Key(1)] int Shard,
    [property: Key(2)] string Node,
    [property: Key(3)] int Frames,
    [property: Key(4)] long Bytes,
    [property: Key(5)] double Seconds) : IWithFitShard, IWireMessage;

/// <summary>Coordinator → shard: partial sums of <see cref="Batch"/> at these parameters (step <see cref="Step"/>).</summary>
[MessagePackObject]
public sealed record FitShardForward(
    [property: Key(0)] string FitId,
    [property: Key(1)] int Shard,
    [property: Key(2)] long Step,
    [property: Key(3)] int Batch,
    [property: Key(4)] double[] Parameters) : IWithFitShard, IWireMessage;

/// <summary>Coordinator → shard: the gradient of the coefficient-weighted partial sums of the step's forward pass.</summary>
[MessagePackObject]
public sealed record FitShardBackward(
    [property: Key(0)] string FitId,
    [property: Key(1)] int Shard,
    [property: Key(2)] long Step,
    [property: Key(3)] double[] Coefficients) : IWithFitShard, IWireMessage;

/// <summary>Shard → coordinator: the partial (sums or gradient) of a step, computed on <see cref="Node"/> in <see cref="Seconds"/>.</summary>
[MessagePackObject]
public sealed record FitShardResult(
    [property: Key(0)] string FitId,
    [property: Key(1)] int Shard,
    [property: Key(2)] long Step,
    [property: Key(3)] double[] Values,
    [property: Key(4)] string Node,
    [property: Key(5)] double Seconds) : IWithFitShard, IWireMessage;

/// <summary>Shard → coordinator: cannot answer; <see cref="NotLoaded"/> when it has no frames (new or moved: load it again).</summary>
[MessagePackObject]
public sealed record FitShardRefused(
    [property: Key(0)] string FitId,
    [property: Key(1)] int Shard,
    [property: Key(2)] long Step,
    [property: Key(3)] bool NotLoaded,
    [property: Key(4)] string Reason) : IWithFitShard, IWireMessage;

/// <summary>Coordinator → shard: the fit is over; free the tensors and stop.</summary>
[MessagePackObject]
public sealed record FitShardRelease(
    [property: Key(0)] string FitId,
    [property: Key(1)] int Shard) : IWithFitShard, IWireMessage;

/// <summary>A message for the persistent coordinator entity of one fit (its checkpoints), on the <c>coordinator</c> role.</summary>
public interface IWithFitCoordinator
{
    string FitId { get; }
}

/// <summary>
/// The process running a fit → its coordinator entity: keep this checkpoint (files by name, taken after <see cref="Epoch"/>);
/// it replaces the older ones. Answered by <see cref="FitCheckpointSaved"/> once it is in the journal. Also the entity's event.
/// </summary>
[MessagePackObject]
public sealed record FitCheckpointSave(
    [property: Key(0)] string FitId,
    [property: Key(1)] int Epoch,
    [property: Key(2)] Dictionary<string, byte[]> Files,
    [property: Key(3)] string Node) : IWithFitCoordinator, IWireMessage;

/// <summary>Coordinator entity → fit: the checkpoint of <see cref="Epoch"/> is durable.</summary>
[MessagePackObject]
public sealed record FitCheckpointSaved(
    [property: Key(0)] string FitId,
    [property: Key(1)] int Epoch) : IWithFitCoordinator, IWireMessage;

/// <summary>Fit → its coordinator entity: the newest checkpoint, answered by <see cref="FitCheckpointState"/>.</summary>
[MessagePackObject]
public sealed record FitCheckpointGet(
    [property: Key(0)] string FitId) : IWithFitCoordinator, IWireMessage;

/// <summary>Coordinator entity → fit: the newest checkpoint (<see cref="Epoch"/> 0 and no files: none), who took it and how many it kept.</summary>
[MessagePackObject]
public sealed record FitCheckpointState(
    [property: Key(0)] string FitId,
    [property: Key(1)] int Epoch,
    [property: Key(2)] Dictionary<string, byte[]> Files,
    [property: Key(3)] string? Node,
    [property: Key(4)] int Checkpoints) : IWithFitCoordinator, IWireMessage;

/// <summary>Fit → its coordinator entity: the fit is over, delete its checkpoints; answered by <see cref="FitCheckpointForgotten"/>.</summary>
[MessagePackObject]
public sealed record FitCheckpointForget(
    [property: Key(0)] string FitId) : IWithFitCoordinator, IWireMessage;

/// <summary>Coordinator entity → fit: its checkpoints are deleted.</summary>
[MessagePackObject]
public sealed record FitCheckpointForgotten(
    [property: Key(0)] string FitId) : IWithFitCoordinator, IWireMessage;
