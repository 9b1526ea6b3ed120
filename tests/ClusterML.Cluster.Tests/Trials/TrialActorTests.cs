using Akka.Actor;
using Akka.Cluster.Hosting;
using Akka.Hosting;
using Akka.Remote.Hosting;
using ClusterML.Cluster.Hosting;
using ClusterML.Cluster.Trials;
using ClusterML.Core.Messages;
using ClusterML.Core.Specs;
using ClusterML.Engines.FiniteDifferences;
using ClusterML.Engines.Surrogate;
using Microsoft.Extensions.DependencyInjection;

namespace ClusterML.Cluster.Tests.Trials;

public sealed class TrialActorTests : Akka.Hosting.TestKit.TestKit
{
    private readonly FakeEngine _engine = new() { EpochDelay = TimeSpan.FromMilliseconds(20) };
    private readonly WorkerSlots _slots = new(2);

    protected override void ConfigureAkka(AkkaConfigurationBuilder builder, IServiceProvider provider) =>
        builder
            .AddHocon("akka.actor.serialize-messages = on", HoconAddMode.Prepend)
            .WithRemoting("127.0.0.1", 0)
            .WithClustering(new ClusterOptions { Roles = [WorkerHostingExtensions.WorkerRole] })
            .WithClusterMLSerialization()
            .WithClusterMLWorker([_engine], _slots)
            .AddStartup((system, _) => Akka.Cluster.Cluster.Get(system).Join(Akka.Cluster.Cluster.Get(system).SelfAddress));

    private IActorRef Region => ActorRegistry.Get<TrialRegion>();

    [Fact]
    public async Task A_trial_should_stream_progress_and_complete_with_the_engine_outcome()
    {
        var region = await ActorRegistry.GetAsync<TrialRegion>();
        region.Tell(new StartTrial("c1", "t0001", 1, new FdHeatTrialSpec(Nx: 3), 5, "cpu", 8_675_309), TestActor);
        var running = ExpectMsg<TrialRunning>(TimeSpan.FromSeconds(20)); // the engine starts: the attempt left the queue
        Assert.Equal(("t0001", 1, 8_675_309L), (running.TrialId, running.Attempt, running.Token));
        Assert.StartsWith("akka.tcp://", running.Node, StringComparison.Ordinal);
        var epochs = new[] { ExpectMsg<TrialProgressed>(), ExpectMsg<TrialProgressed>(), ExpectMsg<TrialProgressed>() };
        Assert.Equal([1, 2, 3], epochs.Select(p => p.Epoch));
        Assert.Equal(1.0 / 3, epochs[^1].Metrics["train_loss"], tolerance: 1e-12);
        var done = ExpectMsg<TrialCompleted>();
        Assert.Equal(("c1", "t0001", 1), (done.CampaignId, done.TrialId, done.Attempt));
        Assert.All(epochs, p => Assert.Equal(8_675_309, p.Token)); // the attempt's token comes back with everything it sends
        Assert.Equal(8_675_309, done.Token);
        Assert.Equal(1.0 / 3, done.FinalLoss, tolerance: 1e-12);
        Assert.Equal(5, done.Metrics["seed"]);
        Assert.Equal(["fake.txt"], done.Artifacts);
        Assert.True(done.EndedAtMs >= done.StartedAtMs);
        Assert.StartsWith("akka.tcp://", done.Node, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_throwing_engine_should_yield_TrialFailed_with_its_message()
    {
        var region = await ActorRegistry.GetAsync<TrialRegion>();
        region.Tell(new StartTrial("c1", "t0002", 2, new FdHeatTrialSpec(Alpha: -1, Nx: 1), 5, "cpu"), TestActor);
        ExpectMsg<TrialRunning>(TimeSpan.FromSeconds(20));
        var failed = ExpectMsg<TrialFailed>(TimeSpan.FromSeconds(20));
        Assert.Equal(2, failed.Attempt);
        Assert.Equal("fake failure for alpha -1", failed.Error);
    }

    [Fact]
    public async Task StopTrial_should_cancel_the_engine_and_report_the_epoch_reached()
    {
        var region = await ActorRegistry.GetAsync<TrialRegion>();
        region.Tell(new StartTrial("c1", "t0003", 1, new FdHeatTrialSpec(Nx: 10_000), 5, "cpu"), TestActor);
        ExpectMsg<TrialRunning>(TimeSpan.FromSeconds(20));
        ExpectMsg<TrialProgressed>(TimeSpan.FromSeconds(20));
        region.Tell(new StopTrial("c1", "t0003", "asha rung 0"), TestActor);
        var stopped = FishForMessage(m => m is TrialStopped, TimeSpan.FromSeconds(10));
        var trial = Assert.IsType<TrialStopped>(stopped);
        Assert.Equal("asha rung 0", trial.Reason);
        Assert.InRange(trial.Epoch, 1, 9_999);
    }

    [Fact]
    public async Task A_spec_no_engine_accepts_should_fail_at_once()
    {
        var region = await ActorRegistry.GetAsync<TrialRegion>();
        region.Tell(new StartTrial("c1", "t0004", 1, new SurrogateSpec("x.csv", "y", [], []), 5, "cpu"), TestActor);
        Assert.Equal("no engine for SurrogateSpec", ExpectMsg<TrialFailed>(TimeSpan.FromSeconds(20)).Error);
    }

    [Fact]
    public async Task No_more_trials_than_slots_should_run_at_once()
    {
        var region = await ActorRegistry.GetAsync<TrialRegion>();
        for (var i = 0; i < 5; i++)
        {
            region.Tell(new StartTrial("c2", $"t{i:D4}", 1, new FdHeatTrialSpec(Nx: 10), 5, "cpu"), TestActor);
        }
        var peak = 0;
        var completed = 0;
        while (completed < 5)
        {
            peak = Math.Max(peak, _slots.Busy);
            if (ReceiveOne(TimeSpan.FromSeconds(20)) is TrialCompleted)
            {
                completed++;
            }
        }
        Assert.InRange(peak, 1, 2);
        Assert.Equal(5, _engine.Runs);
    }
}
