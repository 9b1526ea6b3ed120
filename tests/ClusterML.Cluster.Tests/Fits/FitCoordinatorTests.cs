using System.Collections.Immutable;
using Akka.Actor;
using ClusterML.Cluster.Fits;
using ClusterML.Cluster.Tests.Campaigns;
using ClusterML.Core.Engines;
using ClusterML.Core.Messages;
using ClusterML.Core.Results;
using ClusterML.Core.Specs;
using ClusterML.Engines.FiniteDifferences;

namespace ClusterML.Cluster.Tests.Fits;

/// <summary>The persistent fit coordinator entity: checkpoints survive the process, the newest wins, a trial's next attempt sees them. On SQLite and PostgreSQL.</summary>
public sealed class FitCoordinatorTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("clusterml-fit-coordinator-").FullName;
    private TestStorage? _storage;

    public void Dispose()
    {
        _storage?.Dispose();
        Directory.Delete(_folder, recursive: true);
    }

    /// <summary>SQLite files in the test's folder, or a fresh PostgreSQL database (journal, snapshots, results).</summary>
    private TestStorage Storage(Backend backend) => _storage ??= TestStorage.Create(backend, _folder);

    private static Dictionary<string, byte[]> Files(int epoch) => new()
    {
        ["nep.restart.json"] = System.Text.Encoding.UTF8.GetBytes($"{{\"Epoch\":{epoch}}}"),
        [$"nep.restart.{epoch}.weights"] = [.. Enumerable.Range(0, 1000 + epoch).Select(i => (byte)(i * epoch))],
    };

    [Theory]
    [InlineData(Backend.Sqlite)]
    [InlineData(Backend.Postgres)]
    public async Task The_newest_checkpoint_should_survive_the_process_and_be_forgotten_on_request(Backend backend)
    {
        var cluster = await TestCluster.StartAsync(Storage(backend), new FakeEngine());
        var fits = new ClusterFitCheckpoints(cluster.System, cluster.FitCoordinators);
        Assert.Null(await fits.LatestAsync("c1.t0001", CancellationToken.None));
        await fits.SaveAsync(new FitCheckpoint("c1.t0001", 2, Files(2)), CancellationToken.None);
        await fits.SaveAsync(new FitCheckpoint("c1.t0001", 4, Files(4)), CancellationToken.None);
        await fits.SaveAsync(new FitCheckpoint("c1.t0002", 1, Files(1)), CancellationToken.None);
        // A stale attempt's older checkpoint does not replace the newer one.
        var stale = await cluster.FitCoordinators.Ask<FitCheckpointSaved>(new FitCheckpointSave("c1.t0001", 3, Files(3), "old-node"), TimeSpan.FromSeconds(30));
        Assert.Equal(4, stale.Epoch);
        await cluster.DisposeAsync(); // the coordinator process goes away

        await using var restarted = await TestCluster.StartAsync(Storage(backend), new FakeEngine());
        var state = await restarted.FitCoordinators.Ask<FitCheckpointState>(new FitCheckpointGet("c1.t0001"), TimeSpan.FromSeconds(30));
        Assert.Equal(4, state.Epoch);
        Assert.Equal(Files(4).OrderBy(f => f.Key), state.Files.OrderBy(f => f.Key));
        Assert.Equal(1, state.Checkpoints); // the older events were deleted from the journal: recovery replayed one
        var again = new ClusterFitCheckpoints(restarted.System, restarted.FitCoordinators);
        Assert.Equal(1, (await again.LatestAsync("c1.t0002", CancellationToken.None))!.Epoch);
        await again.ForgetAsync("c1.t0001", CancellationToken.None);
        Assert.Null(await again.LatestAsync("c1.t0001", CancellationToken.None));
        Assert.NotNull(await again.LatestAsync("c1.t0002", CancellationToken.None));
    }

    [Theory]
    [InlineData(Backend.Sqlite)]
    [InlineData(Backend.Postgres)]
    public async Task A_retried_trial_attempt_should_find_the_checkpoint_its_failed_attempt_kept(Backend backend)
    {
        var engine = new CheckpointingEngine();
        await using var cluster = await TestCluster.StartAsync(Storage(backend), engine, slots: 1);
        var campaign = new CampaignSubmitted("c9", "test", "checkpointing",
            [.. Enumerable.Range(0, 2).Select(i => new PlannedTrial($"t{i:D4}", i, new FdHeatTrialSpec(Nx: 3 + i), 100 + i, ImmutableDictionary<string, string>.Empty))],
            1, 1, "cpu", null, null, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
        await cluster.Campaigns.Ask<CampaignStatus>(campaign, TimeSpan.FromSeconds(30));
        var status = await cluster.WaitAsync("c9", TimeSpan.FromSeconds(60));
        Assert.Equal(("completed", 2, 0), (status.Status, status.Completed, status.Failed));
        var results = cluster.Store.Results("c9");
        // Each trial's first attempt checkpointed "epoch Nx" and died; its second attempt continued from that checkpoint.
        Assert.All(results, r => Assert.Equal((TrialStatus.Completed, 2), (r.Status, r.Attempts)));
        Assert.Equal([3.0, 4.0], results.Select(r => r.Metrics["resumed_epoch"]));
        Assert.Equal(["c9.t0000", "c9.t0001"], engine.FitIds.Distinct().Order());
    }

    /// <summary>First attempt: keeps a checkpoint of epoch Nx, then dies. Later attempts: report the epoch they continue from.</summary>
    private sealed class CheckpointingEngine : Engine<FdHeatTrialSpec>
    {
        public System.Collections.Concurrent.ConcurrentBag<string> FitIds { get; } = [];

        protected override TrainingOutcome Train(FdHeatTrialSpec spec, RunContext context, CancellationToken cancellationToken)
        {
            var store = context.Checkpoints ?? throw new InvalidOperationException("no checkpoint store");
            var fitId = context.FitId ?? throw new InvalidOperationException("no fit id");
            FitIds.Add(fitId);
            var latest = store.LatestAsync(fitId, cancellationToken).GetAwaiter().GetResult();
            if (latest is null)
            {
                store.SaveAsync(new FitCheckpoint(fitId, spec.Nx, Files(spec.Nx)), cancellationToken).GetAwaiter().GetResult();
                throw new InvalidOperationException("died after its checkpoint");
            }
            Assert.Equal(Files(spec.Nx).OrderBy(f => f.Key), latest.Files.OrderBy(f => f.Key));
            return new TrainingOutcome(1.0 / latest.Epoch, [1.0 / latest.Epoch], [], new Dictionary<string, double> { ["resumed_epoch"] = latest.Epoch }, []);
        }
    }
}
