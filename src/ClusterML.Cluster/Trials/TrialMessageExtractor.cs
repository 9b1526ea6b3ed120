using Akka.Cluster.Sharding;
using ClusterML.Core.Messages;

namespace ClusterML.Cluster.Trials;

/// <summary>Routes trial messages by <see cref="IWithTrialId.EntityId"/> (campaign/trial) over a fixed number of shards.</summary>
public sealed class TrialMessageExtractor(int maxShards = TrialMessageExtractor.DefaultShards) : HashCodeMessageExtractor(maxShards)
{
    /// <summary>Ten times a large cluster's node count, so that shards spread evenly when nodes join or leave.</summary>
    public const int DefaultShards = 100;

    public override string? EntityId(object message) => (message as IWithTrialId)?.EntityId;
}
