using System.CommandLine;
using Serilog;

namespace ClusterML.Cli.Hosting;

/// <summary>What a command's action gets: its parse result, the logger, the output writers and whether progress bars may be drawn.</summary>
internal sealed record CommandContext(ParseResult Parse, ILogger Log, TextWriter Out, TextWriter Error, bool Interactive, string DataDir);
