namespace ClusterML.Core.Results;

/// <summary>
/// Where campaign results live (SQLite in the data directory by default). Implementations are thread-safe.
/// <see cref="TryRecordResult"/> keeps the first result of a trial and refuses later ones, so a trial that ran twice
/// (a worker lost after finishing but before reporting) is still recorded exactly once.
/// </summary>
public interface IResultStore
{
    void SaveCampaign(CampaignRecord campaign);

    void SetCampaignStatus(string campaignId, string status, long? endedAtMs);

    CampaignRecord? FindCampaign(string campaignId);

    IReadOnlyList<CampaignRecord> Campaigns();

    /// <summary>Stores the trial's final result unless one is stored already; returns whether it was stored.</summary>
    bool TryRecordResult(TrialResult result);

    void RecordEpoch(EpochMetrics metrics);

    /// <summary>
    /// <see cref="TryRecordResult"/> for each of <paramref name="results"/> and <see cref="RecordEpoch"/> for each of
    /// <paramref name="epochs"/>, all or nothing; returns, per result, whether it was stored.
    /// </summary>
    IReadOnlyList<bool> RecordBatch(IReadOnlyList<TrialResult> results, IReadOnlyList<EpochMetrics> epochs);

    IReadOnlyList<TrialResult> Results(string campaignId);

    /// <summary>
    /// The <paramref name="top"/> completed results with the lowest finite loss (ties by trial index) and the counts by status:
    /// what a leaderboard needs. Stores should answer it without reading every result (a resumed campaign of 10⁵ trials).
    /// </summary>
    (IReadOnlyList<TrialResult> Best, int Completed, int Failed, int Stopped) Standing(string campaignId, int top)
    {
        var results = Results(campaignId);
        var best = results.Where(r => r.Status == TrialStatus.Completed && r.FinalLoss is { } l && double.IsFinite(l))
            .OrderBy(r => r.FinalLoss).ThenBy(r => r.Index).Take(Math.Max(0, top)).ToList();
        return (best, results.Count(r => r.Status == TrialStatus.Completed), results.Count(r => r.Status == TrialStatus.Failed),
            results.Count(r => r.Status == TrialStatus.Stopped));
    }

    IReadOnlyList<EpochMetrics> Epochs(string campaignId);

    /// <summary>The per-epoch metrics of some trials of a campaign (the dashboard's learning curves), in the order of <see cref="Epochs(string)"/>.</summary>
    IReadOnlyList<EpochMetrics> Epochs(string campaignId, IReadOnlyCollection<string> trialIds)
    {
        var wanted = trialIds.ToHashSet(StringComparer.Ordinal);
        return [.. Epochs(campaignId).Where(e => wanted.Contains(e.TrialId))];
    }

    /// <summary>How many per-epoch rows a campaign has: grows while trials report, so the dashboard sees new epochs without reading them.</summary>
    long EpochCount(string campaignId) => Epochs(campaignId).Count;

    /// <summary>
    /// Stores the logs of attempts that wrote nothing else (most tiny trials), all in one transaction; a trial keeps the log of
    /// its newest stored attempt. Attempts with files land their <c>trial.log</c> in the trial's artifact folder instead: a
    /// campaign of 10⁵ trials would otherwise create 10⁵ folders, which cost more than the trials.
    /// </summary>
    void StoreTrialLogs(IReadOnlyList<TrialLogEntry> logs);

    /// <summary>The stored log of a trial (see <see cref="StoreTrialLogs"/>), or null.</summary>
    TrialLogEntry? TrialLog(string campaignId, string trialId);

    /// <summary>Removes the campaign, its results, its per-epoch metrics and its stored logs; returns whether it existed.</summary>
    bool DeleteCampaign(string campaignId);
}
