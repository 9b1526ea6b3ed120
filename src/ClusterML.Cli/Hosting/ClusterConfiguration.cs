using Microsoft.Extensions.Configuration;

namespace ClusterML.Cli.Hosting;

/// <summary>
/// Cluster settings from <c>config/appsettings.json</c>, <c>config/appsettings.ROLE.json</c> (for each role of the process)
/// and environment variables <c>CLUSTERML_Cluster__Port</c> and so on, in that order (later wins). Options given on the
/// command line win over all of them. Null means "use the command's default".
/// </summary>
internal sealed class ClusterConfiguration
{
    public string? Hostname { get; set; }

    public int? Port { get; set; }

    public string[] SeedNodes { get; set; } = [];

    public int? Slots { get; set; }

    /// <summary>How the node finds the others: none (seed nodes), config or kubernetes (<c>--discovery</c>).</summary>
    public string? Discovery { get; set; }

    /// <summary>The service the discovery looks up (Kubernetes: pods labelled app=NAME); <c>--discovery-service</c>.</summary>
    public string? DiscoveryService { get; set; }

    /// <summary>Config discovery: the management endpoints (host:port) of the nodes that may form the cluster; <c>--discovery-endpoints</c>.</summary>
    public string[] DiscoveryEndpoints { get; set; } = [];

    /// <summary>Akka.Management's HTTP port (health endpoints, bootstrap contact point); <c>--management-port</c>.</summary>
    public int? ManagementPort { get; set; }

    /// <summary>Contact points the bootstrap needs before the first node forms the cluster; <c>--contact-points</c>.</summary>
    public int? ContactPoints { get; set; }

    public string? Postgres { get; set; }

    /// <summary>Folder with this node's ca.crt, node.crt and node.key (<c>clusterml cert issue</c>); the option <c>--tls</c> wins.</summary>
    public string? Tls { get; set; }

    /// <summary>Missed heartbeats tolerated before a node is unreachable (s).</summary>
    public double HeartbeatPauseSeconds { get; set; } = 3;

    /// <summary>How long membership must be stable before the split-brain resolver downs unreachable nodes (s).</summary>
    public double StableAfterSeconds { get; set; } = 4;

    /// <summary>Most the blob cache (inputs fetched from other nodes) may take before least-recently-used blobs are evicted (GiB).</summary>
    public double BlobCacheGiB { get; set; } = 20;

    /// <summary>The dashboard's access token (<c>ClusterML:Dashboard:Token</c>, <c>$CLUSTERML_Dashboard__Token</c>); null: a new one at each start.</summary>
    public string? DashboardToken { get; set; }

    /// <summary>Reads the files from the current folder's <c>config/</c>, else from the program's folder.</summary>
    public static ClusterConfiguration Load(IEnumerable<string> roles)
    {
        var folder = Directory.Exists("config") ? Path.GetFullPath("config") : Path.Combine(AppContext.BaseDirectory, "config");
        var builder = new ConfigurationBuilder().AddJsonFile(Path.Combine(folder, "appsettings.json"), optional: true);
        foreach (var role in roles)
        {
            builder.AddJsonFile(Path.Combine(folder, $"appsettings.{role}.json"), optional: true);
        }
        var configuration = builder.AddEnvironmentVariables("CLUSTERML_").Build();
        var settings = new ClusterConfiguration();
        configuration.GetSection("ClusterML:Cluster").Bind(settings);
        configuration.GetSection("Cluster").Bind(settings); // CLUSTERML_Cluster__Port=4053
        settings.DashboardToken = configuration["Dashboard:Token"] ?? configuration["ClusterML:Dashboard:Token"];
        return settings;
    }
}
