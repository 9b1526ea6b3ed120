using System.Collections.Immutable;
using Akka.Actor;
using ClusterML.Core.Messages;
using ClusterML.Core.Results;
using ClusterML.Core.Specs;
using ClusterML.Engines.FiniteDifferences;

namespace ClusterML.Cluster.Tests.Campaigns;

/// <summary>Each test runs on both backends: SQLite files (embedded) and a fresh PostgreSQL database (journal, snapshots, results).</summary>
public sealed class CampaignCoordinatorTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("clusterml-campaign-").FullName;
    private readonly List<TestStorage> _storages = [];

    public void Dispose()
    {
        foreach (var storage in _storages)
        {
            storage.Dispose();
        }
        Directory.Delete(_folder, recursive: true);
    }

    /// <summary>A new place to persist to (a subfolder, or a new PostgreSQL database), removed after the test.</summary>
    private TestStorage Storage(Backend backend, string name = "")
    {
        var storage = TestStorage.Create(backend, Path.Combine(_folder, name));
        _storages.Add(storage);
        return storage;
    }

    private static CampaignSubmitted Campaign(string id, int trials, int maxConcurrent = 2, int retries = 1, Func<int, FdHeatTrialSpec>? spec = null) =>
        new(id, "test", "fake",
            [.. Enumerable.Range(0, trials).Select(i => new PlannedTrial($"t{i:D4}", i, spec?.Invoke(i) ?? new FdHeatTrialSpec(Nx: 3 + i), 100 + i,
                ImmutableDictionary<string, string>.Empty.Add("nx", (3 + i).ToString(System.Globalization.CultureInfo.InvariantCulture))))],
            maxConcurrent, retries, "cpu", null, null, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());

    [Theory]
    [InlineData(Backend.Sqlite)]
    [InlineData(Backend.Postgres)]
    public async Task A_campaign_should_run_every_trial_once_and_record_each_result_once(Backend backend)
    {
        var storage = Storage(backend);
        var engine = new FakeEngine { EpochDelay = TimeSpan.FromMilliseconds(5) };
        await using var cluster = await TestCluster.StartAsync(storage, engine);
        var accepted = await cluster.Campaigns.Ask<CampaignStatus>(Campaign("c1", 8), TimeSpan.FromSeconds(30));
        Assert.Equal(("running", 8), (accepted.Status, accepted.Planned));
        var status = await cluster.WaitAsync("c1", TimeSpan.FromSeconds(60));
        Assert.Equal(("completed", 8, 0), (status.Status, status.Completed, status.Failed));
        Assert.Equal("t0007", status.BestTrialId); // loss 1/nx is lowest for the largest nx
        var results = cluster.Store.Results("c1");
        Assert.Equal(Enumerable.Range(0, 8).Select(i => $"t{i:D4}"), results.Select(r => r.TrialId));
        Assert.All(results, r => Assert.Equal((TrialStatus.Completed, 1), (r.Status, r.Attempts)));
        Assert.Equal(103.0, results[3].Metrics["seed"]);
        Assert.Equal(8, engine.Runs);
        Assert.NotEmpty(cluster.Store.Epochs("c1"));
    }

    [Theory]
    [InlineData(Backend.Sqlite)]
    [InlineData(Backend.Postgres)]
    public async Task A_failing_trial_should_be_retried_then_recorded_as_failed_while_the_others_complete(Backend backend)
    {
        var storage = Storage(backend);
        var engine = new FakeEngine();
        await using var cluster = await TestCluster.StartAsync(storage, engine);
        await cluster.Campaigns.Ask<CampaignStatus>(Campaign("c2", 4, retries: 2, spec: i => new FdHeatTrialSpec(Alpha: i == 1 ? -1 : 0.1, Nx: 2)), TimeSpan.FromSeconds(30));
        var status = await cluster.WaitAsync("c2", TimeSpan.FromSeconds(60));
        Assert.Equal(("completed", 3, 1), (status.Status, status.Completed, status.Failed));
        var failed = cluster.Store.Results("c2").Single(r => r.Status == TrialStatus.Failed);
        Assert.Equal(("t0001", 3), (failed.TrialId, failed.Attempts));
        Assert.Equal("fake failure for alpha -1", failed.Error);
        Assert.Equal(3 + 3, engine.Runs);
    }

    [Fact]
    public async Task Running_should_count_only_trials_a_worker_has_started_not_those_queued_for_its_slot()
    {
        var storage = Storage(Backend.Sqlite);
        var engine = new FakeEngine { EpochDelay = TimeSpan.FromMilliseconds(150) };
        await using var cluster = await TestCluster.StartAsync(storage, engine, slots: 1);
        await cluster.Campaigns.Ask<CampaignStatus>(Campaign("c-run", 4, maxConcurrent: 3, spec: _ => new FdHeatTrialSpec(Nx: 4)), TimeSpan.FromSeconds(30));
        var seen = new List<int>();
        CampaignStatus status;
        do
        {
            await Task.Delay(50, TestContext.Current.CancellationToken);
            status = await cluster.Campaigns.Ask<CampaignStatus>(new GetCampaignStatus("c-run"), TimeSpan.FromSeconds(10));
            seen.Add(status.Running);
        }
        while (!status.IsOver);
        // Three dispatched at a time, one slot: one computes, the others wait in the worker's queue (pending, not running).
        // The slot is given back before a finished attempt's artifacts are stored, so for a moment the finishing trial and the
        // next one both count: never the third, queued one (before TrialRunning, all three counted as running).
        Assert.All(seen, running => Assert.InRange(running, 0, 2));
        Assert.Contains(1, seen);
        Assert.Equal(0, status.Running);
    }

    [Fact]
    public async Task A_trial_that_fails_on_its_input_should_not_be_retried()
    {
        var storage = Storage(Backend.Sqlite);
        var engine = new FakeEngine();
        await using var cluster = await TestCluster.StartAsync(storage, engine);
        await cluster.Campaigns.Ask<CampaignStatus>(Campaign("c2v", 3, retries: 2, spec: i => new FdHeatTrialSpec(Length: i == 1 ? -1 : 1, Nx: 2)), TimeSpan.FromSeconds(30));
        var status = await cluster.WaitAsync("c2v", TimeSpan.FromSeconds(60));
        Assert.Equal(("completed", 2, 1), (status.Status, status.Completed, status.Failed));
        var failed = cluster.Store.Results("c2v").Single(r => r.Status == TrialStatus.Failed);
        Assert.Equal(("t0001", 1), (failed.TrialId, failed.Attempts)); // bad input fails the same way every time: one attempt
        Assert.Contains("data.csv:3: length: must be positive", failed.Error, StringComparison.Ordinal);
        Assert.Equal(3, engine.Runs);
    }

    [Theory]
    [InlineData(Backend.Sqlite)]
    [InlineData(Backend.Postgres)]
    public async Task A_resumed_campaign_should_not_run_finished_trials_again(Backend backend)
    {
        var storage = Storage(backend);
        var first = new FakeEngine { EpochDelay = TimeSpan.FromMilliseconds(100) };
        var cluster = await TestCluster.StartAsync(storage, first, slots: 1);
        await cluster.Campaigns.Ask<CampaignStatus>(Campaign("c3", 6, maxConcurrent: 1, spec: _ => new FdHeatTrialSpec(Nx: 3)), TimeSpan.FromSeconds(30));
        CampaignStatus status;
        do
        {
            await Task.Delay(100);
            status = await cluster.Campaigns.Ask<CampaignStatus>(new GetCampaignStatus("c3"), TimeSpan.FromSeconds(10));
        }
        while (status.Completed < 2);
        await cluster.DisposeAsync(); // the process goes away mid-campaign
        var finishedBefore = cluster.Store.Results("c3").Select(r => r.TrialId).ToHashSet();

        var second = new FakeEngine();
        await using var resumed = await TestCluster.StartAsync(storage, second, slots: 1);
        var afterRecovery = await resumed.Campaigns.Ask<CampaignStatus>(new ResumeCampaign("c3"), TimeSpan.FromSeconds(30));
        Assert.Equal("running", afterRecovery.Status);
        status = await resumed.WaitAsync("c3", TimeSpan.FromSeconds(60));
        Assert.Equal(("completed", 6), (status.Status, status.Completed));
        var results = resumed.Store.Results("c3");
        Assert.Equal(6, results.Count);
        Assert.InRange(second.Runs, 1, 6 - finishedBefore.Count);
    }

    [Theory]
    [InlineData(Backend.Sqlite)]
    [InlineData(Backend.Postgres)]
    public async Task Cancelling_should_stop_running_trials_and_end_the_campaign(Backend backend)
    {
        var storage = Storage(backend);
        var engine = new FakeEngine { EpochDelay = TimeSpan.FromMilliseconds(50) };
        await using var cluster = await TestCluster.StartAsync(storage, engine);
        await cluster.Campaigns.Ask<CampaignStatus>(Campaign("c4", 5, spec: _ => new FdHeatTrialSpec(Nx: 10_000)), TimeSpan.FromSeconds(30));
        await Task.Delay(300);
        var cancelled = await cluster.Campaigns.Ask<CampaignStatus>(new CancelCampaign("c4"), TimeSpan.FromSeconds(30));
        Assert.Equal("cancelled", cancelled.Status);
        Assert.Equal("cancelled", cluster.Store.FindCampaign("c4")?.Status ?? "cancelled");
    }

    [Theory]
    [InlineData(Backend.Sqlite)]
    [InlineData(Backend.Postgres)]
    public async Task Early_stopping_should_stop_the_worse_trials_at_the_rungs(Backend backend)
    {
        var storage = Storage(backend);
        // Validation loss 2·Length/epoch: trial i has Length = 1 + i, so later trials are worse at every epoch.
        var engine = new FakeEngine { EpochDelay = TimeSpan.FromMilliseconds(10) };
        await using var cluster = await TestCluster.StartAsync(storage, engine, slots: 1);
        var campaign = Campaign("c5", 6, maxConcurrent: 1, spec: i => new FdHeatTrialSpec(Length: 1 + i, Nx: 12)) with
        {
            EarlyStopping = new EarlyStoppingPolicy("validation_loss", false, 2, 2, 12),
        };
        await cluster.Campaigns.Ask<CampaignStatus>(campaign, TimeSpan.FromSeconds(30));
        var status = await cluster.WaitAsync("c5", TimeSpan.FromSeconds(60));
        Assert.Equal("completed", status.Status);
        var results = cluster.Store.Results("c5");
        Assert.Equal(TrialStatus.Completed, results[0].Status); // the best trial always continues
        Assert.True(status.Stopped >= 3, $"{status.Stopped} trials were stopped early");
        Assert.All(results.Where(r => r.Status == TrialStatus.Stopped), r => Assert.StartsWith("early stopping (ASHA)", r.Error, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(Backend.Sqlite)]
    [InlineData(Backend.Postgres)]
    public async Task A_campaign_should_snapshot_trim_its_journal_and_resume_from_the_snapshot(Backend backend)
    {
        var storage = Storage(backend);
        const string hocon = "clusterml.campaign.snapshot-every = 25";
        var first = new FakeEngine { EpochDelay = TimeSpan.FromMilliseconds(5) };
        var cluster = await TestCluster.StartAsync(storage, first, slots: 4, hocon);
        await cluster.Campaigns.Ask<CampaignStatus>(Campaign("c6", 300, maxConcurrent: 4, spec: _ => new FdHeatTrialSpec(Nx: 8)), TimeSpan.FromSeconds(30));
        // Running on: a snapshot is saved every 25 events and the journal before it deleted, asynchronously behind the event
        // writes; the process is stopped once that is seen (the campaign must not end first).
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(90);
        CampaignStatus status;
        (long Events, long Snapshots, long Written) rows;
        do
        {
            await Task.Delay(100);
            status = await cluster.Campaigns.Ask<CampaignStatus>(new GetCampaignStatus("c6"), TimeSpan.FromSeconds(10));
            rows = storage.JournalRows("campaign-c6");
            Assert.True(DateTime.UtcNow < deadline && !status.IsOver, $"no trimmed journal while the campaign ran ({status.Finished} trials finished; {storage.JournalDebug("campaign-c6")})");
        }
        while (status.Completed < 60 || rows.Snapshots == 0 || rows.Events > rows.Written - 25);
        await cluster.DisposeAsync();
        var finishedBefore = cluster.Store.Results("c6").Select(r => r.TrialId).ToHashSet();
        Assert.InRange(finishedBefore.Count, 60, 299);

        var second = new FakeEngine();
        await using var resumed = await TestCluster.StartAsync(storage, second, slots: 4, hocon);
        Assert.Equal("running", (await resumed.Campaigns.Ask<CampaignStatus>(new ResumeCampaign("c6"), TimeSpan.FromSeconds(30))).Status);
        status = await resumed.WaitAsync("c6", TimeSpan.FromSeconds(120));
        Assert.Equal(("completed", 300, 0), (status.Status, status.Completed, status.Failed));
        var results = resumed.Store.Results("c6");
        Assert.Equal(300, results.Select(r => r.TrialId).Distinct().Count());
        // Only the trials not finished before the stop ran again (up to 4 in flight ran twice; a few finished but not yet stored did not).
        Assert.InRange(second.Runs, 300 - finishedBefore.Count - 20, 300 - finishedBefore.Count + 4);
    }

    [Theory]
    [InlineData(Backend.Sqlite)]
    [InlineData(Backend.Postgres)]
    public async Task A_resumed_campaign_should_take_the_early_stopping_decisions_of_an_uninterrupted_one(Backend backend)
    {
        // Trial i's validation loss is 2·Length/epoch with Length a seeded permutation: ASHA stops some at each rung.
        var lengths = Enumerable.Range(1, 12).ToArray();
        new Random(17).Shuffle(lengths);
        CampaignSubmitted Asha(string id) => Campaign(id, 12, maxConcurrent: 1, spec: i => new FdHeatTrialSpec(Length: lengths[i], Nx: 16)) with
        {
            EarlyStopping = new EarlyStoppingPolicy("validation_loss", false, 2, 2, 16),
        };
        Dictionary<string, string> Decisions(IResultStore store, string id) =>
            store.Results(id).ToDictionary(r => r.TrialId, r => r.Status == TrialStatus.Stopped ? r.Error! : "completed");

        var whole = Storage(backend, "whole");
        Dictionary<string, string> expected;
        await using (var uninterrupted = await TestCluster.StartAsync(whole, new FakeEngine { EpochDelay = TimeSpan.FromMilliseconds(5) }, slots: 1))
        {
            await uninterrupted.Campaigns.Ask<CampaignStatus>(Asha("a1"), TimeSpan.FromSeconds(30));
            Assert.Equal("completed", (await uninterrupted.WaitAsync("a1", TimeSpan.FromSeconds(60))).Status);
            expected = Decisions(uninterrupted.Store, "a1");
        }
        Assert.Contains(expected.Values, v => v.StartsWith("early stopping", StringComparison.Ordinal));

        // The same campaign, stopped at a seeded point in the middle (a trial in flight), then resumed.
        var interrupted = Storage(backend, "interrupted");
        var stopAfter = new Random(5).Next(3, 9);
        var cluster = await TestCluster.StartAsync(interrupted, new FakeEngine { EpochDelay = TimeSpan.FromMilliseconds(5) }, slots: 1);
        await cluster.Campaigns.Ask<CampaignStatus>(Asha("a1"), TimeSpan.FromSeconds(30));
        while ((await cluster.Campaigns.Ask<CampaignStatus>(new GetCampaignStatus("a1"), TimeSpan.FromSeconds(10))).Finished < stopAfter)
        {
            await Task.Delay(10);
        }
        await cluster.DisposeAsync();
        await using var resumed = await TestCluster.StartAsync(interrupted, new FakeEngine { EpochDelay = TimeSpan.FromMilliseconds(5) }, slots: 1);
        await resumed.Campaigns.Ask<CampaignStatus>(new ResumeCampaign("a1"), TimeSpan.FromSeconds(30));
        Assert.Equal("completed", (await resumed.WaitAsync("a1", TimeSpan.FromSeconds(60))).Status);
        Assert.Equal(expected.OrderBy(d => d.Key), Decisions(resumed.Store, "a1").OrderBy(d => d.Key));
    }

    /// <summary>A TPE campaign over the fake engine's nx (loss 1/nx): the plan as the CLI journals it (the spec's text).</summary>
    private static CampaignSubmitted Tpe(string id, int trials, int maxConcurrent, string kind = "tpe")
    {
        var text = $$"""
            name: tpe
            engine: fd
            seed: 3
            base: { alpha: 0.1, length: 1.0, t_end: 0.01, r: 0.4 }
            space:
              nx: { type: int, low: 3, high: 60 }
            search: { kind: {{kind}}, startup_trials: 5 }
            budget: { max_trials: {{trials}}, max_concurrent: {{maxConcurrent}} }
            """;
        var spec = ClusterML.Core.Campaigns.CampaignSpecReader.Parse(text, "tpe.yaml");
        var plan = ClusterML.Core.Coordination.CampaignPlanner.Plan(spec, id, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
        return ClusterML.Core.Coordination.CampaignPlanner.Compact(plan, text, "tpe.yaml", new Dictionary<string, ClusterML.Core.Files.BlobRef>());
    }

    private static int[] Nx(IResultStore store, string id) =>
        [.. store.Results(id).OrderBy(r => r.Index).Select(r => int.Parse(r.Parameters["nx"], System.Globalization.CultureInfo.InvariantCulture))];

    [Theory]
    [InlineData(Backend.Sqlite, "tpe")]
    [InlineData(Backend.Postgres, "tpe")]
    [InlineData(Backend.Sqlite, "gp")]
    public async Task A_model_based_campaign_should_propose_from_results_and_a_resumed_one_should_continue_the_same_sequence(Backend backend, string kind)
    {
        // One trial at a time, so every proposal sees all earlier results: the sequence depends on the seed alone.
        int[] expected;
        var whole = Storage(backend, "whole");
        await using (var uninterrupted = await TestCluster.StartAsync(whole, new FakeEngine(), slots: 1))
        {
            await uninterrupted.Campaigns.Ask<CampaignStatus>(Tpe("p1", 30, 1, kind), TimeSpan.FromSeconds(30));
            var status = await uninterrupted.WaitAsync("p1", TimeSpan.FromSeconds(60));
            Assert.Equal(("completed", 30), (status.Status, status.Completed));
            expected = Nx(uninterrupted.Store, "p1");
        }
        Assert.Equal(30, expected.Length);
        Assert.All(expected, nx => Assert.InRange(nx, 3, 60));
        // The model learns that a larger nx is better (loss 1/nx): the last ten proposals beat the five random start-up ones.
        // (GP proposals may repeat the best point once the model is sure.)
        Assert.True(expected.TakeLast(10).Average() > expected.Take(5).Average() + 5, $"proposals: {string.Join(' ', expected)}");
        Assert.True(expected.Distinct().Count() > 5, $"the proposals should not all be the same point: {string.Join(' ', expected)}");

        // The same campaign stopped at a seeded point (after snapshots that hold the proposals), then resumed.
        var interrupted = Storage(backend, "interrupted");
        const string hocon = "clusterml.campaign.snapshot-every = 7";
        var stopAfter = new Random(11).Next(8, 20);
        var cluster = await TestCluster.StartAsync(interrupted, new FakeEngine { EpochDelay = TimeSpan.FromMilliseconds(2) }, slots: 1, hocon);
        await cluster.Campaigns.Ask<CampaignStatus>(Tpe("p1", 30, 1, kind), TimeSpan.FromSeconds(30));
        while ((await cluster.Campaigns.Ask<CampaignStatus>(new GetCampaignStatus("p1"), TimeSpan.FromSeconds(10))).Finished < stopAfter)
        {
            await Task.Delay(5);
        }
        await cluster.DisposeAsync();
        await using var resumed = await TestCluster.StartAsync(interrupted, new FakeEngine(), slots: 1, hocon);
        await resumed.Campaigns.Ask<CampaignStatus>(new ResumeCampaign("p1"), TimeSpan.FromSeconds(30));
        Assert.Equal("completed", (await resumed.WaitAsync("p1", TimeSpan.FromSeconds(60))).Status);
        Assert.Equal(expected, Nx(resumed.Store, "p1"));
        Assert.True(interrupted.JournalRows("campaign-p1").Snapshots > 0, "the resumed campaign should have gone through a snapshot");
    }

    [Theory]
    [InlineData(Backend.Sqlite)]
    public async Task A_campaign_with_an_objective_should_pick_the_best_trial_by_that_metric(Backend backend)
    {
        // Grid over nx = 6 … 14; loss 1/nx is lowest at nx = 14, test_rmse = |nx − 10| / 10 lowest at nx = 10, whose trial
        // reports no test_rmse: it counts as failed for the search, so the best is nx = 9 (tied with 11; the lower index wins).
        const string text = """
            name: objective
            engine: fd
            base: { alpha: 0.1, length: 1.0, t_end: 0.01, r: 0.4 }
            space:
              nx: { type: int, low: 6, high: 14 }
            search: { kind: grid }
            objective: { metric: test_rmse }
            """;
        var spec = ClusterML.Core.Campaigns.CampaignSpecReader.Parse(text, "objective.yaml");
        var plan = ClusterML.Core.Coordination.CampaignPlanner.Compact(
            ClusterML.Core.Coordination.CampaignPlanner.Plan(spec, "o1", DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()), text, "objective.yaml",
            new Dictionary<string, ClusterML.Core.Files.BlobRef>());
        var engine = new FakeEngine
        {
            ExtraMetrics = s => s.Nx == 10 ? new Dictionary<string, double>() : new Dictionary<string, double> { ["test_rmse"] = Math.Abs(s.Nx - 10) / 10.0 },
        };
        await using var cluster = await TestCluster.StartAsync(Storage(backend), engine);
        await cluster.Campaigns.Ask<CampaignStatus>(plan, TimeSpan.FromSeconds(30));
        var status = await cluster.WaitAsync("o1", TimeSpan.FromSeconds(60));
        Assert.Equal(("completed", 9), (status.Status, status.Completed));
        Assert.Equal("t0003", status.BestTrialId);
        Assert.Equal(1.0 / 9, status.BestLoss!.Value, 12); // the best trial's final loss, as before
    }
}
