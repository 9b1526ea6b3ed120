using ClusterML.Cli.Dashboard;
using ClusterML.Core.Results;
using ClusterML.Storage;

namespace ClusterML.Cli.Tests.Dashboard;

/// <summary>
/// The dashboard's resume and cancel as they run outside a driving process: <c>clusterml campaign resume|cancel</c> started
/// by the dashboard. A campaign whose driver was killed (kill -9) is resumed from the dashboard and finishes, every trial
/// recorded once; cancelling a finished campaign says there was nothing to cancel.
/// </summary>
[Trait("Category", "Slow")]
public sealed class DashboardActionTests : IDisposable
{
    private readonly CliRun _cli = new();

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        _cli.Dispose();
    }

    [Fact]
    public async Task Resume_from_the_dashboard_should_finish_a_campaign_whose_driver_was_killed()
    {
        var ct = TestContext.Current.CancellationToken;
        var spec = _cli.Path("resumable.yaml");
        File.WriteAllText(spec, """
            name: resumable
            engine: exec
            seed: 4
            base:
              shell: true
              command: ["sleep 0.3; echo clusterml-metric loss={x}"]
            space:
              x: { type: uniform, low: 0, high: 1 }
            search: { kind: random }
            budget: { max_trials: 12, max_concurrent: 1 }
            """);
        var results = Path.Combine(_cli.DataDir, "results.db");
        using (var driver = new ClusterProcess(_cli.Root, "campaign", "run", spec, "--id", "resumable", "--data-dir", _cli.DataDir))
        {
            await ClusterProcess.WaitUntilAsync(() => File.Exists(results) && new SqliteResultStore(results).Results("resumable").Count >= 3, TimeSpan.FromSeconds(90), () => driver.Output);
            driver.KillHard();
            Assert.True(await driver.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        }
        var store = new SqliteResultStore(results);
        Assert.InRange(store.Results("resumable").Count, 3, 11);
        Assert.Equal("running", store.FindCampaign("resumable")!.Status);

        var actions = new ProcessCampaignActions(_cli.DataDir, null);
        var outcome = await actions.ResumeAsync("resumable", ct);
        Assert.True(outcome.Done, outcome.Message);
        var log = Path.Combine(_cli.DataDir, "campaigns", "resumable.resume.log");
        await ClusterProcess.WaitUntilAsync(() => store.FindCampaign("resumable")!.Status == "completed", TimeSpan.FromSeconds(120), () => File.Exists(log) ? File.ReadAllText(log) : "no resume log");
        var finished = store.Results("resumable");
        Assert.Equal(12, finished.Count);
        Assert.Equal(12, finished.Select(r => r.TrialId).Distinct().Count());
        Assert.All(finished, r => Assert.Equal(TrialStatus.Completed, r.Status));
        Assert.Contains("resumable", File.ReadAllText(log), StringComparison.Ordinal);

        // The resumed driver exits when the campaign is over; cancelling it then changes nothing.
        await ClusterProcess.WaitUntilAsync(() => !File.Exists(Path.Combine(_cli.DataDir, "campaigns", "resumable.lock")), TimeSpan.FromSeconds(60), () => File.ReadAllText(log));
        var cancel = await actions.CancelAsync("resumable", ct);
        Assert.True(cancel.Done, cancel.Message);
        Assert.Contains("nothing to cancel", cancel.Message, StringComparison.Ordinal);
        Assert.Equal("completed", store.FindCampaign("resumable")!.Status);
    }
}
