using System.Collections.Frozen;
using ClusterML.Core.Messages;

namespace ClusterML.Cluster.Serialization;

/// <summary>
/// The manifest string of every wire type. These strings are the wire contract: append, never rename or reuse.
/// A test checks that every <see cref="IWireMessage"/> type in ClusterML.Core is listed.
/// </summary>
public static class WireManifests
{
    public static FrozenDictionary<string, Type> ByManifest { get; } = new Dictionary<string, Type>
    {
        ["trial.start"] = typeof(StartTrial),
        ["trial.stop"] = typeof(StopTrial),
        ["trial.progressed"] = typeof(TrialProgressed),
        ["trial.running"] = typeof(TrialRunning),
        ["trial.completed"] = typeof(TrialCompleted),
        ["trial.stopped"] = typeof(TrialStopped),
        ["trial.failed"] = typeof(TrialFailed),
        ["campaign.submitted"] = typeof(CampaignSubmitted),
        ["campaign.trial-attempt-started"] = typeof(TrialAttemptStarted),
        ["campaign.trial-finished"] = typeof(TrialFinished),
        ["campaign.ended"] = typeof(CampaignEnded),
        ["campaign.resume"] = typeof(ResumeCampaign),
        ["campaign.cancel"] = typeof(CancelCampaign),
        ["campaign.get-status"] = typeof(GetCampaignStatus),
        ["campaign.status"] = typeof(CampaignStatus),
        ["campaign.settled"] = typeof(CampaignSettled),
        ["aggregator.record-result"] = typeof(RecordTrialResult),
        ["aggregator.result-recorded"] = typeof(TrialResultRecorded),
        ["aggregator.record-epoch"] = typeof(RecordEpochMetrics),
        ["aggregator.record-status"] = typeof(RecordCampaignStatus),
        ["aggregator.status-recorded"] = typeof(CampaignStatusRecorded),
        ["aggregator.get-leaderboard"] = typeof(GetLeaderboard),
        ["aggregator.leaderboard"] = typeof(Leaderboard),
        ["files.fetch-blob"] = typeof(FetchBlob),
        ["files.blob-unavailable"] = typeof(BlobUnavailable),
        ["files.store-artifacts"] = typeof(StoreArtifacts),
        ["files.artifacts-stored"] = typeof(ArtifactsStored),
        ["files.artifacts-not-stored"] = typeof(ArtifactsNotStored),
        ["files.blob-chunk"] = typeof(BlobChunk),
        ["fit.shard-load"] = typeof(FitShardLoad),
        ["fit.shard-loaded"] = typeof(FitShardLoaded),
        ["fit.shard-forward"] = typeof(FitShardForward),
        ["fit.shard-backward"] = typeof(FitShardBackward),
        ["fit.shard-result"] = typeof(FitShardResult),
        ["fit.shard-refused"] = typeof(FitShardRefused),
        ["fit.shard-release"] = typeof(FitShardRelease),
        ["campaign.asha-reported"] = typeof(AshaReported),
        ["campaign.snapshot"] = typeof(CampaignSnapshot),
        ["fit.checkpoint-save"] = typeof(FitCheckpointSave),
        ["fit.checkpoint-saved"] = typeof(FitCheckpointSaved),
        ["fit.checkpoint-get"] = typeof(FitCheckpointGet),
        ["fit.checkpoint-state"] = typeof(FitCheckpointState),
        ["fit.checkpoint-forget"] = typeof(FitCheckpointForget),
        ["fit.checkpoint-forgotten"] = typeof(FitCheckpointForgotten),
        ["admission.challenge"] = typeof(AdmissionChallenge),
        ["admission.proof"] = typeof(AdmissionProof),
        ["campaign.get-running"] = typeof(GetRunningTrials),
        ["campaign.running"] = typeof(RunningTrials),
        ["node.get-info"] = typeof(GetNodeInfo),
        ["node.info"] = typeof(NodeInfo),
    }.ToFrozenDictionary();

    public static FrozenDictionary<Type, string> ByType { get; } = ByManifest.ToFrozenDictionary(p => p.Value, p => p.Key);
}
