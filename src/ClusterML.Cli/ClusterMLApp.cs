using System.CommandLine;
using ClusterML.Cli.Commands;
using ClusterML.Cli.Hosting;

namespace ClusterML.Cli;

/// <summary>The <c>clusterml</c> command tree. <see cref="RunAsync"/> is the whole program, callable in-process by tests.</summary>
public static class ClusterMLApp
{
    /// <summary>Parses <paramref name="args"/>, runs the command and returns its exit code (<see cref="ExitCodes"/>).</summary>
    public static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter error, CancellationToken cancellationToken = default)
    {
        ClusterHost.RegisterEngines();
        var (root, parse) = Parse(args, output, error);
        if (parse.Errors.Count > 0)
        {
            foreach (var line in Suggestions.Explain(parse))
            {
                await error.WriteLineAsync(line);
            }
            await error.WriteLineAsync($"Run '{string.Join(' ', ["clusterml", .. CommandPath(parse.CommandResult.Command, root)])} --help' for usage.");
            return ExitCodes.BadInput;
        }
        // Ctrl-C and SIGTERM cancel the command; it then has this long to finish cleanly (a worker hands its trials back
        // and leaves the cluster, a coordinator flushes its journal) before the process is ended. System.CommandLine's
        // default of 2 s killed a leaving worker with exit code 143 mid-leave.
        return await parse.InvokeAsync(new InvocationConfiguration { Output = output, Error = error, ProcessTerminationTimeout = ShutdownGrace }, cancellationToken);
    }

    /// <summary>How long a command may take to stop after Ctrl-C or SIGTERM: past Akka's coordinated shutdown (at most 75 s), under the 90 s grace period of deploy/.</summary>
    public static readonly TimeSpan ShutdownGrace = TimeSpan.FromSeconds(80);

    /// <summary>Parses a command line without running it (checks command lines written elsewhere, e.g. the deploy files).</summary>
    internal static (RootCommand Root, ParseResult Parse) Parse(string[] args, TextWriter? output = null, TextWriter? error = null)
    {
        var globals = new GlobalOptions();
        var root = new RootCommand(
            "ClusterML: neural surrogates, physics-informed networks and NEP interatomic potentials, " +
            "trained with TorchSharp and swept across a cluster of machines.");
        foreach (var option in globals.All)
        {
            root.Options.Add(option);
        }
        var runner = new CommandRunner(globals, output ?? TextWriter.Null, error ?? TextWriter.Null);
        root.Subcommands.Add(FdCommand.Create(runner));
        root.Subcommands.Add(DataCommand.Create(runner));
        root.Subcommands.Add(SurrogateCommand.Create(runner));
        root.Subcommands.Add(PinnCommand.Create(runner));
        root.Subcommands.Add(NepCommand.Create(runner));
        root.Subcommands.Add(CampaignCommand.Create(runner));
        root.Subcommands.Add(NodeCommand.Create(runner));
        root.Subcommands.Add(DashboardCommand.Create(runner));
        root.Subcommands.Add(CertCommand.Create(runner));
        root.Subcommands.Add(SlurmCommand.Create(runner));
        root.Subcommands.Add(InfoCommand.Create(runner));

        return (root, root.Parse(args));
    }

    private static IEnumerable<string> CommandPath(Command command, RootCommand root)
    {
        var names = new Stack<string>();
        for (var c = command; c is not null && c != root; c = c.Parents.OfType<Command>().FirstOrDefault())
        {
            names.Push(c.Name);
        }
        return names;
    }
}
