using Akka.Cluster.Hosting;
using Akka.Hosting;
using ClusterML.Cluster.Campaigns;

namespace ClusterML.Cluster.Hosting;

/// <summary>Registry key of the campaign coordinator shard region (or its proxy).</summary>
public sealed class CampaignRegion;

/// <summary>Akka.Hosting wiring of campaign coordinators.</summary>
public static class CoordinatorHostingExtensions
{
    /// <summary>Role that hosts campaign coordinators.</summary>
    public const string CoordinatorRole = "coordinator";

    /// <summary>Name of the campaign shard region.</summary>
    public const string CampaignsRegionName = "campaigns";

    /// <summary>
    /// Hosts campaign coordinators (role <c>coordinator</c>, event-sourced through the configured journal) that dispatch to the
    /// trial region and send results to the aggregator. <paramref name="defaultSlots"/> caps concurrent trials of a campaign
    /// that sets no <c>max_concurrent</c>. Needs the trial region and the aggregator (or their proxies) registered first.
    /// </summary>
    public static AkkaConfigurationBuilder WithClusterMLCoordinator(this AkkaConfigurationBuilder builder, int defaultSlots) =>
        builder.WithShardRegion<CampaignRegion>(
            CampaignsRegionName,
            (_, registry, _) =>
            {
                var trials = registry.Get<TrialRegion>();
                var aggregator = registry.Get<AggregatorSingleton>();
                return campaignId => CampaignCoordinator.Props(campaignId, trials, aggregator, defaultSlots);
            },
            new CampaignMessageExtractor(),
            new ShardOptions { Role = CoordinatorRole, RememberEntities = true, ShouldPassivateIdleEntities = false });

    /// <summary>A proxy to the campaign region, for nodes without the coordinator role (e.g. a CLI that only asks for status).</summary>
    public static AkkaConfigurationBuilder WithClusterMLCampaignProxy(this AkkaConfigurationBuilder builder) =>
        builder.WithShardRegionProxy<CampaignRegion>(CampaignsRegionName, CoordinatorRole, new CampaignMessageExtractor());
}
