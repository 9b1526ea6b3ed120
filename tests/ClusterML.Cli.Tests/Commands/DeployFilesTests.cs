using System.Text.RegularExpressions;
using YamlDotNet.RepresentationModel;

namespace ClusterML.Cli.Tests.Commands;

/// <summary>
/// The shipped deploy files, parsed: the commands they run are valid command lines of this build, and the worker services
/// are restarted when they fail (a node removed from the cluster exits non-zero for exactly this).
/// </summary>
public sealed partial class DeployFilesTests
{
    [Fact]
    public void The_systemd_unit_should_run_a_valid_node_command_and_restart_it_on_failure()
    {
        var unit = Ini(File.ReadAllLines(CliRun.RepositoryFile("deploy/systemd/clusterml-worker.service")));
        var service = unit["Service"];
        Assert.Equal("on-failure", service["Restart"]);
        Assert.Equal("SIGTERM", service["KillSignal"]); // a clean leave: hands the trials off, exits 0, not restarted
        Assert.True(int.Parse(service["TimeoutStopSec"], System.Globalization.CultureInfo.InvariantCulture) >= 30);
        // ${VARIABLES} come from the EnvironmentFile; the unit's comment gives an example of each.
        var command = EnvironmentReference().Replace(service["ExecStart"], m => m.Groups[1].Value switch
        {
            "COORDINATOR" => "akka.tcp://clusterml@10.0.0.5:4053",
            "HOST" => "10.0.0.6",
            "SLOTS" => "2",
            var other => throw new InvalidDataException($"ExecStart uses ${{{other}}}, which the unit does not document"),
        }).Split(' ', StringSplitOptions.RemoveEmptyEntries);
        Assert.EndsWith("/clusterml", command[0], StringComparison.Ordinal);
        AssertParses(command[1..], "node", "worker");
    }

    [Fact]
    public void The_compose_file_should_run_valid_commands_and_restart_failed_workers()
    {
        var yaml = new YamlStream();
        using (var reader = new StreamReader(CliRun.RepositoryFile("deploy/compose/cluster.yml")))
        {
            yaml.Load(reader);
        }
        var services = (YamlMappingNode)((YamlMappingNode)yaml.Documents[0].RootNode)["services"];
        string[] Command(string service) => [.. ((YamlSequenceNode)((YamlMappingNode)services[service])["command"]).Select(n => ((YamlScalarNode)n).Value!)];
        var worker = (YamlMappingNode)services["worker"];
        Assert.Equal("on-failure", ((YamlScalarNode)worker["restart"]).Value);
        AssertParses(Command("worker"), "node", "worker");
        AssertParses(Command("coordinator"), "run", "coordinator");
        Assert.True(File.Exists(CliRun.RepositoryFile(Command("coordinator")[2])), $"the coordinator runs {Command("coordinator")[2]}, which is not in the repository");
    }

    private static void AssertParses(string[] args, string command, string role)
    {
        var (_, parse) = ClusterMLApp.Parse(args);
        Assert.True(parse.Errors.Count == 0, $"'{string.Join(' ', args)}': {string.Join("; ", parse.Errors.Select(e => e.Message))}");
        Assert.Equal(command, parse.CommandResult.Command.Name);
        var roles = args.SkipWhile(a => a != "--roles").Skip(1).First();
        Assert.Contains(role, roles.Split(','));
    }

    /// <summary>Sections of an INI-style file (systemd): key = value, comments and blank lines skipped.</summary>
    private static Dictionary<string, Dictionary<string, string>> Ini(IEnumerable<string> lines)
    {
        var sections = new Dictionary<string, Dictionary<string, string>>();
        Dictionary<string, string>? current = null;
        foreach (var raw in lines)
        {
            var line = raw.Trim();
            if (line.Length == 0 || line.StartsWith('#') || line.StartsWith(';'))
            {
                continue;
            }
            if (line.StartsWith('[') && line.EndsWith(']'))
            {
                sections[line[1..^1]] = current = [];
                continue;
            }
            var at = line.IndexOf('=', StringComparison.Ordinal);
            Assert.True(current is not null && at > 0, $"not a key = value line in a section: {raw}");
            current![line[..at].Trim()] = line[(at + 1)..].Trim();
        }
        return sections;
    }

    [GeneratedRegex(@"\$\{([A-Z_]+)\}")]
    private static partial Regex EnvironmentReference();
}
