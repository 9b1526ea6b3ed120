using System.Globalization;
using System.Net;
using ClusterML.Core.Results;
using ClusterML.Storage;

namespace ClusterML.Cli.Tests.Commands;

/// <summary>Akka.Management's cluster bootstrap (<c>--discovery config</c>): processes find each other without seed nodes.</summary>
[Collection("Torch")]
public sealed class ClusterBootstrapTests : IDisposable
{
    private readonly CliRun _cli = new();

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        _cli.Dispose();
    }

    private static string Text(int value) => value.ToString(CultureInfo.InvariantCulture);

    [Fact]
    [Trait("Category", "Slow")]
    public async Task Three_processes_should_form_one_cluster_without_seed_nodes_and_run_a_campaign()
    {
        int[] management = [ClusterProcess.FreePort(), ClusterProcess.FreePort(), ClusterProcess.FreePort()];
        var endpoints = string.Join(',', management.Select(p => $"127.0.0.1:{Text(p)}"));
        string[] Bootstrap(int k) => ["--hostname", "127.0.0.1", "--port", "0", "--discovery", "config", "--discovery-endpoints", endpoints, "--management-port", Text(management[k])];
        var data = _cli.Path("coordinator");
        // The workers start first: nobody forms a cluster until all three contact points answer.
        using var first = new ClusterProcess(_cli.Root, ["node", "--roles", "worker", "--slots", "1", "--join-timeout", "150", "--data-dir", _cli.Path("w1"), .. Bootstrap(1)]);
        using var second = new ClusterProcess(_cli.Root, ["node", "--roles", "worker", "--slots", "1", "--join-timeout", "150", "--data-dir", _cli.Path("w2"), .. Bootstrap(2)]);
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        async Task<HttpStatusCode?> Probe(int k, string path)
        {
            try
            {
                return (await http.GetAsync(new Uri($"http://127.0.0.1:{Text(management[k])}{path}"))).StatusCode;
            }
            catch (HttpRequestException)
            {
                return null;
            }
        }
        await ClusterProcess.WaitUntilAsync(() => Probe(1, "/health/alive").GetAwaiter().GetResult() == HttpStatusCode.OK, TimeSpan.FromSeconds(60), () => first.Output);
        // Alive but not ready: one of three contact points is missing, so no cluster has formed.
        await Task.Delay(TimeSpan.FromSeconds(5));
        Assert.Equal(HttpStatusCode.ServiceUnavailable, await Probe(1, "/health/ready"));
        Assert.DoesNotContain("is up with roles", first.Output, StringComparison.Ordinal);

        using var coordinator = new ClusterProcess(_cli.Root, ["campaign", "run", _cli.FdSweep("boot", 6, nx: 401), "--id", "boot", "--roles", "coordinator",
            "--data-dir", data, .. Bootstrap(0)]);
        Assert.True(await coordinator.WaitForExitAsync(TimeSpan.FromSeconds(150)), $"{coordinator.Output}\n--- worker 1:\n{first.Output}\n--- worker 2:\n{second.Output}");
        Assert.True(coordinator.ExitCode == 0, coordinator.Output + first.Output + second.Output);
        Assert.Contains("is up with roles", first.Output, StringComparison.Ordinal);
        Assert.Contains("is up with roles", second.Output, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, await Probe(1, "/health/ready"));

        var results = new SqliteResultStore(Path.Combine(data, "results.db")).Results("boot");
        Assert.Equal(6, results.Count(r => r.Status == TrialStatus.Completed));
        // The coordinator has no worker role: every trial ran on one of the two workers it found through discovery.
        string[] workers = [Address(first.Output), Address(second.Output)];
        Assert.All(results, r => Assert.Contains(r.Node, workers));
    }

    /// <summary>The node's address from its "Node ADDRESS is up with roles" line.</summary>
    private static string Address(string output)
    {
        var line = output.Split('\n').First(l => l.Contains("is up with roles", StringComparison.Ordinal));
        var at = line.IndexOf("akka.tcp://", StringComparison.Ordinal);
        return new string([.. line[at..].TakeWhile(c => !char.IsWhiteSpace(c))]);
    }

    [Theory]
    [InlineData("--discovery", "dns", "--discovery")]
    [InlineData("--discovery", "config", "--discovery-endpoints")]
    public async Task A_bad_discovery_setting_should_be_refused_naming_the_option(string option, string value, string field)
    {
        var (code, _, error) = await _cli.RunAsync("node", "--roles", "worker", "--hostname", "127.0.0.1", option, value);
        Assert.Equal(2, code);
        Assert.Contains(field, error, StringComparison.Ordinal);
    }
}
