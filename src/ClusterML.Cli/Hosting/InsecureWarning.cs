using Microsoft.Extensions.Hosting;
using Serilog;

namespace ClusterML.Cli.Hosting;

/// <summary>
/// Reminds, at start and then every minute, that a node runs with <c>--insecure</c>: plain TCP on a non-loopback address,
/// so anyone who reaches the port can join the cluster, receive work and read the traffic.
/// </summary>
internal sealed class InsecureWarning(ILogger log, string hostname, int port) : BackgroundService
{
    public static readonly TimeSpan Interval = TimeSpan.FromMinutes(1);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval);
        do
        {
            log.Warning("Cluster traffic on {Hostname}:{Port} is unencrypted and unauthenticated (--insecure): anyone who can reach this port can join and receive work. Secure it with clusterml cert init/issue and --tls",
                hostname, port);
        }
        while (await WaitAsync(timer, stoppingToken));
    }

    private static async Task<bool> WaitAsync(PeriodicTimer timer, CancellationToken stoppingToken)
    {
        try
        {
            return await timer.WaitForNextTickAsync(stoppingToken);
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }
}
