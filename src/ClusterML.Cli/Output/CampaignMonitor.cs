using System.Diagnostics;
using System.Globalization;
using Akka.Actor;
using ClusterML.Cli.Hosting;
using ClusterML.Core.Messages;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace ClusterML.Cli.Output;

/// <summary>
/// Follows a running campaign until it is settled (over, and every result stored): on an interactive terminal a live view
/// on standard error — trials by state as a bar, and the best trials so far from the aggregator's leaderboard; otherwise a
/// log line every few seconds.
/// </summary>
internal static class CampaignMonitor
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(250);
    private static readonly TimeSpan PlainLogInterval = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan AskTimeout = TimeSpan.FromSeconds(10);

    public static async Task<CampaignStatus> FollowAsync(CommandContext context, IActorRef campaigns, IActorRef aggregator, CampaignStatus first, int top,
        CancellationToken cancellationToken)
    {
        var campaignId = first.CampaignId;
        var clock = Stopwatch.StartNew();
        // A slow answer (a busy coordinator, an aggregator catching up) is skipped, never fatal: the view keeps what it had.
        var lastStatus = first;
        Leaderboard? lastBoard = null;
        async Task<CampaignStatus> Status()
        {
            try
            {
                return lastStatus = await campaigns.Ask<CampaignStatus>(new GetCampaignStatus(campaignId), AskTimeout, cancellationToken);
            }
            catch (AskTimeoutException)
            {
                context.Log.Debug("Campaign {CampaignId}: no status within {Seconds} s; asking again", campaignId, AskTimeout.TotalSeconds);
                return lastStatus with { Unrecorded = Math.Max(1, lastStatus.Unrecorded) };
            }
        }
        async Task<Leaderboard?> Board()
        {
            try
            {
                return lastBoard = await aggregator.Ask<Leaderboard>(new GetLeaderboard(campaignId, top), AskTimeout, cancellationToken);
            }
            catch (AskTimeoutException)
            {
                context.Log.Debug("Campaign {CampaignId}: no leaderboard within {Seconds} s; showing the last one", campaignId, AskTimeout.TotalSeconds);
                return lastBoard;
            }
        }

        if (context.Interactive)
        {
            var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) });
            var current = first;
            await console.Live(View(first, null, clock.Elapsed, top)).AutoClear(true).StartAsync(async live =>
            {
                while (true)
                {
                    var status = await Status();
                    var board = await Board();
                    current = status;
                    live.UpdateTarget(View(status, board, clock.Elapsed, top));
                    if (status.IsSettled)
                    {
                        return;
                    }
                    await Task.Delay(PollInterval, cancellationToken);
                }
            });
            return current;
        }

        var lastLog = TimeSpan.Zero;
        while (true)
        {
            var status = await Status();
            if (status.IsSettled)
            {
                return status;
            }
            if (clock.Elapsed - lastLog >= PlainLogInterval)
            {
                lastLog = clock.Elapsed;
                var best = (await Board())?.Best.FirstOrDefault(); // only when a line is written
                context.Log.Information("Campaign {CampaignId}: {Finished}/{Planned} finished, {Running} running, {Failed} failed, {Stopped} stopped; best {BestLoss} ({BestTrial}) after {Seconds:F0} s",
                    campaignId, status.Finished, status.Planned, status.Running, status.Failed, status.Stopped,
                    best?.FinalLoss?.ToString("G5", CultureInfo.InvariantCulture) ?? "–", best?.TrialId ?? "–", clock.Elapsed.TotalSeconds);
            }
            await Task.Delay(PollInterval, cancellationToken);
        }
    }

    /// <summary>The live view: a header, trials by state as a bar, and the leaderboard so far.</summary>
    internal static IRenderable View(CampaignStatus status, Leaderboard? board, TimeSpan elapsed, int top)
    {
        var pending = Math.Max(0, status.Planned - status.Finished - status.Running);
        var rate = elapsed.TotalSeconds > 1 && status.Finished > 0 ? status.Finished / elapsed.TotalSeconds : 0;
        var eta = rate > 0 && !status.IsOver ? $", about {TimeSpan.FromSeconds((status.Planned - status.Finished) / rate):hh\\:mm\\:ss} left" : "";
        var header = new Markup(
            $"[bold]{Markup.Escape(status.CampaignId)}[/] {Markup.Escape(status.Status)}: {status.Finished}/{status.Planned} trials finished in {elapsed:hh\\:mm\\:ss}{eta}");
        var bar = new BreakdownChart().Width(72).ShowTagValues()
            .AddItem("completed", status.Completed, Color.Green)
            .AddItem("failed", status.Failed, Color.Red)
            .AddItem("stopped early", status.Stopped, Color.Yellow)
            .AddItem("running", status.Running, Color.Blue)
            .AddItem("pending", pending, Color.Grey);
        IRenderable table = board is { Best.Length: > 0 }
            ? CampaignReports.Leaderboard(board.Best, top).Title($"best {Math.Min(top, board.Best.Length)} so far")
            : new Markup("[grey]no completed trial yet[/]");
        return new Rows(header, bar, table);
    }
}
