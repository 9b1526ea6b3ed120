using Akka.Cluster.Hosting;
using Akka.Cluster.Hosting.SBR;
using Akka.Hosting;
using Akka.Remote.Hosting;
using Akka.Actor;
using Akka.Streams;
using ClusterML.Cluster.Files;
using ClusterML.Cluster.Security;
using ClusterML.Cluster.Trials;
using ClusterML.Core.Engines;
using ClusterML.Core.Files;
using ClusterML.Core.Results;

namespace ClusterML.Cluster.Hosting;

/// <summary>
/// How one ClusterML node joins the cluster: its roles (any of <c>coordinator</c>, <c>worker</c>, <c>aggregator</c>; none
/// makes an observer that only talks to the others), its address, the seed nodes (none: it forms a cluster of its own) and its
/// worker slots. Failure detection: a silent node is unreachable after <see cref="HeartbeatPause"/> of missed heartbeats, and
/// the split-brain resolver downs it once the membership has been stable for <see cref="StableAfter"/>.
/// </summary>
public sealed record ClusterNodeSettings(IReadOnlyList<string> Roles, string Hostname, int Port, IReadOnlyList<string> SeedNodes, int Slots)
{
    public static readonly IReadOnlyList<string> AllRoles =
        [CoordinatorHostingExtensions.CoordinatorRole, WorkerHostingExtensions.WorkerRole, AggregatorHostingExtensions.AggregatorRole];

    public TimeSpan HeartbeatPause { get; init; } = TimeSpan.FromSeconds(3);

    public TimeSpan StableAfter { get; init; } = TimeSpan.FromSeconds(4);

    /// <summary>
    /// Mutual TLS with the cluster's CA and the role admission check (<see cref="AdmissionActor"/>); null: plain TCP and no
    /// admission check (only for loopback or a network where every host is trusted).
    /// </summary>
    public NodeCredentials? Tls { get; init; }

    /// <summary>This node's compute device (cpu, cuda, cuda:N), as it reports itself (<see cref="NodeInfoActor"/>).</summary>
    public string Device { get; init; } = "cpu";

    /// <summary>
    /// The port of Akka.Management's HTTP server (health endpoints <c>/health/ready</c>, <c>/health/alive</c>, and the
    /// bootstrap's contact point); null: no management server.
    /// </summary>
    public int? ManagementPort { get; init; }

    /// <summary>Find the other nodes through discovery (cluster bootstrap, needs <see cref="ManagementPort"/>) instead of <see cref="SeedNodes"/>; null: seed nodes.</summary>
    public ClusterDiscovery? Discovery { get; init; }

    /// <summary>How long a joining member has to answer the admission challenge before it is downed.</summary>
    public TimeSpan AdmissionTimeout { get; init; } = TimeSpan.FromSeconds(10);

    public bool Has(string role) => Roles.Contains(role);
}

/// <summary>A node's files: its data directory and its blob store (<c>DATA_DIR/blobs</c>).</summary>
public sealed record NodeBlobs(string DataDir, BlobStore Store);

/// <summary>Akka.Hosting wiring of a whole ClusterML node; the CLI, the benchmark harness and the tests build nodes with it.</summary>
public static class ClusterNodeHostingExtensions
{
    /// <summary>
    /// Remoting, clustering with the split-brain resolver, the MessagePack serializer, and per role the trial region, the
    /// aggregator singleton and the campaign region (or proxies to them). The journal (needed with the coordinator role) and
    /// loggers are the caller's. The split-brain resolver keeps the side with the majority of <c>coordinator</c> nodes, so a
    /// coordinator never downs itself because workers or observers outnumber it; it falls back to all nodes when no node
    /// has the role.
    /// </summary>
    /// With <paramref name="objectives"/> a worker also hosts the data shards of sharded fits (<see cref="FitHostingExtensions"/>).
    /// With <paramref name="blobs"/> (the node's data directory and blob store) the node serves blobs to the others (a
    /// <see cref="BlobServer"/> at <c>/user/blobs</c>), its trials fetch their inputs and send their artifacts, and an
    /// aggregator here lands them under the data directory.
    public static AkkaConfigurationBuilder WithClusterMLNode(this AkkaConfigurationBuilder builder, ClusterNodeSettings settings,
        IResultStore? store, IReadOnlyList<IEngine> engines, WorkerSlots slots, NodeBlobs? blobs = null, IReadOnlyList<IShardObjective>? objectives = null)
    {
        NodeFiles? nodeFiles = null;
        Func<ActorSystem, NodeFiles>? files = blobs is null ? null : system => nodeFiles ??= new NodeFiles(system, blobs.Store, blobs.DataDir);
        builder
            .AddHocon($"""
                akka.cluster.failure-detector.acceptable-heartbeat-pause = {settings.HeartbeatPause.TotalMilliseconds:F0}ms
                akka.cluster.split-brain-resolver.stable-after = {settings.StableAfter.TotalMilliseconds:F0}ms
                # Not "down everyone when reachability keeps changing": workers crashing a few seconds apart (or one in a
                # restart loop) kept it changing for stable-after + 4 s and downed the coordinator with them. Keep-majority
                # over the coordinator role decides by where the coordinators are, which worker churn does not change.
                akka.cluster.split-brain-resolver.down-all-when-unstable = off
                akka.coordinated-shutdown.exit-clr = off
                # A false "failed to find an associated singleton after 30 seconds" warning on every start (akka.net #8568).
                akka.cluster.singleton-proxy.log-singleton-identification-failure = off
                # Sharded fits send parameter vectors and gradients (8 bytes a parameter) in one message: up to 2 million parameters.
                akka.remote.dot-netty.tcp.maximum-frame-size = 16777216b
                akka.remote.dot-netty.tcp.send-buffer-size = 33554432b
                akka.remote.dot-netty.tcp.receive-buffer-size = 33554432b
                # Failover: after a node is removed, regions find the moved shard coordinators and singletons sooner than
                # the defaults (2 s and 1 s retries), so a dead worker's trials start elsewhere within ~15 s of the kill.
                akka.cluster.sharding.retry-interval = 500ms
                akka.cluster.sharding.coordinator-failure-backoff = 1s
                akka.cluster.singleton.hand-over-retry-interval = 500ms
                # The split-brain resolver's removal margin defaults to stable-after: 5 s more before a downed node's singletons
                # (the trial shards' coordinator among them) start elsewhere. The margin lets the other side of a partition stop
                # its own copies first; it downs itself at the same moment (the same stable-after), so a short margin suffices.
                akka.cluster.down-removal-margin = 1s
                # A new shard coordinator reads its state with a majority of the region's nodes; the first read can still count
                # the node just removed and waits the whole timeout (2 s by default) before asking again.
                akka.cluster.sharding.waiting-for-state-timeout = 500ms
                """, HoconAddMode.Prepend)
            .WithRemoting(Remoting(settings))
            .WithClustering(new ClusterOptions
            {
                Roles = [.. settings.Roles],
                SeedNodes = [.. settings.SeedNodes],
                // Keep-majority over coordinator nodes. One coordinator (the usual case): it always survives the loss of workers.
                // Several coordinators sharing a PostgreSQL journal, for takeover: run an odd number, at least three. With two,
                // the crash of one leaves 1 of 2, a tie, which keeps the side with the lowest address, so the survivor downs
                // itself whenever the dead node's address was the lower one. Keep-oldest is no better (with two nodes the side
                // without the oldest downs itself, down-if-alone needs two on the other side), and a lease needs a lease store.
                SplitBrainResolver = new KeepMajorityOption { Role = CoordinatorHostingExtensions.CoordinatorRole },
            })
            .WithClusterMLSerialization()
            // Stream references (blob transfers) need Akka.Streams' serializer bindings from the start.
            .AddHocon(ActorMaterializer.DefaultConfig(), HoconAddMode.Append);
        if (settings.Tls is { } tls)
        {
            // Every node answers admission challenges; coordinators (who hand out work) check the others.
            builder.WithActors((system, _) => system.ActorOf(
                AdmissionActor.Props(tls, settings.Has(CoordinatorHostingExtensions.CoordinatorRole), settings.AdmissionTimeout), AdmissionActor.Name));
        }
        if (files is not null)
        {
            builder.WithActors((system, _) => system.ActorOf(BlobServer.Props(files(system).Store), BlobServer.Name));
        }
        builder.WithActors((system, _) => system.ActorOf(NodeInfoActor.Props(settings, slots, blobs?.Store, settings.Device), NodeInfoActor.Name));
        if (settings.Has(AggregatorHostingExtensions.AggregatorRole))
        {
            builder = builder.WithClusterMLAggregator(store ?? throw new ArgumentNullException(nameof(store), "the aggregator role needs a results store"), files);
        }
        else
        {
            builder = builder.WithClusterMLAggregatorProxy();
        }
        // Fit shards compute on threads of their own, one per slot: a trial that coordinates a sharded fit holds a trial slot
        // while it waits for the shards, some of which may be on this node.
        builder = settings.Has(WorkerHostingExtensions.WorkerRole) && objectives is { Count: > 0 }
            ? builder.WithClusterMLFitShards(objectives, new Fits.ComputeThreads(slots.Count), files)
            : builder.WithClusterMLFitShardProxy();
        // Fits keep their checkpoints in persistent entities on the coordinator role; trials reach them through the region.
        builder = settings.Has(CoordinatorHostingExtensions.CoordinatorRole) ? builder.WithClusterMLFitCoordinators() : builder.WithClusterMLFitCoordinatorProxy();
        builder = settings.Has(WorkerHostingExtensions.WorkerRole) ? builder.WithClusterMLWorker(engines, slots, files) : builder.WithClusterMLTrialProxy();
        builder = settings.Has(CoordinatorHostingExtensions.CoordinatorRole) ? builder.WithClusterMLCoordinator(settings.Slots) : builder.WithClusterMLCampaignProxy();
        if (settings.ManagementPort is { } managementPort)
        {
            builder.WithClusterMLManagement(settings.Hostname, settings.Hostname == "0.0.0.0" ? System.Net.Dns.GetHostName() : settings.Hostname, managementPort, settings.Discovery);
        }
        else if (settings.Discovery is not null)
        {
            throw new ArgumentException("cluster bootstrap needs the management port (its contact point)", nameof(settings));
        }
        if (settings.SeedNodes.Count == 0 && settings.Discovery is null)
        {
            builder.AddStartup((system, _) => Akka.Cluster.Cluster.Get(system).Join(Akka.Cluster.Cluster.Get(system).SelfAddress));
        }
        return builder;
    }

    /// <summary>
    /// The DotNetty transport: with TLS, mutual authentication where each side accepts only certificates of the cluster's CA
    /// (<see cref="ClusterTrust.Validator"/>) and no host name check (nodes are addressed by IP or by names the certificates
    /// need not list; identity comes from the CA).
    /// </summary>
    private static RemoteOptions Remoting(ClusterNodeSettings settings)
    {
        var options = new RemoteOptions
        {
            HostName = settings.Hostname,
            Port = settings.Port,
            // Listening on every interface: advertise the machine's name, which the other nodes can resolve.
            PublicHostName = settings.Hostname == "0.0.0.0" ? System.Net.Dns.GetHostName() : null,
        };
        if (settings.Tls is { } tls)
        {
            options.EnableSsl = true;
            options.Ssl = new SslOptions
            {
                X509Certificate = tls.Certificate,
                RequireMutualAuthentication = true,
                ValidateCertificateHostname = false,
                CustomValidator = tls.Trust.Validator(),
            };
        }
        return options;
    }
}
