using ClusterML.Cli.Hosting;
using Serilog.Events;
using Serilog.Parsing;

namespace ClusterML.Cli.Tests.Commands;

public sealed class LoggingTests
{
    private static LogEvent Event(LogEventLevel level, string template) =>
        new(DateTimeOffset.UtcNow, level, null, new MessageTemplateParser().Parse(template), []);

    [Theory]
    [InlineData("{0}: No coordinator found to register. {1} Total [{2}] buffered messages.", true)]
    [InlineData("{0}: Trying to register to coordinator at [{1}], but no acknowledgement. Total [{2}] buffered messages. [{3}]", true)]
    [InlineData("{0}: Requested shard homes [{1}] from coordinator at [{2}]. [{3}] total buffered messages.", true)]
    [InlineData("Cluster Node [{0}] - Marking node as UNREACHABLE [{1}]", false)]
    [InlineData("Campaign {CampaignId}: {Failed} of {Total} trials failed", false)]
    public void Akkas_cluster_forming_warnings_should_be_told_from_the_rest(string template, bool noise) =>
        Assert.Equal(noise, Logging.IsFormingNoise(Event(LogEventLevel.Warning, template)));

    [Fact]
    public void Errors_should_never_be_hidden_as_forming_noise() =>
        Assert.False(Logging.IsFormingNoise(Event(LogEventLevel.Error, "{0}: No coordinator found to register. {1} Total [{2}] buffered messages.")));
}
