using ClusterML.Core.Results;

namespace ClusterML.Storage.Tests;

/// <summary>
/// The contract of <see cref="IResultStore"/>, run on each store (<see cref="SqliteResultStoreTests"/>,
/// <see cref="PostgresResultStoreTests"/>): every call of <see cref="Store"/> opens a new store on the same database.
/// </summary>
public abstract class ResultStoreTests
{
    /// <summary>A new store object on this test's database (the same database on every call).</summary>
    protected abstract IResultStore Store();

    protected static TrialResult Result(string trial, double loss, TrialStatus status = TrialStatus.Completed, string node = "n1") =>
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
    public void Deleting_a_campaign_should_remove_its_results_and_epochs_and_leave_the_others()
    {
        var store = Store();
        store.SaveCampaign(new CampaignRecord("c1", "quick", "fd", "/x.yaml", "engine: fd", "running", 9, 100, null));
        store.SaveCampaign(new CampaignRecord("c2", "other", "fd", "/y.yaml", "engine: fd", "running", 3, 200, null));
        store.TryRecordResult(Result("t0001", 0.5));
        store.TryRecordResult(Result("t0001", 0.5) with { CampaignId = "c2" });
        store.RecordEpoch(new EpochMetrics("c1", "t0001", 1, 1, new Dictionary<string, double> { ["loss"] = 1 }));
        Assert.True(Store().DeleteCampaign("c1"));
        Assert.False(Store().DeleteCampaign("c1"));
        var store2 = Store();
        Assert.Null(store2.FindCampaign("c1"));
        Assert.Empty(store2.Results("c1"));
        Assert.Empty(store2.Epochs("c1"));
        Assert.Equal(["c2"], store2.Campaigns().Select(c => c.Id));
        Assert.Single(store2.Results("c2"));
    }

    [Fact]
    public void A_trial_log_should_keep_the_newest_attempt_and_go_with_its_campaign()
    {
        var text = System.Text.Encoding.UTF8;
        Store().StoreTrialLogs([new("c1", "t0001", 1, text.GetBytes("first\n")), new("c1", "t0002", 1, text.GetBytes("other\n")), new("c2", "t0001", 1, [0, 255, 10])]);
        Store().StoreTrialLogs([new("c1", "t0001", 3, text.GetBytes("third\n"))]);
        Store().StoreTrialLogs([new("c1", "t0001", 2, text.GetBytes("late second\n"))]); // an older attempt's log arriving late
        var log = Store().TrialLog("c1", "t0001");
        Assert.Equal((3, "third\n"), (log!.Attempt, text.GetString(log.Content)));
        Assert.Equal(new byte[] { 0, 255, 10 }, Store().TrialLog("c2", "t0001")!.Content); // bytes as sent
        Assert.Null(Store().TrialLog("c1", "t0009"));
        Store().SaveCampaign(new CampaignRecord("c1", "n", "fd", "s.yaml", "x: 1", "done", 2, 1, 2));
        Assert.True(Store().DeleteCampaign("c1"));
        Assert.Null(Store().TrialLog("c1", "t0002"));
        Assert.NotNull(Store().TrialLog("c2", "t0001"));
    }

    [Fact]
    public void A_batch_should_keep_first_copies_in_its_own_order_and_say_which_it_stored()
    {
        var store = Store();
        Assert.True(store.TryRecordResult(Result("t0003", 0.3)));
        var epochs = Enumerable.Range(1, 5).Select(e => new EpochMetrics("c1", "t0002", 1, e, new Dictionary<string, double> { ["loss"] = 1.0 / e })).ToArray();
        var stored = store.RecordBatch([Result("t0002", 0.2), Result("t0003", 0.9), Result("t0001", 0.1), Result("t0002", 0.7, node: "n2")], epochs);
        Assert.Equal([true, false, true, false], stored);
        var results = Store().Results("c1");
        Assert.Equal(["t0001", "t0002", "t0003"], results.Select(r => r.TrialId));
        Assert.Equal([0.1, 0.2, 0.3], results.Select(r => r.FinalLoss!.Value));
        Assert.Equal("n1", results[1].Node);
        Assert.Equal(Enumerable.Range(1, 5), Store().Epochs("c1").Select(e => e.Epoch));
        // A repeated epoch replaces its metrics.
        store.RecordEpoch(new EpochMetrics("c1", "t0002", 1, 2, new Dictionary<string, double> { ["loss"] = 9 }));
        Assert.Equal(9, Store().Epochs("c1")[1].Metrics["loss"]);
    }

    [Fact]
    public void Epochs_of_chosen_trials_and_the_epoch_count_should_come_from_the_store()
    {
        var store = Store();
        var epochs = new[] { "t0001", "t0002", "t0003" }.SelectMany(t => Enumerable.Range(1, 3)
            .Select(e => new EpochMetrics("c1", t, 1, e, new Dictionary<string, double> { ["loss"] = e }))).ToArray();
        store.RecordBatch([], epochs);
        store.RecordEpoch(new EpochMetrics("c2", "t0001", 1, 1, new Dictionary<string, double> { ["loss"] = 1 }));
        var chosen = Store().Epochs("c1", ["t0003", "t0001"]);
        Assert.Equal([("t0001", 1), ("t0001", 2), ("t0001", 3), ("t0003", 1), ("t0003", 2), ("t0003", 3)], chosen.Select(e => (e.TrialId, e.Epoch)));
        Assert.Empty(Store().Epochs("c1", []));
        Assert.Equal(9, Store().EpochCount("c1"));
        Assert.Equal(0, Store().EpochCount("c3"));
    }

    [Fact]
    public void A_batch_that_fails_should_store_nothing()
    {
        var store = Store();
        var broken = new EpochMetrics(null!, "t0001", 1, 1, new Dictionary<string, double> { ["loss"] = 1 });
        Assert.ThrowsAny<Exception>(() => store.RecordBatch([Result("t0001", 0.1), Result("t0002", 0.2)], [broken]));
        Assert.Empty(Store().Results("c1"));
        // The trials can still be recorded afterwards.
        Assert.Equal([true, true], store.RecordBatch([Result("t0001", 0.1), Result("t0002", 0.2)], []));
    }

    [Fact]
    public void Concurrent_batches_from_two_stores_should_record_each_trial_exactly_once()
    {
        // Two aggregators (the old one still flushing while the new one writes) with overlapping batches in opposite orders.
        var stores = new[] { Store(), Store() };
        var stored = 0;
        Parallel.For(0, 40, i =>
        {
            var batch = Enumerable.Range(0, 25).Select(k => Result($"t{(i * 7 + k) % 60:D4}", k)).ToArray();
            var flags = stores[i % 2].RecordBatch(i % 2 == 0 ? batch : [.. batch.Reverse()], []);
            Interlocked.Add(ref stored, flags.Count(f => f));
        });
        Assert.Equal(60, stored);
        Assert.Equal(60, Store().Results("c1").Select(r => r.TrialId).Distinct().Count());
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

        public void StoreTrialLogs(IReadOnlyList<TrialLogEntry> logs) => inner.StoreTrialLogs(logs);

        public TrialLogEntry? TrialLog(string campaignId, string trialId) => inner.TrialLog(campaignId, trialId);

        public bool DeleteCampaign(string campaignId) => inner.DeleteCampaign(campaignId);
    }
}
