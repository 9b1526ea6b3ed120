using System.Text.Json;

namespace ClusterML.Cli.Tests.Dashboard;

/// <summary><c>clusterml dashboard</c>'s options and <c>campaign run --dashboard</c>, in this process.</summary>
public sealed class DashboardCommandTests : IDisposable
{
    private readonly CliRun _cli = new();

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        _cli.Dispose();
    }

    [Theory]
    [InlineData("--listen", "everywhere", "--listen")]
    [InlineData("--token", "short", "--token")]
    [InlineData("--port", "70000", "--port")]
    public async Task Bad_options_should_exit_2_naming_the_option(string option, string value, string named)
    {
        var (code, _, error) = await _cli.RunAsync("dashboard", option, value);
        Assert.Equal(2, code);
        Assert.Contains(named, error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Campaign_run_with_dashboard_should_print_the_address_with_its_token_but_never_log_the_token()
    {
        var (code, stdout, stderr) = await _cli.RunAsync("campaign", "run", CliRun.RepositoryFile("config/campaigns/quickstart.yaml"), "--id", "dash",
            "--dashboard", "--dashboard-port", "0");
        Assert.True(code == 0, stderr);
        var line = stdout.Split('\n').Single(l => l.StartsWith("Dashboard: http://127.0.0.1:", StringComparison.Ordinal)).Trim();
        var token = line[(line.IndexOf("#token=", StringComparison.Ordinal) + 7)..];
        Assert.True(token.Length >= 30, line);
        Assert.DoesNotContain(token, stderr, StringComparison.Ordinal);
        var logs = Directory.GetFiles(Path.Combine(_cli.DataDir, "logs"));
        Assert.NotEmpty(logs);
        Assert.All(logs, log => Assert.DoesNotContain(token, File.ReadAllText(log), StringComparison.Ordinal));
        // The log (compact JSON: template and properties) has the address without the token.
        Assert.Contains(logs, log => File.ReadAllText(log) is var text && text.Contains("Dashboard at {Url}", StringComparison.Ordinal)
            && text.Contains("\"Url\":\"http://127.0.0.1:", StringComparison.Ordinal));
        // The live file is the driver's while it runs: gone once the campaign is over.
        Assert.False(File.Exists(Path.Combine(_cli.DataDir, "campaigns", "dash.live.json")));
    }

    [Fact]
    public async Task The_token_from_the_configuration_should_be_used()
    {
        Environment.SetEnvironmentVariable("CLUSTERML_Dashboard__Token", "configured-token-0123456789");
        try
        {
            var (code, stdout, stderr) = await _cli.RunAsync("campaign", "run", CliRun.RepositoryFile("config/campaigns/quickstart.yaml"), "--id", "configured",
                "--dashboard", "--dashboard-port", "0");
            Assert.True(code == 0, stderr);
            Assert.Contains("#token=configured-token-0123456789", stdout, StringComparison.Ordinal);
        }
        finally
        {
            Environment.SetEnvironmentVariable("CLUSTERML_Dashboard__Token", null);
        }
    }

    [Fact]
    public void The_live_file_should_round_trip_and_be_ignored_once_its_writer_is_gone()
    {
        var live = new ClusterML.Cli.Dashboard.LiveCampaign("c", 1, Environment.ProcessId, "running", 5, 1, 2, 0, 1, "t0001", 0.5,
            [new ClusterML.Cli.Dashboard.LiveTrial("t0004", 2, "akka.tcp://clusterml@127.0.0.1:1", 7)], null);
        ClusterML.Cli.Dashboard.LiveFiles.Write(_cli.DataDir, live);
        var read = ClusterML.Cli.Dashboard.LiveFiles.Read(_cli.DataDir, "c");
        Assert.NotNull(read);
        Assert.Equal(live with { RunningTrials = [] }, read with { RunningTrials = [] });
        Assert.Equal(live.RunningTrials, read.RunningTrials);
        var text = File.ReadAllText(ClusterML.Cli.Dashboard.LiveFiles.PathOf(_cli.DataDir, "c"));
        Assert.Equal("t0004", JsonDocument.Parse(text).RootElement.GetProperty("running_trials")[0].GetProperty("trial_id").GetString());

        using var exited = System.Diagnostics.Process.Start("true")!;
        exited.WaitForExit();
        ClusterML.Cli.Dashboard.LiveFiles.Write(_cli.DataDir, live with { ProcessId = exited.Id });
        Assert.Null(ClusterML.Cli.Dashboard.LiveFiles.Read(_cli.DataDir, "c"));
    }
}
