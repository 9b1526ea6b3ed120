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
/// log line every few seconds. When the campaign is settled the live view stays on screen with its final counts (the
/// leaderboard is printed after it on standard output), so a short campaign's view can be read.
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
        var eta = new CampaignEta(first);
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
            await console.Live(View(first, null, clock.Elapsed, top, eta.Observe(first, clock.Elapsed))).AutoClear(false).StartAsync(async live =>
            {
                while (true)
                {
                    var status = await Status();
                    current = status;
                    if (status.IsSettled)
                    {
                        // The final state stays: header and bar (the leaderboard follows on standard output).
                        live.UpdateTarget(View(status, null, clock.Elapsed, 0, ""));
                        return;
                    }
                    var board = await Board();
                    live.UpdateTarget(View(status, board, clock.Elapsed, top, eta.Observe(status, clock.Elapsed)));
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
            eta.Observe(status, clock.Elapsed); // slots and the first start are seen between log lines too
            if (clock.Elapsed - lastLog >= PlainLogInterval)
            {
                lastLog = clock.Elapsed;
                // The coordinator's best is chosen by the campaign's objective (none with several); its loss is shown.
                context.Log.Information("Campaign {CampaignId}: {Finished}/{Planned} finished, {Running} running, {Failed} failed, {Stopped} stopped; best {BestLoss} ({BestTrial}) after {Seconds:F0} s{Eta}",
                    campaignId, status.Finished, status.Planned, status.Running, status.Failed, status.Stopped,
                    status.BestLoss?.ToString("G5", CultureInfo.InvariantCulture) ?? "–", status.BestTrialId ?? "–", clock.Elapsed.TotalSeconds, eta.Observe(status, clock.Elapsed));
            }
            await Task.Delay(PollInterval, cancellationToken);
        }
    }

    /// <summary>The live view: a header (with <paramref name="eta"/>, see <see cref="CampaignEta"/>), trials by state as a bar,
    /// and the leaderboard so far (none when <paramref name="top"/> is 0).</summary>
    internal static IRenderable View(CampaignStatus status, Leaderboard? board, TimeSpan elapsed, int top, string eta)
    {
        var pending = Math.Max(0, status.Planned - status.Finished - status.Running);
        var header = new Markup(
            $"[bold]{Markup.Escape(status.CampaignId)}[/] {Markup.Escape(status.Status)}: {status.Finished}/{status.Planned} trials finished in {elapsed:hh\\:mm\\:ss}{eta}");
        var bar = new BreakdownChart().Width(72).ShowTagValues()
            .AddItem("completed", status.Completed, Color.Green)
            .AddItem("failed", status.Failed, Color.Red)
            .AddItem("stopped early", status.Stopped, Color.Yellow)
            .AddItem("running", status.Running, Color.Blue)
            .AddItem("pending", pending, Color.Grey);
        if (top == 0)
        {
            return new Rows(header, bar);
        }
        IRenderable table = board is { Best.Length: > 0 }
            ? CampaignReports.Leaderboard(board.Best, top).Title($"best {Math.Min(top, board.Best.Length)} so far")
            : new Markup("[grey]no completed trial yet[/]");
        return new Rows(header, bar, table);
    }
}
