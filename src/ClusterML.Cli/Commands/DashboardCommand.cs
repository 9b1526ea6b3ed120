using System.CommandLine;
using System.Net;
using System.Security.Cryptography;
using Akka.Actor;
using ClusterML.Cli.Dashboard;
using ClusterML.Cli.Hosting;
using ClusterML.Core.Results;
using ClusterML.Core.Validation;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace ClusterML.Cli.Commands;

/// <summary>
/// <c>clusterml dashboard</c>: the web page of a data directory's campaigns, NEP fits and cluster, live; with
/// <c>--seed-nodes</c> this process also joins the cluster as an observer (no roles) to show its members.
/// </summary>
internal static class DashboardCommand
{
    public static Command Create(CommandRunner runner)
    {
        var options = new DashboardOptionSet();
        var seeds = CommonOptions.List("--seed-nodes", "Join this cluster as an observer (no roles) to show its members, slots and running trials, e.g. akka.tcp://clusterml@10.0.0.5:4053.");
        var tls = new Option<string?>("--tls") { Description = "Folder with a node certificate (clusterml cert issue) when the cluster of --seed-nodes uses TLS." };
        var postgres = new Option<string?>("--postgres") { Description = "The cluster's PostgreSQL database, where its results are (default: SQLite in the data directory; or $CLUSTERML_POSTGRES)." };
        var command = new Command("dashboard", "Serve a live web page of the data directory's campaigns (leaderboards, curves, trials, artifacts), NEP fits and the cluster, at http://127.0.0.1:8265/ until Ctrl-C.")
        {
            seeds, tls, postgres,
        };
        options.AddTo(command);
        runner.SetAction(command, async (context, cancellationToken) =>
        {
            var p = context.Parse;
            var dashboard = options.Read(context);
            var connection = p.GetValue(postgres) ?? Environment.GetEnvironmentVariable("CLUSTERML_POSTGRES") ?? ClusterConfiguration.Load([]).Postgres;
            IHost? node = null;
            IClusterSource? cluster = null;
            if (p.GetValue(seeds) is { Length: > 0 } given)
            {
                var credentials = p.GetValue(tls) is { Length: > 0 } folder ? Cluster.Security.NodeCredentials.Load(folder) : null;
                var observer = new ClusterHostOptions([], "127.0.0.1", 0, ClusterOptionSet.SeedAddresses(given, credentials is not null), 1, context.DataDir, connection)
                {
                    Tls = credentials,
                };
                (node, var opened) = ClusterHost.Build(observer, context.Log);
                (opened as IDisposable)?.Dispose(); // the dashboard opens its own
                await node.StartAsync(cancellationToken);
                if (!await ClusterHost.JoinedAsync(node, observer, TimeSpan.FromSeconds(30), context.Log, cancellationToken))
                {
                    await node.StopAsync(CancellationToken.None);
                    node.Dispose();
                    return ExitCodes.Failure;
                }
                cluster = new AkkaClusterSource(node.Services.GetRequiredService<ActorSystem>());
                context.Log.Information("Joined the cluster at {Seeds} as an observer", string.Join(", ", given));
            }
            try
            {
                var store = ClusterHost.OpenResults(context.DataDir, connection);
                using var closeStore = store as IDisposable;
                await using var app = await DashboardServer.StartAsync(context, dashboard, store, new ProcessCampaignActions(context.DataDir, connection), cluster,
                    options.Port.Name, cancellationToken);
                context.Log.Information("Dashboard of {DataDir} running; Ctrl-C stops it", context.DataDir);
                await Task.Delay(Timeout.Infinite, cancellationToken).ContinueWith(_ => { }, TaskScheduler.Default);
                return ExitCodes.Ok;
            }
            finally
            {
                if (node is not null)
                {
                    await node.StopAsync(CancellationToken.None);
                    node.Dispose();
                }
            }
        });
        return command;
    }
}

/// <summary>The options of the dashboard, shared by <c>clusterml dashboard</c> and <c>campaign run --dashboard</c>.</summary>
/// <param name="prefix">Before each option's name: "" for <c>clusterml dashboard</c>, "dashboard-" for <c>campaign run</c> (whose --port is the node's).</param>
internal sealed class DashboardOptionSet(string prefix = "")
{
    public Option<int> Port { get; } = new($"--{prefix}port") { Description = "TCP port of the dashboard (0: any free port).", DefaultValueFactory = _ => DashboardOptions.DefaultPort };

    public Option<string?> Listen { get; } = new($"--{prefix}listen") { Description = "Address to listen on beyond loopback (e.g. 0.0.0.0); then every request needs the token. Default: 127.0.0.1 only." };

    public Option<bool> ReadOnly { get; } = new($"--{prefix}read-only") { Description = "Only show: cancel and resume are off." };

    public Option<string?> Token { get; } = new($"--{prefix}token") { Description = "The access token (default: config Dashboard:Token, $CLUSTERML_Dashboard__Token, else a new random one printed at start)." };

    public void AddTo(Command command)
    {
        foreach (var option in new Option[] { Port, Listen, ReadOnly, Token })
        {
            command.Options.Add(option);
        }
    }

    public DashboardOptions Read(CommandContext context)
    {
        var p = context.Parse;
        var port = p.GetValue(Port);
        if (port is < 0 or > 65535)
        {
            throw new InvalidInputException(Port.Name, $"must be 0–65535 (got {port})");
        }
        IPAddress? listen = null;
        if (p.GetValue(Listen) is { Length: > 0 } address && !IPAddress.TryParse(address, out listen))
        {
            throw new InvalidInputException(Listen.Name, $"'{address}' is not an IP address (e.g. 0.0.0.0 for every interface, or one of this machine's addresses)");
        }
        var token = p.GetValue(Token) is { Length: > 0 } given ? given : ClusterConfiguration.Load([]).DashboardToken is { Length: > 0 } configured ? configured : NewToken();
        if (token.Length < 16)
        {
            throw new InvalidInputException(Token.Name, "must have at least 16 characters (a new random one is made when none is given)");
        }
        return new DashboardOptions(context.DataDir, port, token) { Listen = listen, ReadOnly = p.GetValue(ReadOnly) };
    }

    private static string NewToken() => Convert.ToBase64String(RandomNumberGenerator.GetBytes(24)).Replace('+', '-').Replace('/', '_');
}

/// <summary>Starts the dashboard's web application and prints where to open it.</summary>
internal static class DashboardServer
{
    /// <summary>A started dashboard: stopped (open event streams end, the change feed stops) and then disposed.</summary>
    public sealed class Running(WebApplication app, string url) : IAsyncDisposable
    {
        public WebApplication App { get; } = app;

        /// <summary>The address to open, without the token.</summary>
        public string Url { get; } = url;

        public async ValueTask DisposeAsync()
        {
            await App.StopAsync(CancellationToken.None);
            await App.DisposeAsync();
        }
    }

    public static async Task<Running> StartAsync(CommandContext context, DashboardOptions options, IResultStore store, ICampaignActions actions,
        IClusterSource? cluster, string portOption, CancellationToken cancellationToken)
    {
        var app = DashboardApp.Build(options, store, actions, cluster, context.Log);
        try
        {
            await app.StartAsync(cancellationToken);
        }
        catch (IOException e) when (e.InnerException is System.Net.Sockets.SocketException || e.Message.Contains("address already in use", StringComparison.OrdinalIgnoreCase))
        {
            await app.DisposeAsync();
            throw new InvalidInputException(portOption, $"port {options.Port} is in use (another dashboard?); choose another with {portOption}, or 0 for any free one");
        }
        var port = new Uri(app.Urls.First()).Port;
        var url = options.Url(port);
        // The token goes to standard output only (after '#', which browsers never send): not into log files.
        context.Out.WriteLine($"Dashboard: {url}#token={options.Token}");
        context.Log.Information("Dashboard at {Url} ({Access}; the address with its token is on standard output)", url,
            options.TokenForReading ? $"listening on {options.Listen}, every request needs the token" : "loopback only; cancel and resume need the token");
        return new Running(app, url);
    }
}
