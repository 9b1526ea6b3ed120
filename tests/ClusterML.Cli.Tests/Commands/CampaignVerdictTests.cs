using ClusterML.Cli.Commands;
using ClusterML.Core.Messages;
using ClusterML.Core.Results;
using Serilog;
using Serilog.Core;
using Serilog.Events;

namespace ClusterML.Cli.Tests.Commands;

/// <summary>The exit code and the closing line of a campaign that was followed to its end (<c>campaign run|resume</c>).</summary>
public sealed class CampaignVerdictTests
{
    private sealed class Lines : ILogEventSink
    {
        public List<(LogEventLevel Level, string Text)> Seen { get; } = [];

        public void Emit(LogEvent logEvent) => Seen.Add((logEvent.Level, logEvent.RenderMessage(System.Globalization.CultureInfo.InvariantCulture)));
    }

    private static TrialResult Result(string id, TrialStatus status, string? error = null) =>
        new("c", id, 0, new Dictionary<string, string>(), 1, status, status == TrialStatus.Completed ? 0.5 : null, new Dictionary<string, double>(), error, [], "n", 1, 0, 1);

    private static (int Code, List<(LogEventLevel Level, string Text)> Lines) Verdict(string status, IReadOnlyList<TrialResult> results, bool strict = false)
    {
        var sink = new Lines();
        using var log = new LoggerConfiguration().WriteTo.Sink(sink).CreateLogger();
        var counts = new CampaignStatus("c", status, results.Count, 0, results.Count(r => r.Status == TrialStatus.Completed),
            results.Count(r => r.Status == TrialStatus.Failed), results.Count(r => r.Status == TrialStatus.Stopped), null, null);
        return (CampaignCommand.Verdict(log, "c", counts, results, strict), sink.Seen);
    }

    [Fact]
    public void A_campaign_whose_every_trial_failed_should_exit_1_naming_the_most_frequent_error()
    {
        var (code, lines) = Verdict("completed", [Result("t0000", TrialStatus.Failed, "boom"), Result("t0001", TrialStatus.Failed, "nan loss"), Result("t0002", TrialStatus.Failed, "nan loss")]);
        Assert.Equal(ExitCodes.Failure, code);
        var line = Assert.Single(lines);
        Assert.Equal(LogEventLevel.Error, line.Level);
        Assert.Contains("every trial failed (3)", line.Text, StringComparison.Ordinal);
        Assert.Contains("(2×, e.g. t0001): nan loss", line.Text, StringComparison.Ordinal);
        Assert.Contains("campaign log --id c --trial t0000", line.Text, StringComparison.Ordinal);
    }

    [Fact]
    public void Some_failed_trials_should_warn_with_the_count_and_exit_0_or_1_with_the_switch()
    {
        TrialResult[] results = [Result("t0000", TrialStatus.Completed), Result("t0001", TrialStatus.Failed, "boom"), Result("t0002", TrialStatus.Stopped)];
        var (code, lines) = Verdict("completed", results);
        Assert.Equal(ExitCodes.Ok, code);
        var line = Assert.Single(lines);
        Assert.Equal(LogEventLevel.Warning, line.Level);
        Assert.Contains("1 of 3 trials failed", line.Text, StringComparison.Ordinal);

        (code, lines) = Verdict("completed", results, strict: true);
        Assert.Equal(ExitCodes.Failure, code);
        Assert.Contains("--fail-on-any-failed", Assert.Single(lines).Text, StringComparison.Ordinal);
    }

    [Fact]
    public void A_campaign_without_failures_or_a_cancelled_one_should_exit_0_quietly()
    {
        Assert.Equal((ExitCodes.Ok, 0), Verdict("completed", [Result("t0000", TrialStatus.Completed), Result("t0001", TrialStatus.Stopped)]) is var (c, l) ? (c, l.Count) : default);
        Assert.Equal((ExitCodes.Ok, 0), Verdict("cancelled", [Result("t0000", TrialStatus.Failed, "stopped")]) is var (c2, l2) ? (c2, l2.Count) : default);
    }
}
