using System.Globalization;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text.RegularExpressions;
using ClusterML.Cli.Commands;
using ClusterML.Cluster.Security;
using ClusterML.Core.Results;
using ClusterML.Storage;

namespace ClusterML.Cli.Tests.Commands;

/// <summary>Real processes on loopback with mutual TLS: who may join a secured cluster and run its trials.</summary>
[Trait("Category", "Slow")]
public sealed partial class ClusterTlsTests : IDisposable
{
    private readonly CliRun _cli = new();

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        _cli.Dispose();
    }

    private async Task<string> RunAsync(params string[] args)
    {
        var (code, _, error) = await _cli.RunAsync(args);
        Assert.True(code == 0, error);
        return args[Array.IndexOf(args, "--out") + 1];
    }

    private Task<string> IssueAsync(string ca, string name, string roles) =>
        RunAsync("cert", "issue", "--ca", ca, "--name", name, "--roles", roles, "--ip", "127.0.0.1", "--out", _cli.Path(name));

    /// <summary>A certificate of the cluster's CA that expired yesterday (cert issue cannot write one).</summary>
    private string IssueExpired(string ca, string name)
    {
        using var authority = CertCommand.LoadAuthority(ca);
        var now = DateTimeOffset.UtcNow;
        using var node = ClusterCertificates.IssueNode(authority, name, ["worker"], [], now.AddDays(-30), now.AddDays(-1));
        CertCommand.WriteNode(_cli.Path(name), authority, node, force: false);
        return _cli.Path(name);
    }

    private ClusterProcess Node(string name, string seed, params string[] extra) =>
        new(_cli.Root, ["node", .. extra.Contains("--roles") ? Array.Empty<string>() : ["--roles", "worker"], "--seed-nodes", seed, "--hostname", "127.0.0.1", "--port", "0", "--slots", "1", "--join-timeout", "20",
            "--data-dir", _cli.Path("data-" + name), .. extra]);

    [GeneratedRegex(@"Node (akka\.ssl\.tcp://clusterml@127\.0\.0\.1:\d+) is up")]
    private static partial Regex NodeUp();

    [Fact]
    public async Task A_worker_with_a_certificate_of_the_cluster_should_join_a_tls_coordinator_and_run_its_trials()
    {
        var ca = await RunAsync("cert", "init", "--out", _cli.Path("ca"));
        var coordinatorTls = await IssueAsync(ca, "coordinator", "coordinator,aggregator");
        var workerTls = await IssueAsync(ca, "worker-1", "worker");
        var port = ClusterProcess.FreePort().ToString(CultureInfo.InvariantCulture);
        var data = _cli.Path("coordinator-data");
        using var coordinator = new ClusterProcess(_cli.Root, "campaign", "run", _cli.FdSweep("tls", 4, tEnd: 6.0), "--id", "tls-ok", "--roles", "coordinator", "--hostname", "127.0.0.1",
            "--port", port, "--tls", coordinatorTls, "--data-dir", data);
        await ClusterProcess.WaitUntilAsync(() => File.Exists(Path.Combine(data, "results.db")), TimeSpan.FromSeconds(60), () => coordinator.Output);
        using var worker = Node("worker", $"akka.tcp://clusterml@127.0.0.1:{port}", "--tls", workerTls);

        Assert.True(await coordinator.WaitForExitAsync(TimeSpan.FromSeconds(180)), $"{coordinator.Output}\n--- worker:\n{worker.Output}");
        Assert.True(coordinator.ExitCode == 0, coordinator.Output);
        var workerAddress = NodeUp().Match(worker.Output).Groups[1].Value;
        Assert.False(string.IsNullOrEmpty(workerAddress), worker.Output);
        var results = new SqliteResultStore(Path.Combine(data, "results.db")).Results("tls-ok");
        Assert.Equal(4, results.Count);
        Assert.All(results, r => Assert.Equal(TrialStatus.Completed, r.Status));
        Assert.All(results, r => Assert.Equal(workerAddress, r.Node)); // the coordinator has no worker role: the trials ran over TLS
        Assert.DoesNotContain("Admission refused", coordinator.Output, StringComparison.Ordinal);
        // Trials of a second or more: the worker says when each starts and how it ends, one line each.
        Assert.All(results, r =>
        {
            Assert.True(worker.Output.Contains($"Trial {r.TrialId} of campaign tls-ok (attempt 1) started on this node", StringComparison.Ordinal), worker.Output);
            Assert.True(worker.Output.Contains($"Trial {r.TrialId} of campaign tls-ok (attempt 1) completed (loss", StringComparison.Ordinal), worker.Output);
        });
    }

    /// <summary>Enough trials (one to three seconds each at t_end = 3, one at a time) for four nodes to start and try to join while they run.</summary>
    private const int Trials = 40;

    [Fact]
    public async Task Strangers_should_never_run_trials_of_a_tls_cluster_nor_disturb_its_campaign()
    {
        var ca = await RunAsync("cert", "init", "--out", _cli.Path("ca"));
        var otherCa = await RunAsync("cert", "init", "--out", _cli.Path("other-ca"));
        var coordinatorTls = await IssueAsync(ca, "coordinator", "coordinator,worker,aggregator");
        var strangerTls = await IssueAsync(otherCa, "stranger", "worker,coordinator,aggregator");
        var expiredTls = IssueExpired(ca, "expired");
        var limitedTls = await IssueAsync(ca, "limited", "worker");
        var port = ClusterProcess.FreePort();
        var seed = $"akka.tcp://clusterml@127.0.0.1:{port}";
        var data = _cli.Path("coordinator-data");
        using var coordinator = new ClusterProcess(_cli.Root, "campaign", "run", _cli.FdSweep("tls", Trials, tEnd: 3.0), "--id", "tls-guarded", "--roles", "coordinator,worker", "--slots", "1",
            "--hostname", "127.0.0.1", "--port", port.ToString(CultureInfo.InvariantCulture), "--tls", coordinatorTls, "--data-dir", data);
        var store = new SqliteResultStore(Path.Combine(data, "results.db"));
        await ClusterProcess.WaitUntilAsync(() => File.Exists(Path.Combine(data, "results.db")), TimeSpan.FromSeconds(90), () => coordinator.Output);

        using var stranger = Node("stranger", seed, "--tls", strangerTls);                                      // (a) another CA
        using var plain = Node("plain", seed);                                                                 // (b) no TLS
        using var expired = Node("expired", seed, "--tls", expiredTls, "--unchecked-credentials");             // (c) expired
        using var limited = Node("limited", seed, "--roles", "worker,coordinator", "--tls", limitedTls, "--unchecked-credentials"); // (d) roles beyond its certificate
        for (var round = 0; round < 3 && !coordinator.HasExited; round++)
        {
            await SendGarbageAsync(port);                                                                      // (e) raw bytes
            await HandshakeWithoutCertificateAsync(port);                                                      // (e) TLS without a client certificate
            await Task.Delay(1000);
        }

        await ClusterProcess.WaitUntilAsync(() => coordinator.HasExited || (coordinator.Output.Contains("Admission refused", StringComparison.Ordinal) && stranger.HasExited && plain.HasExited && expired.HasExited),
            TimeSpan.FromSeconds(120), All);
        Assert.False(coordinator.HasExited, "the campaign ended before every stranger had tried: make it longer\n" + All());
        string All() => $"{coordinator.Output}\n--- stranger:\n{stranger.Output}\n--- plain:\n{plain.Output}\n--- expired:\n{expired.Output}\n--- limited:\n{limited.Output}";
        Assert.True(await coordinator.WaitForExitAsync(TimeSpan.FromSeconds(240)), All());
        Assert.True(coordinator.ExitCode == 0, All());
        var results = store.Results("tls-guarded");
        Assert.Equal(Trials, results.Count);
        Assert.Equal(Trials, results.Select(r => r.TrialId).Distinct().Count());
        Assert.All(results, r => Assert.Equal(TrialStatus.Completed, r.Status));
        Assert.All(results, r => Assert.Equal($"akka.ssl.tcp://clusterml@127.0.0.1:{port}", r.Node));

        // (d) passed TLS (its certificate is the cluster's) and was downed by the admission check.
        Assert.True(coordinator.Output.Contains("Admission refused to", StringComparison.Ordinal), All());
        Assert.Contains("claims role(s) coordinator but certificate 'O=ClusterML, CN=limited' allows only worker", coordinator.Output, StringComparison.Ordinal);
        // (a), (b), (c) never got through the handshake.
        foreach (var (node, name) in new[] { (stranger, "stranger"), (plain, "plain"), (expired, "expired") })
        {
            Assert.True(await node.WaitForExitAsync(TimeSpan.FromSeconds(60)), $"{name}:\n{node.Output}");
            Assert.True(node.ExitCode == 1, $"{name}:\n{node.Output}");
            Assert.Contains("Could not join the cluster", node.Output, StringComparison.Ordinal);
            Assert.DoesNotContain(" is up with roles", node.Output, StringComparison.Ordinal);
        }
        // The refusal is logged by whichever side validates first: on Linux .NET checks the peer's certificate after the TLS
        // handshake, so the side that closes first can leave the other with only "handshake failed" (seen once in CI).
        Assert.Contains("not issued by this cluster's CA", stranger.Output + coordinator.Output, StringComparison.Ordinal);
        Assert.Contains("not valid now", coordinator.Output, StringComparison.Ordinal);                  // the coordinator refused the expired certificate
    }

    [Fact]
    public async Task An_insecure_node_on_every_interface_should_start_and_warn()
    {
        var port = ClusterProcess.FreePort();
        using var node = new ClusterProcess(_cli.Root, "node", "--roles", "worker", "--seed-nodes", $"akka.tcp://clusterml@127.0.0.1:{port}", "--hostname", "0.0.0.0",
            "--port", "0", "--insecure", "--join-timeout", "3", "--data-dir", _cli.Path("insecure"));
        Assert.True(await node.WaitForExitAsync(TimeSpan.FromSeconds(60)), node.Output);
        Assert.Equal(1, node.ExitCode); // it started and tried to join (nobody is there)
        Assert.Contains("Could not join the cluster", node.Output, StringComparison.Ordinal);
        Assert.Contains("is unencrypted and unauthenticated (--insecure)", node.Output, StringComparison.Ordinal);
    }

    /// <summary>Random bytes on a raw TCP connection until the coordinator closes it (at most 10 s).</summary>
    private static async Task SendGarbageAsync(int port)
    {
        using var client = new TcpClient();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        try
        {
            await client.ConnectAsync("127.0.0.1", port, timeout.Token);
            var stream = client.GetStream();
            await stream.WriteAsync(RandomNumberGenerator.GetBytes(64 * 1024), timeout.Token);
            var buffer = new byte[4096];
            while (await stream.ReadAsync(buffer, timeout.Token) > 0)
            {
            }
        }
        catch (Exception e) when (e is IOException or SocketException or OperationCanceledException)
        {
            // The coordinator may reset the connection; that is the point.
        }
    }

    /// <summary>A TLS client that offers no certificate, then writes random bytes if the handshake got anywhere (at most 10 s).</summary>
    private static async Task HandshakeWithoutCertificateAsync(int port)
    {
        using var client = new TcpClient();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        try
        {
            await client.ConnectAsync("127.0.0.1", port, timeout.Token);
            await using var tls = new SslStream(client.GetStream(), leaveInnerStreamOpen: false, (_, _, _, _) => true);
            await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions { TargetHost = "coordinator" }, timeout.Token);
            await tls.WriteAsync(RandomNumberGenerator.GetBytes(16 * 1024), timeout.Token);
            var buffer = new byte[4096];
            while (await tls.ReadAsync(buffer, timeout.Token) > 0)
            {
            }
        }
        catch (Exception e) when (e is IOException or SocketException or OperationCanceledException or System.Security.Authentication.AuthenticationException)
        {
            // Refused: expected.
        }
    }
}
