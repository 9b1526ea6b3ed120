using ClusterML.Cli.Output;
using ClusterML.Core.Messages;
using Spectre.Console;

namespace ClusterML.Cli.Tests.Commands;

/// <summary>The live view's "time left" from the first status on, and its final state (issue 14).</summary>
public sealed class CampaignEtaTests
{
    private static CampaignStatus Status(int planned, int running, int completed, string status = "running") =>
        new("c1", status, planned, running, completed, 0, 0, null, null);

    [Fact]
    public void Before_any_trial_finishes_it_should_give_a_lower_bound_from_the_pending_trials_and_the_slots()
    {
        var eta = new CampaignEta(Status(20, 0, 0));
        Assert.Equal(", waiting for a worker to start the first trial", eta.Observe(Status(20, 0, 0), TimeSpan.FromSeconds(1)));
        // Four slots busy from t = 2 s; no bound yet while the trials have run less than a second.
        eta.Observe(Status(20, 4, 0), TimeSpan.FromSeconds(2));
        Assert.Equal(", estimating time left (16 pending, 4 slots)", eta.Observe(Status(20, 4, 0), TimeSpan.FromSeconds(2.5)));
        // 16 pending on 4 slots: 4 more waves, each at least the 10 s the running trials have taken so far.
        Assert.Equal(", more than 00:00:40 left (16 pending, 4 slots)", eta.Observe(Status(20, 4, 0), TimeSpan.FromSeconds(12)));
        // 17 pending: a fifth (partial) wave.
        Assert.Equal(", more than 00:00:50 left (17 pending, 4 slots)", eta.Observe(Status(21, 4, 0), TimeSpan.FromSeconds(12)));
    }

    [Fact]
    public void Once_trials_finish_it_should_use_the_rate_since_the_first_start_and_ignore_trials_finished_before_a_resume()
    {
        var eta = new CampaignEta(Status(100, 0, 50)); // a resumed campaign: 50 finished before this process
        eta.Observe(Status(100, 2, 50), TimeSpan.FromSeconds(5));
        // 10 finished in the 20 s since the first start: 40 left at 0.5 trials/s.
        Assert.Equal(", about 00:01:20 left", eta.Observe(Status(100, 2, 60), TimeSpan.FromSeconds(25)));
        Assert.Equal(", the last trials are running", new CampaignEta(Status(2, 0, 0)).Observe(Status(2, 2, 0), TimeSpan.FromSeconds(3)));
        Assert.Equal("", eta.Observe(Status(100, 0, 100, "completed"), TimeSpan.FromSeconds(60)));
        Assert.Equal("1d 02:00:00", CampaignEta.Format(TimeSpan.FromHours(26)));
    }

    [Fact]
    public void Trials_too_short_to_be_seen_running_should_still_give_a_rate()
    {
        var eta = new CampaignEta(Status(10, 0, 0));
        Assert.Equal(", about 00:00:08 left", eta.Observe(Status(10, 0, 5), TimeSpan.FromSeconds(8)));
    }

    [Fact]
    public void The_final_view_should_keep_the_counts_without_a_leaderboard()
    {
        var text = new StringWriter();
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(text), Ansi = AnsiSupport.No, ColorSystem = ColorSystemSupport.NoColors });
        console.Profile.Width = 200;
        console.Write(CampaignMonitor.View(new CampaignStatus("c1", "completed", 9, 0, 8, 1, 0, "t0003", 0.1), null, TimeSpan.FromSeconds(4), 0, ""));
        var output = text.ToString();
        Assert.Contains("c1 completed: 9/9 trials finished in 00:00:04", output);
        Assert.Contains("completed 8", output);
        Assert.Contains("failed 1", output);
        Assert.DoesNotContain("no completed trial yet", output);
    }
}
