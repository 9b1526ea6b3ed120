namespace ClusterML.Core.Messages;

/// <summary>
/// Marks a message that may cross nodes: it is serialized by the cluster's MessagePack serializer (never a fallback).
/// Implementations are <c>[MessagePackObject]</c> sealed records whose keys are the wire contract: append, never renumber.
/// </summary>
public interface IWireMessage;

/// <summary>A message routed to one trial entity; <see cref="EntityId"/> is the shard entity id (unique across campaigns).</summary>
public interface IWithTrialId
{
    string CampaignId { get; }

    string TrialId { get; }

    /// <summary><c>CampaignId/TrialId</c>.</summary>
    string EntityId => $"{CampaignId}/{TrialId}";
}

/// <summary>A message about one campaign.</summary>
public interface IWithCampaignId
{
    string CampaignId { get; }
}
