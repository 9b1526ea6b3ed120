using Akka.Cluster.Sharding;
using ClusterML.Core.Messages;

namespace ClusterML.Cluster.Campaigns;

/// <summary>Routes campaign messages by campaign id.</summary>
public sealed class CampaignMessageExtractor() : HashCodeMessageExtractor(30)
{
    public override string? EntityId(object message) => (message as IWithCampaignId)?.CampaignId;
}
