using System.CommandLine;

namespace ClusterML.Cli.Hosting;

/// <summary>Options every command accepts (declared once on the root, recursive).</summary>
internal sealed class GlobalOptions
{
    public Option<string> LogFormat { get; } = new("--log-format")
    {
        Description = "Console log format: text or json (one compact JSON object per line).",
        DefaultValueFactory = _ => "text",
        Recursive = true,
    };

    public Option<bool> Verbose { get; } = new("--verbose", "-v")
    {
        Description = "Log debug detail.",
        Recursive = true,
    };

    public Option<string> DataDir { get; } = new("--data-dir")
    {
        Description = "Where ClusterML keeps its database, artifacts and logs (logs go to DATA_DIR/logs).",
        DefaultValueFactory = _ => Environment.GetEnvironmentVariable("CLUSTERML_DATA_DIR") is { Length: > 0 } fromEnv ? fromEnv : "clusterml-data",
        Recursive = true,
    };

    public GlobalOptions() => LogFormat.AcceptOnlyFromAmong("text", "json");

    public IEnumerable<Option> All => [LogFormat, Verbose, DataDir];
}
