using System.Diagnostics;
using System.Globalization;
using ClusterML.Core.Results;
using ClusterML.Storage;

namespace ClusterML.Cli.Tests.Commands;

/// <summary>
/// A real network partition: a worker in its own Linux network namespace, joined over a veth pair to a TLS coordinator and a
/// second worker on the host side, is cut off mid-trial. Needs root and <c>ip netns</c>; skipped (and says why) elsewhere.
/// </summary>
[Trait("Category", "Slow")]
[Collection("Alone")]
public sealed class NetworkPartitionTests : IDisposable
{
    private const int Trials = 10;
    private readonly CliRun _cli = new();

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        _cli.Dispose();
    }

    [Fact]
    public async Task A_worker_cut_off_by_a_partition_should_be_downed_and_its_trials_rerun_elsewhere_and_recorded_once()
    {
        using var net = VethNamespace.TryCreate(out var why);
        if (net is null)
        {
            VisibleSkip.Because($"needs root and Linux network namespaces (ip netns) to cut a worker off: {why}");
        }
        var ca = await RunAsync("cert", "init", "--out", _cli.Path("ca"));
        var coordinatorTls = await RunAsync("cert", "issue", "--ca", ca, "--name", "coordinator", "--roles", "coordinator,aggregator", "--ip", net.HostAddress, "--out", _cli.Path("coordinator-tls"));
        var nearTls = await RunAsync("cert", "issue", "--ca", ca, "--name", "near", "--roles", "worker", "--ip", net.HostAddress, "--out", _cli.Path("near-tls"));
        var farTls = await RunAsync("cert", "issue", "--ca", ca, "--name", "far", "--roles", "worker", "--ip", net.NamespaceAddress, "--out", _cli.Path("far-tls"));

        var port = ClusterProcess.FreePort().ToString(CultureInfo.InvariantCulture);
        var data = _cli.Path("coordinator");
        using var coordinator = new ClusterProcess(_cli.Root, "campaign", "run", _cli.FdSweep("cut", Trials, tEnd: 3.0, maxConcurrent: 2), "--id", "partition",
            "--roles", "coordinator", "--hostname", net.HostAddress, "--port", port, "--tls", coordinatorTls, "--data-dir", data);
        await ClusterProcess.WaitUntilAsync(() => File.Exists(Path.Combine(data, "results.db")), TimeSpan.FromSeconds(60), () => coordinator.Output);
        var seed = $"akka.tcp://clusterml@{net.HostAddress}:{port}";
        string[] Worker(string name, string address, string tls) =>
            ["node", "--roles", "worker", "--seed-nodes", seed, "--hostname", address, "--port", "0", "--slots", "1", "--join-timeout", "30",
             "--tls", tls, "--data-dir", _cli.Path(name), "--verbose"];
        using var near = new ClusterProcess(_cli.Root, Worker("near", net.HostAddress, nearTls));
        await ClusterProcess.WaitUntilAsync(() => near.Output.Contains("is up with roles", StringComparison.Ordinal), TimeSpan.FromSeconds(60), () => coordinator.Output + near.Output);
        using var far = ClusterProcess.InNetworkNamespace(net.Name, _cli.Root, Worker("far", net.NamespaceAddress, farTls));
        var store = new SqliteResultStore(Path.Combine(data, "results.db"));
        IEnumerable<string> FarInFlight() => ClusterProcess.Queued(far.Output).Except(store.Results("partition").Select(r => r.TrialId));
        await ClusterProcess.WaitUntilAsync(() => FarInFlight().Any(), TimeSpan.FromSeconds(120), () => coordinator.Output + "\n--- far:\n" + far.Output);

        var orphans = FarInFlight().ToHashSet();
        net.Cut();
        var sinceCut = Stopwatch.StartNew();
        // The split-brain resolver keeps the side with the coordinator: the survivors down the cut-off worker and re-run
        // its trial; the worker downs itself and exits non-zero.
        (TimeSpan? Redispatched, TimeSpan? Exited) seen = (null, null);
        await ClusterProcess.WaitUntilAsync(() =>
        {
            seen.Redispatched ??= ClusterProcess.Queued(near.Output).Any(orphans.Contains) ? sinceCut.Elapsed : null;
            seen.Exited ??= far.HasExited ? sinceCut.Elapsed : null;
            return seen is { Redispatched: not null, Exited: not null };
        }, TimeSpan.FromSeconds(120), () => $"re-dispatched after {seen.Redispatched}, cut-off worker exited after {seen.Exited}:\n{coordinator.Output}\n--- near:\n{near.Output}\n--- far:\n{far.Output}");
        TestContext.Current.TestOutputHelper?.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"partition: {seen.Redispatched!.Value.TotalSeconds:F1} s from cutting the worker off to its trial ({string.Join(", ", orphans)}) starting on the other worker; the cut-off worker exited {far.ExitCode} after {seen.Exited!.Value.TotalSeconds:F1} s"));

        Assert.True(far.ExitCode != 0, far.Output);
        Assert.Contains("was removed from the cluster without being asked to leave", far.Output, StringComparison.Ordinal);
        Assert.True(await coordinator.WaitForExitAsync(TimeSpan.FromSeconds(240)), "the campaign did not finish:\n" + coordinator.Output + "\n--- near:\n" + near.Output);
        Assert.True(coordinator.ExitCode == 0, coordinator.Output);
        var results = store.Results("partition");
        Assert.Equal(Trials, results.Count);
        Assert.Equal(Trials, results.Select(r => r.TrialId).Distinct().Count());
        Assert.All(results, r => Assert.Equal(TrialStatus.Completed, r.Status));
        Assert.All(results.Where(r => orphans.Contains(r.TrialId)), r => Assert.DoesNotContain(net.NamespaceAddress, r.Node, StringComparison.Ordinal));
    }

    private async Task<string> RunAsync(params string[] args)
    {
        var (code, _, error) = await _cli.RunAsync(args);
        Assert.True(code == 0, error);
        return args[Array.IndexOf(args, "--out") + 1];
    }

    /// <summary>
    /// A network namespace of this test with a veth pair on a private /30 of its own (host side .1, namespace side .2, lo up
    /// in the namespace); deleting the namespace on dispose removes the pair too.
    /// </summary>
    private sealed class VethNamespace : IDisposable
    {
        private readonly string _hostVeth;
        private readonly string _namespaceVeth;

        private VethNamespace(int subnet)
        {
            var tag = string.Create(CultureInfo.InvariantCulture, $"{subnet}-{Environment.ProcessId % 100_000}");
            Name = $"clusterml-partition-{tag}";
            (_hostVeth, _namespaceVeth) = ($"cmh{tag}", $"cmn{tag}");
            HostAddress = string.Create(CultureInfo.InvariantCulture, $"10.213.{subnet}.1");
            NamespaceAddress = string.Create(CultureInfo.InvariantCulture, $"10.213.{subnet}.2");
        }

        public string Name { get; }

        public string HostAddress { get; }

        public string NamespaceAddress { get; }

        /// <summary>The namespace and its link, or null with <paramref name="why"/> when this machine cannot make them.</summary>
        public static VethNamespace? TryCreate(out string why)
        {
            string inUse;
            try
            {
                inUse = Ip("-o", "-4", "addr", "show").Output;
            }
            catch (System.ComponentModel.Win32Exception e)
            {
                why = $"no ip command ({e.Message})";
                return null;
            }
            // A /30 of 10.213.0.0/16 that no interface of this machine uses (parallel runs pick different ones).
            var free = Enumerable.Range(1, 254).Where(n => !inUse.Contains(string.Create(CultureInfo.InvariantCulture, $" 10.213.{n}."), StringComparison.Ordinal)).ToArray();
            if (free.Length == 0)
            {
                why = "every 10.213.N.0/30 is in use";
                return null;
            }
            var net = new VethNamespace(free[Random.Shared.Next(free.Length)]);
            if (Ip("netns", "add", net.Name) is { Code: not 0 } refused)
            {
                why = $"ip netns add failed: {refused.Output.Trim()}";
                return null;
            }
            string[][] steps =
            [
                ["link", "add", net._hostVeth, "type", "veth", "peer", "name", net._namespaceVeth],
                ["link", "set", net._namespaceVeth, "netns", net.Name],
                ["addr", "add", $"{net.HostAddress}/30", "dev", net._hostVeth],
                ["link", "set", net._hostVeth, "up"],
                ["netns", "exec", net.Name, "ip", "addr", "add", $"{net.NamespaceAddress}/30", "dev", net._namespaceVeth],
                ["netns", "exec", net.Name, "ip", "link", "set", net._namespaceVeth, "up"],
                ["netns", "exec", net.Name, "ip", "link", "set", "lo", "up"],
            ];
            foreach (var step in steps)
            {
                if (Ip(step) is { Code: not 0 } failed)
                {
                    net.Dispose();
                    why = $"ip {string.Join(' ', step)} failed: {failed.Output.Trim()}";
                    return null;
                }
            }
            why = "";
            return net;
        }

        /// <summary>Takes the namespace's end of the link down: from then on no packet passes between the two sides.</summary>
        public void Cut()
        {
            var (code, output) = Ip("netns", "exec", Name, "ip", "link", "set", _namespaceVeth, "down");
            Assert.True(code == 0, $"could not cut the link: {output}");
        }

        public void Dispose()
        {
            Ip("netns", "delete", Name);
            // Deleting the namespace destroys its end of the pair and so the pair; this is for a namespace that never got it.
            if (Ip("link", "show", _hostVeth).Code == 0)
            {
                Ip("link", "delete", _hostVeth);
            }
        }

        /// <summary>Runs <c>ip ARGS</c> (at most 30 s); its exit code and merged output.</summary>
        private static (int Code, string Output) Ip(params string[] args)
        {
            using var ip = Process.Start(new ProcessStartInfo("ip", args) { RedirectStandardOutput = true, RedirectStandardError = true })!;
            var output = ip.StandardOutput.ReadToEndAsync();
            var error = ip.StandardError.ReadToEndAsync();
            if (!ip.WaitForExit(30_000))
            {
                ip.Kill();
                return (-1, $"ip {string.Join(' ', args)} timed out");
            }
            return (ip.ExitCode, output.Result + error.Result);
        }
    }
}
