using System.Collections.Immutable;
using System.Net;
using Akka.Actor;
using Akka.Discovery.Config.Hosting;
using Akka.Discovery.KubernetesApi;
using Akka.Hosting;
using Akka.Management.Cluster.Bootstrap;
using Akka.Management.Cluster.Bootstrap.ContactPoint;
using Akka.Management.Dsl;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace ClusterML.Cluster.Hosting;

/// <summary>
/// How a node finds the others without a seed list (Akka.Management's cluster bootstrap): <c>config</c> lists the management
/// endpoints (host:port) of the nodes that may form the cluster; <c>kubernetes</c> asks the Kubernetes API for the pods
/// labelled <c>app=SERVICE</c> in the pod's namespace and probes their container port named <c>management</c>. The nodes
/// probe each other's management endpoints; once <paramref name="ContactPoints"/> answer and none is in a cluster yet, the
/// one with the lowest address forms it and the others join; a node that comes later joins the running cluster.
/// </summary>
public sealed record ClusterDiscovery(string Method, string ServiceName, IReadOnlyList<string> Endpoints, int ContactPoints)
{
    public const string Config = "config", Kubernetes = "kubernetes";

    /// <summary>The container port's name the Kubernetes discovery looks for on each pod.</summary>
    public const string ManagementPortName = "management";
}

/// <summary>
/// The node's management endpoint and the discovery that replaces seed nodes. Akka.Management's own HTTP server runs on
/// Akka.Http.Shim over Ceen.Httpd 0.9.9, which NuGet here serves only as 0.9.10, whose changed <c>ListenAsync</c> makes that
/// server fail at start (MissingMethodException); so Kestrel serves the same bootstrap route
/// (<c>GET /bootstrap/seed-nodes</c>, the JSON of <see cref="HttpBootstrapJsonProtocol.SeedNodes"/> that the other nodes'
/// bootstrap probes read) and the health probes, and Akka.Management's <see cref="ClusterBootstrap"/> with Akka.Discovery
/// does the rest: discovery, probing, and the decision to form or join.
/// </summary>
public static class ClusterBootstrapHostingExtensions
{
    /// <summary>Readiness: 200 once this node is Up in the cluster, 503 before (joining) and after (leaving, downed).</summary>
    public const string ReadyPath = "/health/ready";

    /// <summary>Liveness: 200 while the node's actor system runs and it is not removed from the cluster.</summary>
    public const string AlivePath = "/health/alive";

    /// <summary>The route bootstrap probes on each contact point.</summary>
    public const string SeedNodesPath = "/bootstrap/seed-nodes";

    /// <summary>
    /// Serves the management endpoint on <paramref name="bindHost"/>:<paramref name="port"/> (health, and the bootstrap route),
    /// and with <paramref name="discovery"/> starts the cluster bootstrap, advertising <paramref name="publicHost"/>:<paramref name="port"/>
    /// as this node's contact point.
    /// </summary>
    public static AkkaConfigurationBuilder WithClusterMLManagement(this AkkaConfigurationBuilder builder, string bindHost, string publicHost, int port, ClusterDiscovery? discovery)
    {
        if (discovery is not null)
        {
            string method;
            if (discovery.Method == ClusterDiscovery.Kubernetes)
            {
                builder.WithKubernetesDiscovery(options => options.PodLabelSelector = $"app={discovery.ServiceName}");
                method = "kubernetes-api";
            }
            else
            {
                builder.WithConfigDiscovery(options => options.Services.Add(new Service { Name = discovery.ServiceName, Endpoints = [.. discovery.Endpoints] }));
                method = "config";
            }
            builder.WithClusterBootstrap(options =>
            {
                options.ContactPointDiscovery.ServiceName = discovery.ServiceName;
                options.ContactPointDiscovery.DiscoveryMethod = method;
                options.ContactPointDiscovery.RequiredContactPointsNr = discovery.ContactPoints;
                // Decide within a few seconds of the nodes appearing (the defaults look every 5 s and want 5 s of calm).
                options.ContactPointDiscovery.Interval = TimeSpan.FromSeconds(1);
                options.ContactPointDiscovery.StableMargin = TimeSpan.FromSeconds(3);
                if (discovery.Method == ClusterDiscovery.Kubernetes)
                {
                    options.ContactPointDiscovery.PortName = ClusterDiscovery.ManagementPortName;
                }
                options.ContactPoint.ProbeInterval = TimeSpan.FromSeconds(1);
                // Targets come with their own ports (each node's management port, which may differ between nodes on one
                // machine): keep them all. A target without a port is probed on this node's management port.
                options.ContactPoint.FilterOnFallbackPort = false;
                options.ContactPoint.FallbackPort = port;
            }, autoStart: false);
        }
        builder.AddStartup(async (system, registry) =>
        {
            var server = await ManagementServer.StartAsync(system, bindHost, port).ConfigureAwait(false);
            CoordinatedShutdown.Get(system).AddTask(CoordinatedShutdown.PhaseActorSystemTerminate, "stop-management-endpoint", async () =>
            {
                await server.DisposeAsync().ConfigureAwait(false);
                return Akka.Done.Instance;
            });
            if (discovery is not null)
            {
                var bootstrap = ClusterBootstrap.Get(system);
                // What Akka.Management does when it binds the routes itself: tell bootstrap its own contact point.
                _ = bootstrap.Routes(ManagementRouteProviderSettings.Create(new Uri($"http://{publicHost}:{port}"), true));
                _ = bootstrap.Start();
            }
        });
        return builder;
    }
}

/// <summary>Kestrel serving a node's management endpoint.</summary>
internal static class ManagementServer
{
    public static async Task<WebApplication> StartAsync(ActorSystem system, string bindHost, int port)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ApplicationName = typeof(ManagementServer).Assembly.GetName().Name });
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            if (bindHost is "0.0.0.0" or "" or "*")
            {
                kestrel.ListenAnyIP(port);
            }
            else if (IPAddress.TryParse(bindHost, out var address))
            {
                kestrel.Listen(address, port);
            }
            else
            {
                kestrel.Listen(Dns.GetHostAddresses(bindHost).First(), port);
            }
        });
        var app = builder.Build();
        app.MapGet(ClusterBootstrapHostingExtensions.ReadyPath, () => Reply(Health.Ready(system)));
        app.MapGet(ClusterBootstrapHostingExtensions.AlivePath, () => Reply(Health.Alive(system)));
        app.MapGet(ClusterBootstrapHostingExtensions.SeedNodesPath, () => Results.Text(SeedNodes(system), "application/json"));
        await app.StartAsync().ConfigureAwait(false);
        return app;
    }

    private static IResult Reply((bool Ok, string Text) check) =>
        Results.Text(check.Text + "\n", "text/plain; charset=utf-8", statusCode: check.Ok ? StatusCodes.Status200OK : StatusCodes.Status503ServiceUnavailable);

    /// <summary>This node and the members it knows that are joining or up and reachable: what a probing node joins.</summary>
    internal static string SeedNodes(ActorSystem system)
    {
        var cluster = Akka.Cluster.Cluster.Get(system);
        var state = cluster.State;
        var members = state.Members
            .Where(m => !state.Unreachable.Contains(m) && m.Status is Akka.Cluster.MemberStatus.Up or Akka.Cluster.MemberStatus.WeaklyUp or Akka.Cluster.MemberStatus.Joining)
            .Take(10)
            .Select(m => new HttpBootstrapJsonProtocol.ClusterMember(m.UniqueAddress.Address, m.UniqueAddress.Uid, m.Status, m.Roles))
            .ToImmutableList();
        return Newtonsoft.Json.JsonConvert.SerializeObject(new HttpBootstrapJsonProtocol.SeedNodes(cluster.SelfAddress, members));
    }
}

/// <summary>The health probes: readiness (Up in the cluster) and liveness (running, not removed).</summary>
public static class Health
{
    /// <summary>Up in the cluster: what a load balancer or Kubernetes waits for before counting the node in.</summary>
    public static (bool Ok, string Text) Ready(ActorSystem system)
    {
        var self = Akka.Cluster.Cluster.Get(system).SelfMember;
        return (self.Status == Akka.Cluster.MemberStatus.Up, $"{self.Address} {self.Status.ToString().ToLowerInvariant()}");
    }

    /// <summary>
    /// The actor system and its cluster extension run (before joining, too: a node waiting for its contact points is alive,
    /// not ready). A downed node shuts its cluster extension down and then exits; a stuck one is restarted by the orchestrator.
    /// </summary>
    public static (bool Ok, string Text) Alive(ActorSystem system)
    {
        var cluster = Akka.Cluster.Cluster.Get(system);
        var alive = !system.WhenTerminated.IsCompleted && !cluster.IsTerminated;
        return (alive, alive ? "alive" : "terminated");
    }
}
