namespace ClusterML.Core.Engines;

/// <summary>
/// What a data shard of a sharded fit loads on the node that hosts it: its frames (a file on this node, fetched by content),
/// the mini-batch each of those frames belongs to (in file order), the model being fitted as text, and its arithmetic
/// (<c>float32</c> or <c>float64</c>, and the device).
/// </summary>
public sealed record ShardData(string Kind, int Shard, string FramesPath, int[] Batches, string Model, string Dtype, string Device);

/// <summary>A kind of sharded objective a worker can host (e.g. <c>nep</c>): it turns <see cref="ShardData"/> into a resident shard.</summary>
public interface IShardObjective
{
    string Kind { get; }

    IShardCompute Load(ShardData data);
}

/// <summary>
/// One data shard, resident on its device: for a mini-batch and the current parameters it returns partial <b>sums</b> (never
/// means), and then, given coefficients that only the reduction of all shards' sums can fix, the gradient of the weighted sum
/// of its partials. Both are deterministic: the same shard, batch and parameters give the same bits on any node.
/// Calls come one at a time, <see cref="Forward"/> then <see cref="Backward"/> for the same batch.
/// </summary>
public interface IShardCompute : IDisposable
{
    /// <summary>Frames this shard holds.</summary>
    int Frames { get; }

    /// <summary>Bytes of resident tensors (inputs and references).</summary>
    long Bytes { get; }

    double[] Forward(int batch, double[] parameters);

    /// <summary>The gradient for the batch of the last <see cref="Forward"/>; throws <see cref="ShardStepLostException"/> when there was none.</summary>
    double[] Backward(double[] coefficients);
}

/// <summary>One shard's partial result and where and how long it was computed.</summary>
public sealed record ShardPartial(int Shard, double[] Values, string Node, double Seconds);

/// <summary>
/// The shards of one fit, wherever they live: in this process, or as entities across the cluster. A step asks the shards of its
/// batch for sums, then for gradients; the partials come back in the order of the shard ids asked for.
/// </summary>
public interface IShardGroup
{
    Task<IReadOnlyList<ShardPartial>> ForwardAsync(long step, int batch, IReadOnlyList<int> shards, double[] parameters, CancellationToken cancellationToken);

    Task<IReadOnlyList<ShardPartial>> BackwardAsync(long step, int batch, IReadOnlyList<int> shards, double[] coefficients, CancellationToken cancellationToken);
}

/// <summary>A shard lost its state for the step (its node died, it moved): the step is computed again from the start.</summary>
public sealed class ShardStepLostException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>One shard's frames as a file on this node and the batch of each frame, to be spread over the cluster.</summary>
public sealed record ShardFile(int Shard, string Path, int[] Batches);

/// <summary>Where a shard was loaded: its node, frames, resident bytes and load time.</summary>
public sealed record ShardHome(int Shard, string Node, int Frames, long Bytes, double Seconds);

/// <summary>What one worker did since the last <see cref="IOpenShardGroup.TakeStats"/>: shard answers and their compute time.</summary>
public sealed record ShardWorkerStats(string Node, int Answers, double ComputeSeconds, double MaxShardSeconds);

/// <summary>A fit's shards, loaded on the cluster's workers until disposed (then released everywhere).</summary>
public interface IOpenShardGroup : IShardGroup, IDisposable
{
    IReadOnlyList<ShardHome> Homes { get; }

    /// <summary>Shard answers lost so far (their steps were computed again).</summary>
    int LostSteps { get; }

    /// <summary>Per worker, what it computed since the last call (stragglers show as more seconds for the same answers).</summary>
    IReadOnlyList<ShardWorkerStats> TakeStats();
}

/// <summary>
/// The cluster's fit shard region as seen by a fit's coordinator (the CLI's <c>nep train --distributed</c>, or a campaign
/// trial with <c>distributed: true</c>): registers each shard's file by content on this node and has the workers load them.
/// </summary>
public interface IShardGroups
{
    Task<IOpenShardGroup> OpenAsync(string kind, IReadOnlyList<ShardFile> files, string model, string dtype, CancellationToken cancellationToken);
}
