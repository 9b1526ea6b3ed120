using Akka.Actor;
using Akka.Hosting;
using ClusterML.Cluster.Files;
using ClusterML.Cluster.Hosting;
using ClusterML.Cluster.Trials;
using ClusterML.Core.Files;
using ClusterML.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace ClusterML.Cluster.Tests.Files;

/// <summary>
/// A real node built with the production wiring (blob server, trial region, aggregator or its proxy) on loopback, with its own
/// data directory and blob store, plus a <see cref="NodeFiles"/> of its own for the test to fetch and land with.
/// </summary>
internal sealed class FileNode : IAsyncDisposable
{
    private readonly IHost _host;

    private FileNode(IHost host, string dataDir, BlobStore store)
    {
        _host = host;
        DataDir = dataDir;
        Store = store;
        Files = new NodeFiles(System, store, dataDir) { IdleTimeout = TimeSpan.FromSeconds(5) };
    }

    public string DataDir { get; }

    public BlobStore Store { get; }

    public NodeFiles Files { get; }

    public ActorSystem System => _host.Services.GetRequiredService<ActorSystem>();

    public ActorRegistry Registry => _host.Services.GetRequiredService<ActorRegistry>();

    public Address Address => Akka.Cluster.Cluster.Get(System).SelfAddress;

    /// <summary>Starts a node in <paramref name="dataDir"/>; the first one (no seed) forms the cluster, the others join it.</summary>
    public static async Task<FileNode> StartAsync(string dataDir, IReadOnlyList<string> roles, FileNode? seed = null, long cacheLimit = 1L << 30,
        IReadOnlyList<ClusterML.Core.Engines.IShardObjective>? objectives = null)
    {
        var store = new BlobStore(Path.Combine(dataDir, "blobs"), cacheLimit);
        var results = new SqliteResultStore(Path.Combine(dataDir, "results.db"));
        var settings = new ClusterNodeSettings(roles, "127.0.0.1", 0, seed is null ? [] : [seed.Address.ToString()], 1);
        var host = new HostBuilder()
            .ConfigureServices(services => services.AddAkka("clusterml", builder => builder
                .AddHocon("akka.loglevel = WARNING", HoconAddMode.Prepend)
                .WithClusterMLNode(settings, results, [new FakeEngine()], new WorkerSlots(1), new NodeBlobs(dataDir, store), objectives)))
            .Build();
        await host.StartAsync();
        var up = new TaskCompletionSource();
        Akka.Cluster.Cluster.Get(host.Services.GetRequiredService<ActorSystem>()).RegisterOnMemberUp(() => up.TrySetResult());
        await up.Task.WaitAsync(TimeSpan.FromSeconds(30));
        return new FileNode(host, dataDir, store);
    }

    /// <summary>Kills the node's actor system at once: no hand-off, no goodbye (as when its process dies).</summary>
    public void Abort() => ((ExtendedActorSystem)System).Abort();

    public async ValueTask DisposeAsync()
    {
        await _host.StopAsync();
        _host.Dispose();
    }
}
