using System.CommandLine;
using System.Net;
using Akka.Actor;
using Akka.Cluster;
using ClusterML.Cli.Hosting;
using ClusterML.Cluster.Hosting;
using ClusterML.Cluster.Security;
using ClusterML.Core.Files;
using ClusterML.Core.Validation;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace ClusterML.Cli.Commands;

/// <summary><c>clusterml node</c>: a long-running cluster member (usually a worker on another machine).</summary>
internal static class NodeCommand
{
    public static Command Create(CommandRunner runner)
    {
        var options = new ClusterOptionSet(defaultRoles: "worker", defaultPort: 4053, defaultHostname: "0.0.0.0");
        var joinTimeout = new Option<int>("--join-timeout") { Description = "Seconds to wait for the seed nodes before giving up (exit 1).", DefaultValueFactory = _ => 30 };
        var device = CommonOptions.Device();
        var command = new Command("node", "Run a cluster member until Ctrl-C/SIGTERM (then it hands its trials off and leaves). Workers need --seed-nodes of a running coordinator.") { joinTimeout, device };
        options.AddTo(command);
        runner.SetAction(command, async (context, cancellationToken) =>
        {
            var hostOptions = options.Read(context) with { Device = context.Parse.GetValue(device) ?? "cpu" };
            ClusterML.Engines.Torch.TorchDevices.Resolve(hostOptions.Device); // a missing GPU fails here, before joining
            using var journal = JournalLock.AcquireFor(hostOptions, $"node --roles {string.Join(",", hostOptions.Roles)}");
            var blobs = new BlobStore(ClusterHostOptions.BlobsPathIn(hostOptions.DataDir), hostOptions.BlobCacheBytes);
            var (host, _) = ClusterHost.Build(hostOptions, context.Log, blobs: blobs);
            await host.StartAsync(cancellationToken);
            try
            {
                var system = host.Services.GetRequiredService<ActorSystem>();
                var timeout = TimeSpan.FromSeconds(Require.AtLeast("--join-timeout", context.Parse.GetValue(joinTimeout), 1));
                if (!await ClusterHost.JoinedAsync(host, hostOptions, timeout, context.Log, cancellationToken))
                {
                    return ExitCodes.Failure;
                }
                var self = Akka.Cluster.Cluster.Get(system).SelfAddress;
                context.Log.Information("Node {Address} is up with roles {Roles} and {Slots} slot(s); Ctrl-C to leave", self, string.Join(",", hostOptions.Roles), hostOptions.Slots);
                LogFiles(context, hostOptions, blobs);
                await host.WaitForShutdownAsync(cancellationToken);
                LogFiles(context, hostOptions, blobs);
                // Removed from the cluster (downed by the split-brain resolver, e.g. when the only coordinator died, or by
                // another member) rather than asked to stop: a failure, so that a restart policy (systemd Restart=on-failure,
                // compose restart: on-failure) starts the node again and it rejoins once the coordinator is back.
                if (CoordinatedShutdown.Get(system).ShutdownReason is CoordinatedShutdown.ClusterDowningReason or CoordinatedShutdown.ClusterJoinUnsuccessfulReason)
                {
                    context.Log.Error("Node {Address} was removed from the cluster without being asked to leave (downed: it lost contact with the coordinators, or they with it); exiting {Code} so that it is restarted",
                        self, ExitCodes.Failure);
                    return ExitCodes.Failure;
                }
                context.Log.Information("Node {Address} left the cluster: asked to stop (Ctrl-C or SIGTERM); exiting {Code}", self, ExitCodes.Ok);
                return ExitCodes.Ok;
            }
            finally
            {
                await host.StopAsync(CancellationToken.None);
                host.Dispose();
            }
        });
        return command;
    }

    private static void LogFiles(CommandContext context, ClusterHostOptions options, BlobStore blobs) =>
        context.Log.Information("{Blobs}; artifacts {Artifacts} in {Campaigns}", CampaignCommand.BlobSummary(blobs),
            Bytes.Show(Output.CampaignModels.FolderSize(Path.Combine(options.DataDir, "campaigns"))), Path.Combine(options.DataDir, "campaigns"));
}

/// <summary>The options that place a process in the cluster, shared by <c>node</c> and the campaign commands.</summary>
internal sealed class ClusterOptionSet(string defaultRoles, int defaultPort, string defaultHostname)
{
    public Option<string> Roles { get; } = new("--roles") { Description = "Comma-separated roles: coordinator, worker, aggregator (campaign run always adds aggregator: results land in its data directory).", DefaultValueFactory = _ => defaultRoles };

    public Option<string[]> SeedNodes { get; } = CommonOptions.List("--seed-nodes", "Addresses to join, e.g. akka.tcp://clusterml@10.0.0.5:4053 (none: form a new cluster).");

    public Option<int> Port { get; } = new("--port") { Description = "TCP port of this node (0: any free port).", DefaultValueFactory = _ => defaultPort };

    public Option<string> Hostname { get; } = new("--hostname") { Description = "Address this node listens on and advertises (0.0.0.0 advertises the machine's name).", DefaultValueFactory = _ => defaultHostname };

    public Option<int> Slots { get; } = new("--slots") { Description = "Trials this node runs at once (default: one per core).", DefaultValueFactory = _ => Cluster.Trials.WorkerSlots.DefaultCount };

    public Option<string?> Postgres { get; } = new("--postgres") { Description = "PostgreSQL connection string for the journal, snapshots and results when coordinators run on several machines; give the same one to every coordinator (default: SQLite in the data directory; or $CLUSTERML_POSTGRES)." };

    public Option<string?> Tls { get; } = new("--tls") { Description = "Folder with this node's ca.crt, node.crt and node.key (clusterml cert issue): mutual TLS with the cluster's CA and the role admission check (or config Cluster:Tls, $CLUSTERML_Cluster__Tls)." };

    public Option<string> Discovery { get; } = new("--discovery") { Description = "How this node finds the others: none (--seed-nodes, the default), config (--discovery-endpoints) or kubernetes (pods labelled app=SERVICE): Akka.Management's cluster bootstrap, no seed list.", DefaultValueFactory = _ => "none" };

    public Option<string> DiscoveryService { get; } = new("--discovery-service") { Description = "The service name the discovery looks up (Kubernetes: the pods' app label).", DefaultValueFactory = _ => "clusterml" };

    public Option<string[]> DiscoveryEndpoints { get; } = CommonOptions.List("--discovery-endpoints", "With --discovery config: every node's management endpoint, HOST:PORT, comma-separated (the same list on each node).");

    public Option<int?> ManagementPort { get; } = new("--management-port") { Description = "Port of Akka.Management's HTTP server: /health/ready and /health/alive, and the bootstrap's contact point (default 8558 with --discovery; none without)." };

    public Option<int?> ContactPoints { get; } = new("--contact-points") { Description = "With --discovery: how many nodes must answer before the first one forms the cluster (default: the number of --discovery-endpoints, 1 on Kubernetes)." };

    public Option<bool> Insecure { get; } = new("--insecure") { Description = "Allow plain, unauthenticated TCP on a non-loopback address (anyone who reaches the port can join); a warning is logged every minute." };

    /// <summary>Testing only: start with a certificate that is expired or allows fewer roles, so the other nodes' checks can be exercised.</summary>
    public Option<bool> UncheckedCredentials { get; } = new("--unchecked-credentials") { Hidden = true };

    public void AddTo(Command command)
    {
        foreach (var option in new Option[] { Roles, SeedNodes, Port, Hostname, Slots, Postgres, Tls, Discovery, DiscoveryService, DiscoveryEndpoints, ManagementPort, ContactPoints, Insecure, UncheckedCredentials })
        {
            command.Options.Add(option);
        }
    }

    public ClusterHostOptions Read(CommandContext context)
    {
        var p = context.Parse;
        var roles = (p.GetValue(Roles) ?? defaultRoles).Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var settings = ClusterConfiguration.Load(roles);
        bool Given(Option option) => p.GetResult(option) is { Implicit: false };
        var unknown = roles.FirstOrDefault(r => !ClusterHostOptions.AllRoles.Contains(r));
        if (unknown is not null || roles.Length == 0)
        {
            throw new InvalidInputException("--roles", $"'{unknown}' is not a role; use {string.Join(", ", ClusterHostOptions.AllRoles)}");
        }
        var port = Given(Port) ? p.GetValue(Port) : settings.Port ?? p.GetValue(Port);
        if (port is < 0 or > 65535)
        {
            throw new InvalidInputException("--port", $"must be 0–65535 (got {port})");
        }
        var hostname = Given(Hostname) ? p.GetValue(Hostname) ?? defaultHostname : settings.Hostname ?? defaultHostname;
        var tlsFolder = Given(Tls) ? p.GetValue(Tls) : settings.Tls;
        var tls = tlsFolder is { Length: > 0 } ? NodeCredentials.Load(tlsFolder) : null;
        var seeds = SeedAddresses(Given(SeedNodes) ? p.GetValue(SeedNodes) ?? [] : settings.SeedNodes, tls is not null);
        var insecure = p.GetValue(Insecure);
        if (tls is null && !IsLoopback(hostname) && !insecure)
        {
            throw new InvalidInputException("--tls", $"this node would listen on {hostname}, which is reachable from other machines, without TLS: anyone could join. "
                + "Create certificates (clusterml cert init --out ca; clusterml cert issue --ca ca --name NODE --roles ROLES --out NODE_DIR) and start with --tls NODE_DIR, "
                + "use --hostname 127.0.0.1 for a one-machine cluster, or accept the risk with --insecure");
        }
        var postgres = p.GetValue(Postgres) ?? Environment.GetEnvironmentVariable("CLUSTERML_POSTGRES") ?? settings.Postgres;
        var (discovery, managementPort) = ReadDiscovery(p, Given, settings, seeds.Length > 0);
        var slots = Given(Slots) ? p.GetValue(Slots) : settings.Slots ?? p.GetValue(Slots);
        return new ClusterHostOptions(roles, hostname, port, seeds, Require.AtLeast("--slots", slots, 1), context.DataDir, postgres)
        {
            Tls = tls,
            Discovery = discovery,
            ManagementPort = managementPort,
            Insecure = insecure && tls is null && !IsLoopback(hostname),
            UncheckedCredentials = p.GetValue(UncheckedCredentials),
            HeartbeatPause = TimeSpan.FromSeconds(settings.HeartbeatPauseSeconds),
            StableAfter = TimeSpan.FromSeconds(settings.StableAfterSeconds),
            BlobCacheBytes = settings.BlobCacheGiB is > 0 and < 1e6
                ? (long)(settings.BlobCacheGiB * (1L << 30))
                : throw new InvalidInputException("ClusterML:Cluster:BlobCacheGiB", $"must be a positive number of GiB (got {settings.BlobCacheGiB})"),
        };
    }

    /// <summary>The default management port (Akka.Management's).</summary>
    public const int DefaultManagementPort = 8558;

    /// <summary>
    /// <c>--discovery</c> and its settings (command line over configuration): the bootstrap's discovery (null for none) and
    /// the management port (default <see cref="DefaultManagementPort"/> with discovery, else only when asked for).
    /// </summary>
    private (ClusterDiscovery? Discovery, int? ManagementPort) ReadDiscovery(ParseResult p, Func<Option, bool> given, ClusterConfiguration settings, bool seeded)
    {
        var method = (given(Discovery) ? p.GetValue(Discovery) : settings.Discovery ?? p.GetValue(Discovery))?.Trim().ToLowerInvariant() ?? "none";
        if (method is not ("none" or ClusterDiscovery.Config or ClusterDiscovery.Kubernetes))
        {
            throw new InvalidInputException("--discovery", $"'{method}' is not none, config or kubernetes");
        }
        var managementPort = given(ManagementPort) ? p.GetValue(ManagementPort) : settings.ManagementPort ?? p.GetValue(ManagementPort);
        if (managementPort is < 0 or > 65535)
        {
            throw new InvalidInputException("--management-port", $"must be 0–65535 (got {managementPort})");
        }
        if (method == "none")
        {
            return (null, managementPort);
        }
        if (seeded)
        {
            throw new InvalidInputException("--seed-nodes", $"goes with --discovery none; with --discovery {method} the nodes find each other");
        }
        var service = given(DiscoveryService) ? p.GetValue(DiscoveryService)! : settings.DiscoveryService ?? p.GetValue(DiscoveryService)!;
        if (!System.Text.RegularExpressions.Regex.IsMatch(service, "^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$"))
        {
            throw new InvalidInputException("--discovery-service", $"'{service}' is not a service name (lower-case letters, digits, '-' and '.')");
        }
        var endpoints = given(DiscoveryEndpoints) ? p.GetValue(DiscoveryEndpoints) ?? [] : settings.DiscoveryEndpoints;
        foreach (var endpoint in endpoints)
        {
            var colon = endpoint.LastIndexOf(':');
            if (colon <= 0 || !int.TryParse(endpoint[(colon + 1)..], out var port) || port is < 1 or > 65535)
            {
                throw new InvalidInputException("--discovery-endpoints", $"'{endpoint}' is not HOST:PORT (a node's management endpoint)");
            }
        }
        if (method == ClusterDiscovery.Config && endpoints.Length == 0)
        {
            throw new InvalidInputException("--discovery-endpoints", "--discovery config needs the nodes' management endpoints, e.g. 10.0.0.5:8558,10.0.0.6:8558");
        }
        var contactPoints = (given(ContactPoints) ? p.GetValue(ContactPoints) : settings.ContactPoints ?? p.GetValue(ContactPoints))
            ?? (method == ClusterDiscovery.Config ? endpoints.Length : 1);
        if (contactPoints < 1)
        {
            throw new InvalidInputException("--contact-points", $"must be at least 1 (got {contactPoints})");
        }
        return (new ClusterDiscovery(method, service, endpoints, contactPoints), managementPort ?? DefaultManagementPort);
    }

    /// <summary>Whether listening on <paramref name="hostname"/> keeps the node to this machine (127.0.0.0/8, ::1, localhost).</summary>
    public static bool IsLoopback(string hostname) =>
        string.Equals(hostname, "localhost", StringComparison.OrdinalIgnoreCase) || (IPAddress.TryParse(hostname, out var address) && IPAddress.IsLoopback(address));

    /// <summary>
    /// Checks the seed node addresses. With TLS the transport's protocol is <c>akka.ssl.tcp</c>: <c>akka.tcp://</c> addresses
    /// are taken to mean the same host and port, so scripts need not change when a cluster is secured.
    /// </summary>
    public static string[] SeedAddresses(IEnumerable<string> seeds, bool tls) => [.. seeds.Select(seed =>
    {
        if (!Uri.TryCreate(seed, UriKind.Absolute, out var uri) || uri.Scheme is not ("akka.tcp" or "akka.ssl.tcp") || uri.Port <= 0
            || !seed.Contains("clusterml@", StringComparison.Ordinal))
        {
            throw new InvalidInputException("--seed-nodes", $"'{seed}' is not an address like akka.tcp://clusterml@HOST:PORT");
        }
        if (uri.Scheme == "akka.ssl.tcp" && !tls)
        {
            throw new InvalidInputException("--seed-nodes", $"'{seed}' is a TLS node: give this node a certificate with --tls NODE_DIR (clusterml cert issue)");
        }
        return tls && uri.Scheme == "akka.tcp" ? "akka.ssl.tcp" + seed["akka.tcp".Length..] : seed;
    })];
}
