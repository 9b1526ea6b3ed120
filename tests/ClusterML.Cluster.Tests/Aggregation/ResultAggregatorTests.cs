using System.Collections.Immutable;
using Akka.Actor;
using Akka.Hosting;
using ClusterML.Cluster.Aggregation;
using ClusterML.Cluster.Files;
using ClusterML.Cluster.Hosting;
using ClusterML.Core.Messages;
using ClusterML.Core.Results;
using ClusterML.Storage;

namespace ClusterML.Cluster.Tests.Aggregation;

/// <summary>The aggregator with <c>serialize-messages = on</c>: every message in these tests goes through the wire serializer.</summary>
public sealed class ResultAggregatorTests : Akka.Hosting.TestKit.TestKit, IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("clusterml-aggregator-").FullName;
    private readonly SqliteResultStore _store;

    public ResultAggregatorTests()
    {
        _store = new SqliteResultStore(Path.Combine(_folder, "results.db"));
        _store.SaveCampaign(new CampaignRecord("c1", "test", "fake", "spec.yaml", "engine: fake", "running", 5, 1, null));
    }

    protected override void ConfigureAkka(AkkaConfigurationBuilder builder, IServiceProvider provider) =>
        builder.AddHocon("akka.actor.serialize-messages = on", HoconAddMode.Prepend).WithClusterMLSerialization();

    void IDisposable.Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_folder, recursive: true);
    }

    private static TrialResult Result(int index, TrialStatus status, double? loss) =>
        new("c1", $"t{index:D4}", index, ImmutableDictionary<string, string>.Empty.Add("nx", $"{10 + index}"), 100 + index, status, loss,
            ImmutableDictionary<string, double>.Empty.Add("test_rmse", loss ?? double.NaN), status == TrialStatus.Failed ? "boom" : null, [], "node-a", 1, 1000, 2000);

    [Fact]
    public void Results_should_be_acknowledged_every_time_stored_once_and_ranked_by_loss()
    {
        var aggregator = Sys.ActorOf(ResultAggregator.Props(_store));
        var sent = new[] { Result(0, TrialStatus.Completed, 0.5), Result(1, TrialStatus.Completed, 0.125), Result(2, TrialStatus.Failed, null), Result(3, TrialStatus.Completed, 0.25), Result(4, TrialStatus.Stopped, null) };
        foreach (var result in sent.Concat(sent)) // every result twice, as a coordinator re-sending after a lost acknowledgement would
        {
            aggregator.Tell(new RecordTrialResult(result), TestActor);
            Assert.Equal(result.TrialId, ExpectMsg<TrialResultRecorded>().TrialId);
        }
        aggregator.Tell(new GetLeaderboard("c1", 2), TestActor);
        var board = ExpectMsg<Leaderboard>();
        Assert.Equal(["t0001", "t0003"], board.Best.Select(r => r.TrialId));
        Assert.Equal((3, 1, 1), (board.Completed, board.Failed, board.Stopped));
        Assert.Equal(5, _store.Results("c1").Count);
        Assert.Equal("boom", _store.Results("c1").Single(r => r.TrialId == "t0002").Error);
    }

    [Fact]
    public void An_attempt_that_sends_only_its_log_should_have_it_kept_in_the_store_without_a_folder()
    {
        var blobs = new ClusterML.Core.Files.BlobStore(Path.Combine(_folder, "blobs"), long.MaxValue);
        var landing = new ArtifactLanding(new NodeFiles(Sys, blobs, _folder));
        var aggregator = Sys.ActorOf(ResultAggregator.Props(_store, landing));
        // An earlier attempt of t0002 landed files: the newest attempt's outputs replace them.
        var stale = Path.Combine(_folder, ClusterML.Core.Files.ArtifactLayout.TrialFolder("c1", "t0002"));
        Directory.CreateDirectory(Path.Combine(stale, "model"));
        foreach (var (trial, attempt) in new[] { ("t0001", 1), ("t0002", 2) })
        {
            aggregator.Tell(new StoreArtifacts("c1", trial, attempt, [ClusterML.Core.Files.ArtifactFile.Inline("trial.log", System.Text.Encoding.UTF8.GetBytes($"attempt {attempt} of {trial}\n"))]), TestActor);
            var stored = ExpectMsg<ArtifactsStored>();
            Assert.Equal((trial, attempt, true), (stored.TrialId, stored.Attempt, stored.LogInStore));
        }
        Assert.Equal("attempt 2 of t0002\n", System.Text.Encoding.UTF8.GetString(_store.TrialLog("c1", "t0002")!.Content));
        Assert.Equal(1, _store.TrialLog("c1", "t0001")!.Attempt);
        Assert.False(Directory.Exists(stale));
        Assert.False(Directory.Exists(Path.Combine(_folder, ClusterML.Core.Files.ArtifactLayout.TrialFolder("c1", "t0001"))));
        // A log whose content does not match its hash is not kept anywhere.
        var bad = ClusterML.Core.Files.ArtifactFile.Inline("trial.log", [1, 2, 3]) with { Content = [9, 9, 9] };
        aggregator.Tell(new StoreArtifacts("c1", "t0003", 1, [bad]), TestActor);
        ExpectMsg<ArtifactsNotStored>();
        Assert.Null(_store.TrialLog("c1", "t0003"));
    }

    [Fact]
    public void A_new_aggregator_should_rebuild_the_board_from_the_store()
    {
        _store.TryRecordResult(Result(0, TrialStatus.Completed, 0.3));
        _store.TryRecordResult(Result(1, TrialStatus.Completed, 0.1));
        var aggregator = Sys.ActorOf(ResultAggregator.Props(_store));
        aggregator.Tell(new RecordTrialResult(Result(1, TrialStatus.Completed, 0.1)), TestActor); // already stored before the restart
        ExpectMsg<TrialResultRecorded>();
        aggregator.Tell(new RecordTrialResult(Result(2, TrialStatus.Completed, 0.2)), TestActor);
        ExpectMsg<TrialResultRecorded>();
        aggregator.Tell(new GetLeaderboard("c1", 10), TestActor);
        var board = ExpectMsg<Leaderboard>();
        Assert.Equal(["t0001", "t0002", "t0000"], board.Best.Select(r => r.TrialId));
        Assert.Equal(3, board.Completed);
    }

    [Fact]
    public void Status_and_epochs_should_reach_the_store()
    {
        var aggregator = Sys.ActorOf(ResultAggregator.Props(_store));
        aggregator.Tell(new RecordEpochMetrics(new EpochMetrics("c1", "t0000", 1, 3, ImmutableDictionary<string, double>.Empty.Add("train_loss", 0.7))), TestActor);
        aggregator.Tell(new RecordCampaignStatus("c1", "cancelled", 4242), TestActor);
        Assert.Equal("cancelled", ExpectMsg<CampaignStatusRecorded>().Status);
        Assert.Equal(("cancelled", 4242L), (_store.FindCampaign("c1")!.Status, _store.FindCampaign("c1")!.EndedAtMs));
        var epoch = Assert.Single(_store.Epochs("c1"));
        Assert.Equal((3, 0.7), (epoch.Epoch, epoch.Metrics["train_loss"]));
    }
}
