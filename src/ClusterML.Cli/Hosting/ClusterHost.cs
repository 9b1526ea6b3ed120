using Akka.Hosting;
using ClusterML.Cluster.Hosting;
using ClusterML.Cluster.Security;
using ClusterML.Core.Validation;
using ClusterML.Cluster.Trials;
using ClusterML.Core.Engines;
using ClusterML.Core.Files;
using ClusterML.Core.Results;
using ClusterML.Engines.Nep.Training;
using ClusterML.Engines.Nep.Training.Sharding;
using ClusterML.Engines.Pinn.Heat;
using ClusterML.Engines.Exec;
using ClusterML.Engines.FiniteDifferences;
using ClusterML.Engines.Surrogate;
using ClusterML.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Serilog;

namespace ClusterML.Cli.Hosting;

/// <summary>
/// How this process joins the cluster: its roles, its address, the seed nodes (none: it forms a one-node cluster), its
/// worker slots, where results and the journal live. Failure detection: a silent node is unreachable after ~3 s of missed
/// heartbeats, and the split-brain resolver (keep-majority) downs it once the membership has been stable for 5 s, so its
/// trials are sent elsewhere about 10 s after it dies.
/// </summary>
internal sealed record ClusterHostOptions(
    IReadOnlyList<string> Roles,
    string Hostname,
    int Port,
    IReadOnlyList<string> SeedNodes,
    int Slots,
    string DataDir,
    string? PostgresConnectionString)
{
    public static IReadOnlyList<string> AllRoles => ClusterNodeSettings.AllRoles;

    /// <summary>Missed heartbeats tolerated before a node is marked unreachable.</summary>
    public TimeSpan HeartbeatPause { get; init; } = TimeSpan.FromSeconds(3);

    /// <summary>Stable membership needed before the split-brain resolver downs unreachable nodes.</summary>
    public TimeSpan StableAfter { get; init; } = TimeSpan.FromSeconds(4);

    public string ResultsPath => ResultsPathIn(DataDir);

    /// <summary>Where the results store lives in a data directory.</summary>
    public static string ResultsPathIn(string dataDir) => Path.Combine(dataDir, "results.db");

    public string JournalPath => JournalPathIn(DataDir);

    /// <summary>Where the embedded journal lives in a data directory.</summary>
    public static string JournalPathIn(string dataDir) => Path.Combine(dataDir, "clusterml.db");

    /// <summary>Most the blob cache may take before least-recently-used blobs are evicted (bytes; pinned campaign inputs do not count).</summary>
    public long BlobCacheBytes { get; init; } = DefaultBlobCacheBytes;

    /// <summary>The blob cache's default limit: 20 GiB.</summary>
    public const long DefaultBlobCacheBytes = 20L << 30;

    /// <summary>Device of the tensors of the fit shards this node holds (cpu, cuda, cuda:N).</summary>
    public string Device { get; init; } = "cpu";

    /// <summary>Akka.Management's HTTP port (health endpoints and the bootstrap's contact point); null: none.</summary>
    public int? ManagementPort { get; init; }

    /// <summary>Cluster bootstrap through discovery instead of <see cref="SeedNodes"/>; null: seed nodes.</summary>
    public ClusterDiscovery? Discovery { get; init; }

    /// <summary>Mutual TLS and the admission check with these credentials (<c>--tls</c>); null: plain TCP.</summary>
    public NodeCredentials? Tls { get; init; }

    /// <summary>Plain TCP on a non-loopback address, asked for with <c>--insecure</c>: a warning is logged every minute.</summary>
    public bool Insecure { get; init; }

    /// <summary>Skip this node's own check that its certificate is valid and allows its roles (testing the other nodes' checks).</summary>
    public bool UncheckedCredentials { get; init; }

    /// <summary>
    /// This node's certificate must be valid now and allow every role it takes; otherwise bad input of <c>--tls</c> or
    /// <c>--roles</c>, before anything starts (the other nodes would refuse it anyway).
    /// </summary>
    public void CheckCredentials()
    {
        if (Tls is null || UncheckedCredentials)
        {
            return;
        }
        if (Tls.Trust.Problem(Tls.Certificate) is { } problem)
        {
            throw new InvalidInputException("--tls", $"{problem} (in {Tls.Folder}); issue a new one with clusterml cert issue");
        }
        if (Roles.Except(Tls.Roles).ToList() is { Count: > 0 } excess)
        {
            throw new InvalidInputException("--roles", $"the certificate in {Tls.Folder} allows only {string.Join(",", Tls.Roles)}, not {string.Join(",", excess)}; issue one with clusterml cert issue --roles {string.Join(",", Roles)}");
        }
    }

    /// <summary>Where a data directory keeps its blobs.</summary>
    public static string BlobsPathIn(string dataDir) => Path.Combine(dataDir, "blobs");
}

/// <summary>Builds the Akka.NET host of a ClusterML process (all roles by default), logging through Serilog.</summary>
internal static class ClusterHost
{
    /// <summary>The engines of this build: each engine project's registration (name, settings, checks, wire form).</summary>
    public static IReadOnlyList<EngineRegistration> Registrations { get; } =
        [FdHeatEngine.Registration, SurrogateEngine.Registration, PinnHeatEngine.Registration, NepTrainEngine.Registration, ExecEngine.Registration,
            ClusterML.Engines.Active.GeneratorOracleEngine.Registration, ClusterML.Engines.Active.ActiveRoundEngine.Registration,
            ClusterML.Engines.Nep.Active.Cluster.NepLabelEngine.Registration, ClusterML.Engines.Nep.Active.Cluster.NepActiveRoundEngine.Registration];

    /// <summary>Registers this build's engines with <see cref="EngineRegistry"/> (idempotent); every command runs it first.</summary>
    public static void RegisterEngines() => EngineRegistry.Register(Registrations);

    /// <summary>The engines a worker hosts.</summary>
    public static IReadOnlyList<IEngine> Engines()
    {
        RegisterEngines();
        return [.. Registrations.Select(r => r.CreateEngine())];
    }

    /// <summary>
    /// Waits until this node is Up in the cluster; false (after logging why) when it has not joined within
    /// <paramref name="timeout"/>.
    /// </summary>
    public static async Task<bool> JoinedAsync(IHost host, ClusterHostOptions options, TimeSpan timeout, ILogger log, CancellationToken cancellationToken)
    {
        var joined = new TaskCompletionSource();
        Akka.Cluster.Cluster.Get(host.Services.GetRequiredService<Akka.Actor.ActorSystem>()).RegisterOnMemberUp(() => joined.TrySetResult());
        if (await Task.WhenAny(joined.Task, Task.Delay(timeout, cancellationToken)) == joined.Task)
        {
            return true;
        }
        if (options.Discovery is { } discovery)
        {
            log.Error("Could not join a cluster through {Discovery} discovery of '{Service}' within {Seconds} s: check that {ContactPoints} node(s) answer on their management port ({Endpoints})",
                discovery.Method, discovery.ServiceName, timeout.TotalSeconds, discovery.ContactPoints, discovery.Endpoints.Count > 0 ? string.Join(", ", discovery.Endpoints) : "pods labelled app=" + discovery.ServiceName);
            return false;
        }
        log.Error("Could not join the cluster through {SeedNodes} within {Seconds} s: check the addresses, that the coordinator runs, and that its port is open",
            string.Join(", ", options.SeedNodes), timeout.TotalSeconds);
        return false;
    }

    /// <summary>
    /// Waits until at least <paramref name="count"/> members with the worker role are up; false (after logging who is there)
    /// when they have not come within <paramref name="timeout"/>.
    /// </summary>
    public static async Task<bool> WorkersAsync(IHost host, int count, TimeSpan timeout, ILogger log, CancellationToken cancellationToken)
    {
        var cluster = Akka.Cluster.Cluster.Get(host.Services.GetRequiredService<Akka.Actor.ActorSystem>());
        int Up() => cluster.State.Members.Count(m => m.Status == Akka.Cluster.MemberStatus.Up && m.HasRole(WorkerHostingExtensions.WorkerRole));
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var announced = -1;
        while (Up() < count)
        {
            if (clock.Elapsed > timeout)
            {
                log.Error("Only {Workers} of the {Count} workers asked for (--min-workers) joined within {Seconds} s; start them with clusterml node --roles worker --seed-nodes {Address}",
                    Up(), count, timeout.TotalSeconds, cluster.SelfAddress);
                return false;
            }
            if (Up() != announced)
            {
                announced = Up();
                log.Information("Waiting for workers: {Workers} of {Count} up (join with clusterml node --roles worker --seed-nodes {Address})", announced, count, cluster.SelfAddress);
            }
            await Task.Delay(200, cancellationToken);
        }
        return true;
    }

    /// <summary>
    /// The results store: the PostgreSQL database of <paramref name="postgres"/> when one is given (the journal's), else
    /// <c>DATA_DIR/results.db</c>.
    /// </summary>
    /// <exception cref="Core.Validation.InvalidInputException">A malformed connection string, or one the server refuses (exit 2).</exception>
    /// <exception cref="StoreUnavailableException">The PostgreSQL server cannot be reached (exit 1).</exception>
    public static IResultStore OpenResults(string dataDir, string? postgres) =>
        postgres is { Length: > 0 } ? PostgresResultStore.Open(postgres) : new SqliteResultStore(ClusterHostOptions.ResultsPathIn(dataDir));

    /// <summary>Erases one persistence id's events and snapshots from the journal (SQLite in the data directory, or PostgreSQL).</summary>
    public static async Task EraseJournalAsync(string dataDir, string? postgres, string persistenceId, CancellationToken cancellationToken)
    {
        var (connectionString, provider) = postgres is { Length: > 0 }
            ? (postgres, PersistenceHostingExtensions.PostgresProvider)
            : (PersistenceHostingExtensions.SqliteConnectionString(ClusterHostOptions.JournalPathIn(dataDir)), PersistenceHostingExtensions.SqliteProvider);
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var host = new HostBuilder()
            .ConfigureServices(services => services.AddAkka("clusterml-eraser", builder => builder
                .AddHocon("akka.loglevel = WARNING\nakka.stdout-loglevel = WARNING", HoconAddMode.Prepend)
                .WithClusterMLPersistence(connectionString, provider)
                .WithActors((system, _) => system.ActorOf(JournalEraser.Props(persistenceId, done), "eraser"))))
            .Build();
        await host.StartAsync(cancellationToken);
        try
        {
            await done.Task.WaitAsync(TimeSpan.FromSeconds(60), cancellationToken);
        }
        finally
        {
            await host.StopAsync(CancellationToken.None);
        }
    }

    /// <summary>
    /// The process's node. A member with roles serves and caches blobs in <c>DATA_DIR/blobs</c> (<paramref name="blobs"/>, or a
    /// store opened here), fetches trial inputs and lands artifacts; an observer (no roles) touches no files.
    /// </summary>
    public static (IHost Host, IResultStore Store) Build(ClusterHostOptions options, ILogger log, IReadOnlyList<IEngine>? engines = null, BlobStore? blobs = null,
        IReadOnlyList<IShardObjective>? objectives = null)
    {
        options.CheckCredentials();
        Directory.CreateDirectory(options.DataDir);
        // The results go where the journal goes: with PostgreSQL every coordinator (and whichever holds the aggregator after a
        // takeover) reads and writes the same store. Opened first, so a bad string or a server that is down stops here.
        var store = OpenResults(options.DataDir, options.PostgresConnectionString);
        NodeBlobs? nodeBlobs = options.Roles.Count == 0
            ? null
            : new NodeBlobs(options.DataDir, blobs ?? new BlobStore(ClusterHostOptions.BlobsPathIn(options.DataDir), options.BlobCacheBytes));
        var slots = new WorkerSlots(options.Slots);
        var node = new ClusterNodeSettings(options.Roles, options.Hostname, options.Port, options.SeedNodes, options.Slots)
        {
            HeartbeatPause = options.HeartbeatPause,
            StableAfter = options.StableAfter,
            Tls = options.Tls,
            Device = options.Device,
            ManagementPort = options.ManagementPort,
            Discovery = options.Discovery,
        };
        var host = new HostBuilder()
            .ConfigureServices(services =>
            {
                services.AddSerilog(log, dispose: false);
                if (options.Insecure)
                {
                    services.AddHostedService(_ => new InsecureWarning(log, options.Hostname, options.Port));
                }
                services.AddAkka("clusterml", builder =>
                {
                    builder
                        .ConfigureLoggers(loggers =>
                        {
                            loggers.ClearLoggers();
                            loggers.AddLoggerFactory();
                            // Akka's own stdout logger still speaks while the system shuts down: keep it to warnings.
                            loggers.LogLevel = log.IsEnabled(Serilog.Events.LogEventLevel.Debug) ? Akka.Event.LogLevel.DebugLevel : Akka.Event.LogLevel.WarningLevel;
                        })
                        .AddHocon("akka.stdout-loglevel = WARNING", HoconAddMode.Prepend);
                    // Only coordinators write a journal; an observer (no roles) must not open the driving process's journal file.
                    if (options.Roles.Count > 0)
                    {
                        builder = options.PostgresConnectionString is { Length: > 0 } postgres
                            ? builder.WithClusterMLPersistence(postgres, PersistenceHostingExtensions.PostgresProvider)
                            : builder.WithClusterMLPersistence(PersistenceHostingExtensions.SqliteConnectionString(options.JournalPath), PersistenceHostingExtensions.SqliteProvider);
                    }
                    builder.WithClusterMLNode(node, store, engines ?? Engines(), slots, nodeBlobs, objectives ?? [new NepShardObjective(options.Device), new NepSnesShardObjective()]);
                });
            })
            .Build();
        return (host, store);
    }
}
