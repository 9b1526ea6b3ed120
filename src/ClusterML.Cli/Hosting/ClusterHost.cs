using Akka.Cluster.Hosting;
using Akka.Cluster.Hosting.SBR;
using Akka.Hosting;
using Akka.Remote.Hosting;
using ClusterML.Cluster.Hosting;
using ClusterML.Cluster.Trials;
using ClusterML.Core.Engines;
using ClusterML.Core.Results;
using ClusterML.Engines.Pinn.Reference;
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
    public static readonly IReadOnlyList<string> AllRoles = [CoordinatorHostingExtensions.CoordinatorRole, WorkerHostingExtensions.WorkerRole, "aggregator"];

    /// <summary>Missed heartbeats tolerated before a node is marked unreachable.</summary>
    public TimeSpan HeartbeatPause { get; init; } = TimeSpan.FromSeconds(3);

    /// <summary>Stable membership needed before the split-brain resolver downs unreachable nodes.</summary>
    public TimeSpan StableAfter { get; init; } = TimeSpan.FromSeconds(5);

    public string ResultsPath => ResultsPathIn(DataDir);

    /// <summary>Where the results store lives in a data directory.</summary>
    public static string ResultsPathIn(string dataDir) => Path.Combine(dataDir, "results.db");

    public string JournalPath => Path.Combine(DataDir, "clusterml.db");
}

/// <summary>Builds the Akka.NET host of a ClusterML process (all roles by default), logging through Serilog.</summary>
internal static class ClusterHost
{
    /// <summary>The engines a worker hosts.</summary>
    public static IReadOnlyList<IEngine> Engines() => [new FdHeatEngine(), new SurrogateEngine()];

    public static (IHost Host, IResultStore Store) Build(ClusterHostOptions options, ILogger log, IReadOnlyList<IEngine>? engines = null)
    {
        Directory.CreateDirectory(options.DataDir);
        var store = new SqliteResultStore(options.ResultsPath);
        var worker = options.Roles.Contains(WorkerHostingExtensions.WorkerRole);
        var coordinator = options.Roles.Contains(CoordinatorHostingExtensions.CoordinatorRole);
        var slots = new WorkerSlots(options.Slots);
        var host = new HostBuilder()
            .ConfigureServices(services =>
            {
                services.AddSerilog(log, dispose: false);
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
                        .AddHocon($"""
                            akka.cluster.failure-detector.acceptable-heartbeat-pause = {options.HeartbeatPause.TotalMilliseconds:F0}ms
                            akka.cluster.split-brain-resolver.stable-after = {options.StableAfter.TotalMilliseconds:F0}ms
                            akka.coordinated-shutdown.exit-clr = off
                            akka.stdout-loglevel = WARNING
                            """, HoconAddMode.Prepend)
                        // Listening on every interface: advertise the machine's name, which the other nodes can resolve.
                        .WithRemoting(options.Hostname, options.Port, options.Hostname == "0.0.0.0" ? System.Net.Dns.GetHostName() : null)
                        .WithClustering(new ClusterOptions
                        {
                            Roles = [.. options.Roles],
                            SeedNodes = [.. options.SeedNodes],
                            SplitBrainResolver = new KeepMajorityOption(),
                        })
                        .WithClusterMLSerialization();
                    builder = options.PostgresConnectionString is { Length: > 0 } postgres
                        ? builder.WithClusterMLPersistence(postgres, PersistenceHostingExtensions.PostgresProvider)
                        : builder.WithClusterMLPersistence(PersistenceHostingExtensions.SqliteConnectionString(options.JournalPath), PersistenceHostingExtensions.SqliteProvider);
                    builder = worker ? builder.WithClusterMLWorker(engines ?? Engines(), slots) : builder.WithClusterMLTrialProxy();
                    builder = coordinator ? builder.WithClusterMLCoordinator(store, options.Slots) : builder.WithClusterMLCampaignProxy();
                    if (options.SeedNodes.Count == 0)
                    {
                        builder.AddStartup((system, _) => Akka.Cluster.Cluster.Get(system).Join(Akka.Cluster.Cluster.Get(system).SelfAddress));
                    }
                });
            })
            .Build();
        return (host, store);
    }
}
