using System.Collections.Immutable;
using Akka.Actor;
using Akka.Cluster.Hosting;
using Akka.Hosting;
using Akka.Remote.Hosting;
using Akka.TestKit;
using ClusterML.Cluster.Campaigns;
using ClusterML.Cluster.Hosting;
using ClusterML.Core.Messages;
using ClusterML.Core.Specs;
using ClusterML.Engines.FiniteDifferences;

namespace ClusterML.Cluster.Tests.Campaigns;

/// <summary>The coordinator's side of at-least-once delivery to the aggregator (probes stand in for workers and aggregator).</summary>
public sealed class ResultDeliveryTests : Akka.Hosting.TestKit.TestKit
{
    protected override void ConfigureAkka(AkkaConfigurationBuilder builder, IServiceProvider provider) =>
        builder
            // serialize-messages stays off: Akka.Persistence's own journal protocol messages are not serializable (with any
            // journal); the messages exchanged here are covered by the wire round-trip test and ResultAggregatorTests.
            .AddHocon("""
                akka.persistence.journal.plugin = "akka.persistence.journal.inmem"
                akka.persistence.snapshot-store.plugin = "akka.persistence.snapshot-store.inmem"
                """, HoconAddMode.Prepend)
            .WithRemoting("127.0.0.1", 0)
            .WithClustering(new ClusterOptions())
            .WithClusterMLSerialization();

    [Fact]
    public void Results_and_status_should_be_sent_again_until_acknowledged_then_never_again()
    {
        var trials = CreateTestProbe();
        var aggregator = CreateTestProbe();
        var coordinator = Sys.ActorOf(CampaignCoordinator.Props("d1", trials.Ref, aggregator.Ref, 1));
        var trial = new PlannedTrial("t0000", 0, new FdHeatTrialSpec(Nx: 11), 7, ImmutableDictionary<string, string>.Empty.Add("nx", "11"));
        coordinator.Tell(new CampaignSubmitted("d1", "delivery", "fd", [trial], 1, 0, "cpu", null, null, 1), TestActor);
        ExpectMsg<CampaignStatus>(TimeSpan.FromSeconds(10));
        var start = trials.ExpectMsg<StartTrial>(TimeSpan.FromSeconds(10));
        Assert.NotEqual(0, start.Token);
        // A result for the attempt from anyone who was not sent it (no token, or a guessed one) is ignored.
        coordinator.Tell(new TrialCompleted("d1", start.TrialId, start.Attempt, 0.0, ImmutableDictionary<string, double>.Empty, [0.0], [], "intruder", 1, 2), trials.Ref);
        coordinator.Tell(new TrialCompleted("d1", start.TrialId, start.Attempt, 0.0, ImmutableDictionary<string, double>.Empty, [0.0], [], "intruder", 1, 2, Token: start.Token + 1), trials.Ref);
        aggregator.ExpectNoMsg(TimeSpan.FromMilliseconds(500));
        coordinator.Tell(new TrialCompleted("d1", start.TrialId, start.Attempt, 0.5, ImmutableDictionary<string, double>.Empty, [0.5], [], "node", 1, 2, Token: start.Token), trials.Ref);

        // First delivery, not acknowledged (as if the aggregator's node had just died) ...
        Assert.Equal(0.5, aggregator.ExpectMsg<RecordTrialResult>(TimeSpan.FromSeconds(10)).Result.FinalLoss);
        Assert.Equal("completed", aggregator.ExpectMsg<RecordCampaignStatus>().Status);
        coordinator.Tell(new GetCampaignStatus("d1"), TestActor);
        var over = ExpectMsg<CampaignStatus>();
        Assert.Equal((true, 2, false), (over.IsOver, over.Unrecorded, over.IsSettled));

        // ... so both come again, and once acknowledged the campaign is settled and nothing more is sent.
        var again = aggregator.ExpectMsg<RecordTrialResult>(TimeSpan.FromSeconds(10));
        Assert.Equal(("t0000", 7), (again.Result.TrialId, again.Result.Seed));
        aggregator.ExpectMsg<RecordCampaignStatus>();
        coordinator.Tell(new TrialResultRecorded("d1", "t0000"), aggregator.Ref);
        coordinator.Tell(new CampaignStatusRecorded("d1", "completed"), aggregator.Ref);
        coordinator.Tell(new GetCampaignStatus("d1"), TestActor);
        Assert.True(ExpectMsg<CampaignStatus>().IsSettled);
        aggregator.ExpectNoMsg(TimeSpan.FromSeconds(4));
    }
}
