using Akka.Actor;
using Akka.Hosting;
using ClusterML.Cluster.Hosting;
using ClusterML.Cluster.Trials;
using ClusterML.Core.Engines;
using ClusterML.Core.Messages;
using ClusterML.Core.Results;
using ClusterML.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace ClusterML.Cluster.Tests.Campaigns;

/// <summary>
/// A one-process cluster with all roles, persisting to <see cref="TestStorage"/> (SQLite files or a PostgreSQL database), built
/// with the CLI's node builder. serialize-messages stays off here: Akka.Persistence.Sql's own journal messages (WriteFinished)
/// cannot be serialized; our wire types are covered by the round-trip tests and by TrialActorTests and ResultAggregatorTests,
/// which run with it on.
/// </summary>
public sealed class TestCluster : IAsyncDisposable
{
    private readonly IHost _host;

    private TestCluster(IHost host, IResultStore store)
    {
        _host = host;
        Store = store;
    }

    public IResultStore Store { get; }

    public ActorSystem System => _host.Services.GetRequiredService<ActorSystem>();

    public IActorRef Campaigns => _host.Services.GetRequiredService<ActorRegistry>().Get<CampaignRegion>();

    public IActorRef FitCoordinators => _host.Services.GetRequiredService<ActorRegistry>().Get<FitCoordinatorRegion>();

    public IActorRef Aggregator => _host.Services.GetRequiredService<ActorRegistry>().Get<AggregatorSingleton>();

    public static async Task<TestCluster> StartAsync(TestStorage storage, IEngine engine, int slots = 2, string? hocon = null)
    {
        var store = storage.OpenResults();
        var (journal, provider) = storage.Journal;
        var workerSlots = new WorkerSlots(slots);
        var host = new HostBuilder()
            .ConfigureServices(services => services.AddAkka("clusterml", builder => builder
                .AddHocon("akka.loglevel = WARNING\n" + (hocon ?? ""), HoconAddMode.Prepend)
                .WithClusterMLPersistence(journal, provider)
                .WithClusterMLNode(new ClusterNodeSettings(ClusterNodeSettings.AllRoles, "127.0.0.1", 0, [], slots), store, [engine], workerSlots)))
            .Build();
        await host.StartAsync();
        return new TestCluster(host, store);
    }

    /// <summary>Asks the coordinator until the campaign is over and every result is stored, or <paramref name="timeout"/> passes.</summary>
    public async Task<CampaignStatus> WaitAsync(string campaignId, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var status = await Campaigns.Ask<CampaignStatus>(new GetCampaignStatus(campaignId), TimeSpan.FromSeconds(10));
            if (status.IsSettled || DateTime.UtcNow > deadline)
            {
                return status;
            }
            await Task.Delay(100);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _host.StopAsync();
        _host.Dispose();
    }
}
