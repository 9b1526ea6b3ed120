using ClusterML.Core.Results;
using ClusterML.Storage;
using ClusterML.Testing;

namespace ClusterML.Cli.Tests.Commands;

/// <summary>Real processes on loopback: a coordinator, workers, kill -9, resume.</summary>
[Trait("Category", "Slow")]
public sealed class CampaignFailureTests : IDisposable
{
    private readonly CliRun _cli = new();

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        _cli.Dispose();
    }

    /// <summary>
    /// A campaign of <paramref name="trials"/> slow fd trials driven by a coordinator-only process, and two one-slot workers
    /// that join it through its seed address (the first is up before the second starts).
    /// </summary>
    private async Task<(ClusterProcess Coordinator, ClusterProcess First, ClusterProcess Second, SqliteResultStore Store)> CoordinatorAndTwoWorkersAsync(string id, int trials)
    {
        var port = ClusterProcess.FreePort();
        var seed = $"akka.tcp://clusterml@127.0.0.1:{port}";
        var data = _cli.Path("coordinator");
        var coordinator = new ClusterProcess(_cli.Root, "campaign", "run", _cli.FdSweep("slow", trials), "--id", id, "--roles", "coordinator",
            "--hostname", "127.0.0.1", "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--data-dir", data);
        await ClusterProcess.WaitUntilAsync(() => File.Exists(Path.Combine(data, "results.db")), TimeSpan.FromSeconds(60), () => coordinator.Output);
        ClusterProcess Worker(string folder) => new(_cli.Root, "node", "--roles", "worker", "--seed-nodes", seed, "--hostname", "127.0.0.1", "--port", "0", "--slots", "1",
            "--data-dir", _cli.Path(folder), "--verbose");
        var first = Worker("w1");
        await ClusterProcess.WaitUntilAsync(() => first.Output.Contains("is up with roles", StringComparison.Ordinal), TimeSpan.FromSeconds(60), () => first.Output);
        return (coordinator, first, Worker("w2"), new SqliteResultStore(Path.Combine(data, "results.db")));
    }

    [Fact]
    public async Task A_killed_worker_should_have_its_trials_run_elsewhere_and_every_trial_recorded_once()
    {
        // The first worker is the oldest with the worker role: it also hosts the trial region's shard coordinator (a
        // singleton), which has to move too: the slowest failover.
        var (coordinator, first, second, store) = await CoordinatorAndTwoWorkersAsync("kill-worker", 8);
        using var stopCoordinator = coordinator;
        using var stopFirst = first;
        using var stopSecond = second;
        await ClusterProcess.WaitUntilAsync(() => store.Results("kill-worker").Count >= 2 && ClusterProcess.Queued(first.Output).Except(store.Results("kill-worker").Select(r => r.TrialId)).Any(),
            TimeSpan.FromSeconds(120), () => coordinator.Output + first.Output + second.Output);

        var orphans = ClusterProcess.Queued(first.Output).Except(store.Results("kill-worker").Select(r => r.TrialId)).ToHashSet();
        first.KillHard();
        var killedAt = DateTime.UtcNow;
        var failover = System.Diagnostics.Stopwatch.StartNew();
        await ClusterProcess.WaitUntilAsync(() => ClusterProcess.Queued(second.Output).Any(orphans.Contains), TimeSpan.FromSeconds(120), () => coordinator.Output + second.Output);
        TestContext.Current.TestOutputHelper?.WriteLine(
            $"failover: {failover.Elapsed.TotalSeconds:F1} s from kill -9 of the worker holding the trial shard coordinator to its trial ({string.Join(", ", orphans)}) starting on the survivor");
        var exited = await coordinator.WaitForExitAsync(TimeSpan.FromSeconds(180));
        Assert.True(exited, $"the coordinator did not finish:\n{coordinator.Output}\n--- surviving worker:\n{second.Output}");
        Assert.True(coordinator.ExitCode == 0, coordinator.Output);
        var results = store.Results("kill-worker");
        Assert.Equal(8, results.Count);
        Assert.Equal(8, results.Select(r => r.TrialId).Distinct().Count());
        Assert.All(results, r => Assert.Equal(TrialStatus.Completed, r.Status));
        Assert.Contains(results, r => r.EndedAtMs > new DateTimeOffset(killedAt).ToUnixTimeMilliseconds());
    }

    /// <summary>
    /// Graceful scale-down (a pod deleted, a Slurm job's end, systemctl stop): a worker given SIGTERM while it runs a trial
    /// hands the trial back, leaves the cluster and exits 0 well within a pod's grace period; the trial runs on the other worker.
    /// </summary>
    [Fact]
    public async Task A_worker_given_SIGTERM_should_hand_back_its_trial_and_leave_within_the_grace_period()
    {
        var (coordinator, first, second, store) = await CoordinatorAndTwoWorkersAsync("scale-down", 6);
        using var stopCoordinator = coordinator;
        using var stopFirst = first;
        using var stopSecond = second;
        // Worker 1 is running a trial that has no result yet.
        await ClusterProcess.WaitUntilAsync(() => ClusterProcess.Queued(first.Output).Except(store.Results("scale-down").Select(r => r.TrialId)).Any(),
            TimeSpan.FromSeconds(120), () => coordinator.Output + first.Output);
        var running = ClusterProcess.Queued(first.Output).Except(store.Results("scale-down").Select(r => r.TrialId)).ToHashSet();

        var clock = System.Diagnostics.Stopwatch.StartNew();
        first.Terminate();
        await Task.Delay(300);
        first.Terminate(); // orchestrators and impatient users signal again: the leave goes on (it crashed the process once)
        Assert.True(await first.WaitForExitAsync(TimeSpan.FromSeconds(30)), "the worker did not leave within 30 s of SIGTERM:\n" + first.Output);
        var left = clock.Elapsed;
        TestContext.Current.TestOutputHelper?.WriteLine($"SIGTERM to exit: {left.TotalSeconds:F1} s");
        Assert.Equal(0, first.ExitCode);
        Assert.Contains("asked to stop", first.Output, StringComparison.Ordinal);

        Assert.True(await coordinator.WaitForExitAsync(TimeSpan.FromSeconds(180)), coordinator.Output + second.Output);
        Assert.True(coordinator.ExitCode == 0, coordinator.Output);
        var results = store.Results("scale-down");
        Assert.Equal(6, results.Count);
        Assert.All(results, r => Assert.Equal(TrialStatus.Completed, r.Status));
        // The trial that was running on the leaving worker finished on the other one.
        var secondAddress = second.Output.Split('\n').First(l => l.Contains("is up with roles", StringComparison.Ordinal));
        Assert.All(results.Where(r => running.Contains(r.TrialId)), r => Assert.Contains(r.Node, secondAddress, StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_worker_whose_only_coordinator_died_should_exit_non_zero_so_that_it_is_restarted()
    {
        var port = ClusterProcess.FreePort();
        using var coordinator = new ClusterProcess(_cli.Root, "node", "--roles", "coordinator,aggregator", "--hostname", "127.0.0.1",
            "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--data-dir", _cli.Path("lone-coordinator"));
        await ClusterProcess.WaitUntilAsync(() => coordinator.Output.Contains("is up with roles", StringComparison.Ordinal), TimeSpan.FromSeconds(60), () => coordinator.Output);
        using var worker = new ClusterProcess(_cli.Root, "node", "--roles", "worker", "--seed-nodes", $"akka.tcp://clusterml@127.0.0.1:{port}", "--hostname", "127.0.0.1",
            "--port", "0", "--slots", "1", "--data-dir", _cli.Path("orphan"));
        await ClusterProcess.WaitUntilAsync(() => worker.Output.Contains("is up with roles", StringComparison.Ordinal), TimeSpan.FromSeconds(60), () => worker.Output);

        coordinator.KillHard();
        // The split-brain resolver keeps the side with the coordinators: the worker downs itself and must not look like a clean exit.
        Assert.True(await worker.WaitForExitAsync(TimeSpan.FromSeconds(90)), worker.Output);
        Assert.True(worker.ExitCode == 1, $"exit code {worker.ExitCode}:\n{worker.Output}");
        Assert.Contains("was removed from the cluster without being asked to leave", worker.Output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_killed_single_process_should_resume_without_rerunning_finished_trials(bool postgres)
    {
        var data = _cli.Path("embedded");
        // SQLite in the data directory, or journal, snapshots and results in a fresh PostgreSQL database (--postgres on both commands).
        using var database = postgres ? PostgresTestDatabase.Create() : null;
        string[] where = database is null ? ["--data-dir", data] : ["--data-dir", data, "--postgres", database.ConnectionString];
        PostgresResultStore? shared = null;
        IResultStore Store() => database is null ? new SqliteResultStore(Path.Combine(data, "results.db")) : shared ??= PostgresResultStore.Open(database.ConnectionString);
        bool Started() => database is null ? File.Exists(Path.Combine(data, "results.db")) : Directory.Exists(Path.Combine(data, "campaigns"));
        using (var run = new ClusterProcess(_cli.Root, ["campaign", "run", _cli.FdSweep("slow", 6), "--id", "kill-all", "--slots", "1", .. where]))
        {
            await ClusterProcess.WaitUntilAsync(() => Started() && Store().Results("kill-all").Count >= 2, TimeSpan.FromSeconds(120), () => run.Output);
            run.KillHard();
            await run.WaitForExitAsync(TimeSpan.FromSeconds(10));
        }
        var before = Store().Results("kill-all");
        Assert.InRange(before.Count, 2, 5);

        using var resume = new ClusterProcess(_cli.Root, ["campaign", "resume", "--id", "kill-all", "--slots", "1", .. where, "--verbose"]);
        Assert.True(await resume.WaitForExitAsync(TimeSpan.FromSeconds(180)), resume.Output);
        Assert.True(resume.ExitCode == 0, resume.Output);
        var after = Store().Results("kill-all");
        Assert.Equal(6, after.Count);
        foreach (var finished in before)
        {
            Assert.DoesNotContain($"Trial {finished.TrialId} of campaign kill-all attempt", resume.Output, StringComparison.Ordinal);
            Assert.Equal(finished.EndedAtMs, after.Single(r => r.TrialId == finished.TrialId).EndedAtMs);
        }
        Assert.Contains("queued", resume.Output, StringComparison.Ordinal); // the unfinished ones did run here
        Assert.Equal(database is null, File.Exists(Path.Combine(data, "results.db")));
        shared?.Dispose();
    }

    [Fact]
    public async Task An_unreachable_seed_node_should_fail_clearly()
    {
        var port = ClusterProcess.FreePort();
        using var node = new ClusterProcess(_cli.Root, "node", "--roles", "worker", "--seed-nodes", $"akka.tcp://clusterml@127.0.0.1:{port}",
            "--hostname", "127.0.0.1", "--port", "0", "--join-timeout", "5", "--data-dir", _cli.Path("lonely"));
        Assert.True(await node.WaitForExitAsync(TimeSpan.FromSeconds(60)), node.Output);
        Assert.Equal(1, node.ExitCode);
        Assert.Contains("Could not join the cluster", node.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_invalid_spec_should_exit_2_and_write_nothing()
    {
        var path = _cli.Path("bad.yaml");
        File.WriteAllText(path, "engine: fd\nspace:\n  nx: {type: int, low: 9, high: 3}\nsearch: {kind: grid}\n");
        var (code, _, stderr) = await _cli.RunAsync("campaign", "run", path);
        Assert.Equal(2, code);
        Assert.Contains("bad.yaml:3: space.nx.high: must be greater than low (9)", stderr, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(_cli.DataDir, "results.db")));
    }

    [Fact]
    public async Task Resume_and_cancel_from_other_processes_should_reach_the_running_campaign()
    {
        var data = _cli.Path("driven");
        using var run = new ClusterProcess(_cli.Root, "campaign", "run", _cli.FdSweep("slow", 40), "--id", "busy", "--slots", "1", "--data-dir", data);
        var lockFile = Path.Combine(data, "campaigns", "busy.lock");
        var store = new SqliteResultStore(Path.Combine(data, "results.db"));
        await ClusterProcess.WaitUntilAsync(() => File.Exists(lockFile) && File.ReadAllLines(lockFile).Length == 2 && store.Results("busy").Count >= 1, TimeSpan.FromSeconds(120), () => run.Output);
        Assert.StartsWith("akka.tcp://clusterml@", File.ReadAllLines(lockFile)[1], StringComparison.Ordinal);

        // resume while it runs: joins the driver's cluster as an observer and follows the campaign to its end
        using var follower = new ClusterProcess(_cli.Root, "campaign", "resume", "--id", "busy", "--data-dir", data);
        await ClusterProcess.WaitUntilAsync(() => follower.Output.Contains("Campaign busy is running", StringComparison.Ordinal), TimeSpan.FromSeconds(60), () => follower.Output);

        using (var cancel = new ClusterProcess(_cli.Root, "campaign", "cancel", "--id", "busy", "--data-dir", data))
        {
            Assert.True(await cancel.WaitForExitAsync(TimeSpan.FromSeconds(90)), cancel.Output);
            Assert.True(cancel.ExitCode == 0, cancel.Output);
            Assert.Contains("joining its cluster as an observer", cancel.Output, StringComparison.Ordinal);
            Assert.Contains("Campaign busy cancelled", cancel.Output, StringComparison.Ordinal);
        }

        Assert.True(await run.WaitForExitAsync(TimeSpan.FromSeconds(60)), run.Output);
        Assert.Equal(0, run.ExitCode);
        Assert.True(await follower.WaitForExitAsync(TimeSpan.FromSeconds(60)), follower.Output);
        Assert.True(follower.ExitCode == 0, follower.Output);
        Assert.Contains("Campaign busy cancelled", follower.Output, StringComparison.Ordinal);
        Assert.Equal("cancelled", store.FindCampaign("busy")!.Status);
        Assert.InRange(store.Results("busy").Count, 1, 39);
        Assert.False(File.Exists(lockFile));
    }

    [Fact]
    public async Task Running_the_same_campaign_id_twice_should_be_refused()
    {
        var data = _cli.Path("twice");
        using var run = new ClusterProcess(_cli.Root, "campaign", "run", _cli.FdSweep("slow", 6), "--id", "once", "--slots", "1", "--data-dir", data);
        await ClusterProcess.WaitUntilAsync(() => File.Exists(Path.Combine(data, "campaigns", "once.lock")), TimeSpan.FromSeconds(60), () => run.Output);
        var error = new StringWriter();
        var code = await ClusterMLApp.RunAsync(["campaign", "run", _cli.FdSweep("slow", 6), "--id", "once", "--data-dir", data], new StringWriter(), error, TestContext.Current.CancellationToken);
        Assert.Equal(2, code);
        Assert.Contains("is being run by process", error.ToString(), StringComparison.Ordinal);
    }

    /// <summary>
    /// The defect: a second campaign started in a data directory while another ran there wrote the same sharding-coordinator
    /// journal ("Failed to persist ShardHomeAllocated", then "Invalid replayed event … newer writer"), and the first run had
    /// to be killed. Now the second is refused before its node starts; the first finishes; after a kill -9 the lock is free.
    /// </summary>
    [Fact]
    public async Task A_second_campaign_on_a_data_directory_in_use_should_be_refused_and_the_first_should_not_be_harmed()
    {
        var data = _cli.Path("shared");
        using var run = new ClusterProcess(_cli.Root, "campaign", "run", _cli.FdSweep("slow", 6), "--id", "first", "--slots", "1", "--data-dir", data);
        await ClusterProcess.WaitUntilAsync(() => File.Exists(Path.Combine(data, "campaigns", "first.lock")), TimeSpan.FromSeconds(60), () => run.Output);
        var ct = TestContext.Current.CancellationToken;

        var error = new StringWriter();
        var code = await ClusterMLApp.RunAsync(["campaign", "run", _cli.FdSweep("other", 2), "--id", "second", "--data-dir", data], new StringWriter(), error, ct);
        Assert.True(code == 2, error.ToString());
        Assert.Contains($"--data-dir: {Path.GetFullPath(data)} is in use by ClusterML process {run.Id} (driving campaign 'first', since ", error.ToString(), StringComparison.Ordinal);
        // A coordinator node on the same folder is refused too; nothing of the refused campaign is written.
        error = new StringWriter();
        using (var bounded = CancellationTokenSource.CreateLinkedTokenSource(ct))
        {
            bounded.CancelAfter(TimeSpan.FromSeconds(60)); // were it let in, the node would run until stopped
            code = await ClusterMLApp.RunAsync(["node", "--roles", "coordinator", "--hostname", "127.0.0.1", "--port", "0", "--data-dir", data], new StringWriter(), error, bounded.Token);
        }
        Assert.True(code == 2, error.ToString());
        Assert.False(File.Exists(Path.Combine(data, "campaigns", "second.lock")));

        Assert.True(await run.WaitForExitAsync(TimeSpan.FromSeconds(240)), run.Output);
        Assert.True(run.ExitCode == 0, run.Output);
        Assert.DoesNotContain("Failed to persist", run.Output, StringComparison.Ordinal);
        var store = new SqliteResultStore(Path.Combine(data, "results.db"));
        Assert.Null(store.FindCampaign("second"));
        Assert.Equal(6, store.Results("first").Count(r => r.Status == TrialStatus.Completed));

        // The lock is the OS's: a driver killed with kill -9 leaves none behind, and the second campaign then runs here.
        using (var killed = new ClusterProcess(_cli.Root, "campaign", "run", _cli.FdSweep("slow", 40), "--id", "killed", "--slots", "1", "--data-dir", data))
        {
            await ClusterProcess.WaitUntilAsync(() => File.Exists(Path.Combine(data, "campaigns", "killed.lock")), TimeSpan.FromSeconds(60), () => killed.Output);
            killed.KillHard();
            Assert.True(await killed.WaitForExitAsync(TimeSpan.FromSeconds(30)), killed.Output);
        }
        (code, _, var stderr) = await _cli.RunInAsync(data, "campaign", "run", _cli.FdSweep("other", 2), "--id", "second");
        Assert.True(code == 0, stderr);
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
    }

    [Fact]
    public async Task Seed_nodes_should_bind_from_environment_variables_when_no_option_is_given()
    {
        var port = ClusterProcess.FreePort();
        var env = new Dictionary<string, string> { ["CLUSTERML_Cluster__SeedNodes__0"] = $"akka.tcp://clusterml@127.0.0.1:{port}" };
        using var node = new ClusterProcess(_cli.Root, env, "node", "--roles", "worker", "--hostname", "127.0.0.1", "--port", "0", "--join-timeout", "3", "--data-dir", _cli.Path("env"));
        Assert.True(await node.WaitForExitAsync(TimeSpan.FromSeconds(60)), node.Output);
        Assert.Equal(1, node.ExitCode);
        Assert.Contains($"Could not join the cluster through akka.tcp://clusterml@127.0.0.1:{port}", node.Output, StringComparison.Ordinal);
    }
}
