using ClusterML.Core.Results;

namespace ClusterML.Storage.Tests;

public sealed class SqliteResultStoreTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("clusterml-store-").FullName;

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_folder, recursive: true);
    }

    private SqliteResultStore Store() => new(Path.Combine(_folder, "clusterml.db"));

    private static TrialResult Result(string trial, double loss, TrialStatus status = TrialStatus.Completed, string node = "n1") =>
        new("c1", trial, int.Parse(trial[1..], System.Globalization.CultureInfo.InvariantCulture), new Dictionary<string, string> { ["width"] = "32", ["lr"] = "0.001" }, 7,
            status, status == TrialStatus.Failed ? null : loss, new Dictionary<string, double> { ["test_rmse"] = loss, ["nan"] = double.NaN },
            status == TrialStatus.Failed ? "boom" : null, ["model"], node, 2, 1000, 2500);

    [Fact]
    public void A_trial_result_should_be_stored_once_and_read_back_whole()
    {
        var store = Store();
        Assert.True(store.TryRecordResult(Result("t0001", 0.5)));
        Assert.False(store.TryRecordResult(Result("t0001", 0.1, node: "n2")));
        var stored = Assert.Single(store.Results("c1"));
        Assert.Equal(0.5, stored.FinalLoss);
        Assert.Equal("n1", stored.Node);
        Assert.Equal("32", stored.Parameters["width"]);
        Assert.Equal(0.5, stored.Metrics["test_rmse"]);
        Assert.False(stored.Metrics.ContainsKey("nan"));
        Assert.Equal((2, 1000L, 2500L), (stored.Attempts, stored.StartedAtMs, stored.EndedAtMs));
    }

    [Fact]
    public void A_batch_should_keep_first_copies_and_the_standing_should_rank_in_the_database_as_over_every_result()
    {
        var store = Store();
        Assert.True(store.TryRecordResult(Result("t0003", 0.3)));
        var stored = store.RecordBatch(
            [Result("t0001", 0.2), Result("t0002", 0.2), Result("t0003", 0.01), Result("t0004", 0, TrialStatus.Failed), Result("t0005", 0.9, TrialStatus.Stopped),
                Result("t0006", 0.05)],
            [new EpochMetrics("c1", "t0001", 1, 1, new Dictionary<string, double> { ["train_loss"] = 1 })]);
        Assert.Equal([true, true, false, true, true, true], stored); // t0003 was stored before: the first copy stays
        Assert.Single(store.Epochs("c1"));

        var (best, completed, failed, stopped) = store.Standing("c1", 3);
        Assert.Equal(["t0006", "t0001", "t0002"], best.Select(r => r.TrialId)); // ties (0.2) by trial index
        Assert.Equal((4, 1, 1), (completed, failed, stopped));
        // The same as the interface's reading of every result.
        var (allBest, c, f, st) = ((IResultStore)new EveryResult(store)).Standing("c1", 3);
        Assert.Equal(best.Select(r => r.TrialId), allBest.Select(r => r.TrialId));
        Assert.Equal((completed, failed, stopped), (c, f, st));
    }

    /// <summary>The store seen only through <see cref="IResultStore.Results"/>: the interface's own <see cref="IResultStore.Standing"/>.</summary>
    private sealed class EveryResult(IResultStore inner) : IResultStore
    {
        public void SaveCampaign(CampaignRecord campaign) => inner.SaveCampaign(campaign);

        public void SetCampaignStatus(string campaignId, string status, long? endedAtMs) => inner.SetCampaignStatus(campaignId, status, endedAtMs);

        public CampaignRecord? FindCampaign(string campaignId) => inner.FindCampaign(campaignId);

        public IReadOnlyList<CampaignRecord> Campaigns() => inner.Campaigns();

        public bool TryRecordResult(TrialResult result) => inner.TryRecordResult(result);

        public void RecordEpoch(EpochMetrics metrics) => inner.RecordEpoch(metrics);

        public IReadOnlyList<bool> RecordBatch(IReadOnlyList<TrialResult> results, IReadOnlyList<EpochMetrics> epochs) => inner.RecordBatch(results, epochs);

        public IReadOnlyList<TrialResult> Results(string campaignId) => inner.Results(campaignId);

        public IReadOnlyList<EpochMetrics> Epochs(string campaignId) => inner.Epochs(campaignId);

        public bool DeleteCampaign(string campaignId) => inner.DeleteCampaign(campaignId);
    }

    [Fact]
    public void Results_should_survive_a_new_store_on_the_same_file_and_keep_status_and_errors()
    {
        Store().TryRecordResult(Result("t0002", 0, TrialStatus.Failed));
        Store().TryRecordResult(Result("t0001", 0.3, TrialStatus.Stopped));
        var results = Store().Results("c1");
        Assert.Equal(["t0001", "t0002"], results.Select(r => r.TrialId));
        Assert.Equal(TrialStatus.Stopped, results[0].Status);
        Assert.Equal(("boom", (double?)null), (results[1].Error, results[1].FinalLoss));
    }

    [Fact]
    public void Concurrent_writers_should_record_each_trial_exactly_once()
    {
        var store = Store();
        var stored = 0;
        Parallel.For(0, 200, i =>
        {
            if (store.TryRecordResult(Result($"t{i % 50:D4}", i)))
            {
                Interlocked.Increment(ref stored);
            }
        });
        Assert.Equal(50, stored);
        Assert.Equal(50, store.Results("c1").Count);
    }

    [Fact]
    public void Campaigns_and_epochs_should_round_trip()
    {
        var store = Store();
        store.SaveCampaign(new CampaignRecord("c1", "quick", "fd", "/x.yaml", "engine: fd", "running", 9, 100, null));
        store.SetCampaignStatus("c1", "completed", 900);
        store.RecordEpoch(new EpochMetrics("c1", "t0001", 1, 3, new Dictionary<string, double> { ["validation_loss"] = 0.25 }));
        var campaign = store.FindCampaign("c1")!;
        Assert.Equal(("completed", 900L, 9), (campaign.Status, campaign.EndedAtMs!.Value, campaign.PlannedTrials));
        Assert.Null(store.FindCampaign("c2"));
        Assert.Equal(0.25, Assert.Single(store.Epochs("c1")).Metrics["validation_loss"]);
    }

    [Fact]
    public void Artifact_files_should_be_stored_with_the_result_also_in_a_store_made_before_they_existed_and_opened_by_two_processes_at_once()
    {
        // A store as the previous version made it (no files / artifact_folder columns), with one result in it.
        var path = Path.Combine(_folder, "clusterml.db");
        using (var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={path}"))
        {
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = """
                CREATE TABLE trial_results (
                    campaign_id TEXT NOT NULL, trial_id TEXT NOT NULL, trial_index INTEGER NOT NULL, parameters TEXT NOT NULL, seed INTEGER NOT NULL,
                    status TEXT NOT NULL, final_loss REAL NULL, metrics TEXT NOT NULL, error TEXT NULL, artifacts TEXT NOT NULL, node TEXT NOT NULL,
                    attempts INTEGER NOT NULL, started_at_ms INTEGER NOT NULL, ended_at_ms INTEGER NOT NULL, PRIMARY KEY (campaign_id, trial_id));
                INSERT INTO trial_results VALUES ('c1', 't0000', 0, '{}', 1, 'completed', 0.5, '{}', NULL, '[]', 'n0', 1, 1, 2);
                """;
            command.ExecuteNonQuery();
        }
        // Two processes opening it at once (the regression: the second failed with "duplicate column name: files").
        Parallel.For(0, 4, _ => Store());
        var store = Store();
        var files = new[] { new ClusterML.Core.Files.ArtifactFile("model/nep.txt", 10, new string('a', 64)) };
        Assert.True(store.TryRecordResult(Result("t0001", 0.25) with { Files = files, ArtifactFolder = "campaigns/c1/trials/t0001" }));
        var results = store.Results("c1");
        Assert.Null(results[0].Files);
        Assert.Equal(files, results[1].Files);
        Assert.Equal("campaigns/c1/trials/t0001", results[1].ArtifactFolder);
    }
}
