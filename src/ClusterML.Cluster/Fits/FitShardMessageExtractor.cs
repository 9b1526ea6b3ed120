using Akka.Cluster.Sharding;
using ClusterML.Core.Messages;

namespace ClusterML.Cluster.Fits;

/// <summary>
/// Routes fit shard messages to entity <c>fit~shard</c>. The Akka shard of logical shard s is s mod <see cref="MaxShards"/>,
/// so consecutive logical shards land in different Akka shards, which the allocation strategy spreads over the workers
/// evenly (a hash would pile some workers with more).
/// </summary>
public sealed class FitShardMessageExtractor : IMessageExtractor
{
    /// <summary>Akka shards of the region (more than any fit's logical shards: one logical shard each).</summary>
    public const int MaxShards = 1024;

    public static string EntityIdOf(string fitId, int shard) => $"{fitId}~{shard}";

    public string? EntityId(object message) => message is IWithFitShard m ? EntityIdOf(m.FitId, m.Shard) : null;

    public object? EntityMessage(object message) => message;

    public string? ShardId(object message) =>
        message is IWithFitShard m ? (m.Shard % MaxShards).ToString(System.Globalization.CultureInfo.InvariantCulture) : null;

    public string ShardId(string entityId, object? messageHint = null) =>
        (int.Parse(entityId[(entityId.LastIndexOf('~') + 1)..], System.Globalization.CultureInfo.InvariantCulture) % MaxShards).ToString(System.Globalization.CultureInfo.InvariantCulture);
}
