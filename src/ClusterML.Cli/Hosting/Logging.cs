using Serilog;
using Serilog.Core;
using Serilog.Events;
using Serilog.Formatting;
using Serilog.Formatting.Compact;
using Serilog.Formatting.Display;
using System.Globalization;

namespace ClusterML.Cli.Hosting;

/// <summary>
/// Serilog for one invocation: the console (standard error, so standard output stays for results) in text or compact JSON,
/// and a daily rolling file under DATA_DIR/logs kept for 14 days, always in compact JSON for machines to read.
/// </summary>
internal static class Logging
{
    private const string ConsoleTemplate = "[{Timestamp:HH:mm:ss} {Level:u3}] {Message:lj}{NewLine}{Exception}";

    public static Logger Create(string format, bool verbose, string dataDir, TextWriter console)
    {
        var level = verbose ? LogEventLevel.Debug : LogEventLevel.Information;
        var config = new LoggerConfiguration()
            .MinimumLevel.Is(level)
            // Akka.NET's own housekeeping (remoting, membership, sharding) only at warning unless --verbose.
            .MinimumLevel.Override("Akka", verbose ? LogEventLevel.Debug : LogEventLevel.Warning)
            .MinimumLevel.Override("Microsoft", verbose ? LogEventLevel.Debug : LogEventLevel.Warning)
            .Enrich.WithProperty("App", "clusterml");
        Logger? created = null;
        if (!verbose)
        {
            // Akka's warnings while the cluster forms (a region that finds no shard coordinator yet) say nothing a user can
            // act on; they become one plain line every 30 s, and stay available with --verbose.
            var lastSaid = DateTime.MinValue;
            config = config.Filter.ByExcluding(e =>
            {
                if (!IsFormingNoise(e))
                {
                    return false;
                }
                if (DateTime.UtcNow - lastSaid > TimeSpan.FromSeconds(30) && created is { } said)
                {
                    lastSaid = DateTime.UtcNow;
                    said.Information("Waiting for the cluster to form: work waits until a worker node has joined (details with --verbose)");
                }
                return true;
            });
        }
        ITextFormatter formatter = format == "json"
            ? new CompactJsonFormatter()
            : new MessageTemplateTextFormatter(ConsoleTemplate, CultureInfo.InvariantCulture);
        if (ReferenceEquals(console, Console.Error))
        {
            config = format == "json"
                ? config.WriteTo.Console(formatter, standardErrorFromLevel: LogEventLevel.Verbose)
                : config.WriteTo.Console(outputTemplate: ConsoleTemplate, standardErrorFromLevel: LogEventLevel.Verbose, formatProvider: CultureInfo.InvariantCulture);
        }
        else
        {
            config = config.WriteTo.Sink(new TextWriterSink(console, formatter));
        }
        var logs = Path.Combine(dataDir, "logs");
        try
        {
            Directory.CreateDirectory(logs);
            config = config.WriteTo.File(new CompactJsonFormatter(), Path.Combine(logs, "clusterml-.log"),
                rollingInterval: RollingInterval.Day, retainedFileCountLimit: 14, shared: true);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            console.WriteLine($"warning: cannot write logs under {logs}: {ex.Message}");
        }
        created = config.CreateLogger();
        return created;
    }

    /// <summary>Akka.Cluster.Sharding's messages while no shard coordinator answers yet (cluster forming, no worker node).</summary>
    private static readonly string[] FormingNoise =
    [
        "No coordinator found to register",
        "Trying to register to coordinator at",
        "Requested shard homes",
        "Retry request for shard",
    ];

    internal static bool IsFormingNoise(LogEvent e) =>
        e.Level <= LogEventLevel.Warning && FormingNoise.Any(n => e.MessageTemplate.Text.Contains(n, StringComparison.Ordinal)
            || (e.Properties.TryGetValue("Message", out var m) && m.ToString().Contains(n, StringComparison.Ordinal)));
}

/// <summary>Writes formatted events to a <see cref="TextWriter"/> (used when the command runs in-process with redirected writers).</summary>
internal sealed class TextWriterSink(TextWriter writer, ITextFormatter formatter) : ILogEventSink
{
    private readonly Lock _gate = new();

    public void Emit(LogEvent logEvent)
    {
        lock (_gate)
        {
            formatter.Format(logEvent, writer);
            writer.Flush();
        }
    }
}
