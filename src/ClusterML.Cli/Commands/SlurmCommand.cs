using System.CommandLine;
using System.Text;
using System.Text.RegularExpressions;
using ClusterML.Cli.Hosting;
using ClusterML.Core.Campaigns;
using ClusterML.Core.IO;
using ClusterML.Core.Validation;

namespace ClusterML.Cli.Commands;

/// <summary>
/// <c>clusterml slurm script</c>: the batch script of <c>deploy/slurm/clusterml.sbatch</c> filled in for one campaign. The
/// shipped script is embedded in this assembly, so there is one copy of its body: this command replaces only its
/// <c>#SBATCH</c> header and names the campaign file.
/// </summary>
internal static partial class SlurmCommand
{
    /// <summary>The line of the shipped script where its body begins; everything above it is the header replaced here.</summary>
    internal const string BodyMarker = "# ---- clusterml slurm script:";

    public static Command Create(CommandRunner runner)
    {
        var slurm = new Command("slurm", "Run campaigns on a Slurm cluster: one sbatch starts the coordinator and the workers (see deploy/slurm/clusterml.sbatch).");
        slurm.Subcommands.Add(CreateScript(runner));
        return slurm;
    }

    private static Command CreateScript(CommandRunner runner)
    {
        var spec = new Argument<string>("SPEC") { Description = "Campaign YAML (see config/campaigns/)." };
        var nodes = new Option<int>("--nodes") { Description = "Nodes of the job: the coordinator runs on the first, one worker per node (one per GPU with --gpus-per-node).", DefaultValueFactory = _ => 1 };
        var time = new Option<string?>("--time") { Description = "Time limit of each job, HH:MM:SS or D-HH:MM:SS (default: the partition's); a longer campaign continues in the next job (sbatch --dependency=afterany:JOBID)." };
        var partition = new Option<string?>("--partition") { Description = "Slurm partition (default: the cluster's default partition)." };
        var gpus = new Option<int>("--gpus-per-node") { Description = "GPUs per node (--gres=gpu:N): one worker per GPU, each bound to its own (--device cuda:K).", DefaultValueFactory = _ => 0 };
        var output = new Option<string?>("--out") { Description = "Write the script to this file (executable) instead of standard output." };
        var command = new Command("script", "Print the Slurm batch script for a campaign: #SBATCH lines for the job, then the body of deploy/slurm/clusterml.sbatch. Submit it with sbatch FILE [campaign options such as --data-dir DIR].")
        {
            spec, nodes, time, partition, gpus, output,
        };
        runner.SetAction(command, (context, _) =>
        {
            var p = context.Parse;
            var campaign = CampaignSpecReader.Read(p.GetValue(spec)!);
            var header = new JobHeader(
                Require.AtLeast("--nodes", p.GetValue(nodes), 1),
                p.GetValue(time) is { } t ? (TimeLimit().IsMatch(t) ? t : throw new InvalidInputException("--time", $"'{t}' is not a time limit: use HH:MM:SS or D-HH:MM:SS (e.g. 12:00:00, 2-00:00:00)")) : null,
                p.GetValue(partition) is { } part ? (PartitionName().IsMatch(part) ? part : throw new InvalidInputException("--partition", $"'{part}' is not a partition name (letters, digits, '_', '-', '.')")) : null,
                Require.AtLeast("--gpus-per-node", p.GetValue(gpus), 0));
            var script = Script(campaign.SourcePath, campaign.Name, header);
            if (p.GetValue(output) is { Length: > 0 } file)
            {
                AtomicFile.Write(file, staged =>
                {
                    File.WriteAllText(staged, script);
                    if (!OperatingSystem.IsWindows())
                    {
                        File.SetUnixFileMode(staged, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
                            | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
                    }
                });
                context.Log.Information("Slurm script for campaign {Name} written to {File}; submit it with: sbatch {File}", campaign.Name, Path.GetFullPath(file), file);
            }
            else
            {
                context.Out.Write(script);
            }
            return Task.FromResult(ExitCodes.Ok);
        });
        return command;
    }

    /// <summary>What a job asks Slurm for: nodes (≥ 1), a time limit and partition (null: Slurm's defaults), GPUs per node (≥ 0).</summary>
    internal sealed record JobHeader(int Nodes, string? Time, string? Partition, int GpusPerNode);

    /// <summary>
    /// The script for the campaign at <paramref name="specPath"/> (a full path: the job may start in another folder): the
    /// job's <c>#SBATCH</c> lines, the campaign file as the script's first argument, then the shipped body unchanged.
    /// </summary>
    internal static string Script(string specPath, string campaignName, JobHeader job)
    {
        var id = CampaignId(specPath);
        var text = new StringBuilder();
        text.Append("#!/usr/bin/env bash\n");
        text.Append($"# Campaign '{campaignName.ReplaceLineEndings(" ")}' ({specPath}) as one Slurm job, written by `clusterml slurm script`.\n");
        text.Append("# Submit: sbatch THIS_FILE [campaign options: --data-dir DIR, --postgres CONN, ...]; the next leg of a long campaign:\n");
        text.Append("# sbatch --dependency=afterany:JOBID THIS_FILE (same options). The body below is deploy/slurm/clusterml.sbatch.\n");
        text.Append($"#SBATCH --job-name={id}\n");
        text.Append($"#SBATCH --nodes={job.Nodes}\n");
        if (job.GpusPerNode > 0)
        {
            text.Append($"#SBATCH --gres=gpu:{job.GpusPerNode}\n");
            text.Append($"#SBATCH --ntasks-per-node={job.GpusPerNode}\n");
        }
        if (job.Time is { } time)
        {
            text.Append($"#SBATCH --time={time}\n");
        }
        if (job.Partition is { } partition)
        {
            text.Append($"#SBATCH --partition={partition}\n");
        }
        text.Append($"#SBATCH --output={id}-%j.out\n");
        text.Append("#SBATCH --open-mode=append\n");
        text.Append($"set -- {Quote(specPath)} \"$@\"\n");
        text.Append(Body());
        return text.ToString();
    }

    /// <summary>The campaign id the script uses when no <c>--id</c> is given: the file's name without .yaml, other characters as '-'.</summary>
    internal static string CampaignId(string specPath)
    {
        var name = Path.GetFileName(specPath);
        foreach (var extension in new[] { ".yaml", ".yml" })
        {
            if (name.EndsWith(extension, StringComparison.Ordinal))
            {
                name = name[..^extension.Length];
                break;
            }
        }
        return UnsafeIdCharacter().Replace(name, "-");
    }

    /// <summary>The shipped script (deploy/slurm/clusterml.sbatch, embedded at build time).</summary>
    internal static string Shipped()
    {
        using var stream = typeof(SlurmCommand).Assembly.GetManifestResourceStream("slurm.clusterml.sbatch")
            ?? throw new InvalidOperationException("the Slurm script is not embedded in this build (deploy/slurm/clusterml.sbatch)");
        using var reader = new StreamReader(stream, Encoding.UTF8);
        return reader.ReadToEnd().ReplaceLineEndings("\n");
    }

    /// <summary>The shipped script from its body marker on.</summary>
    internal static string Body()
    {
        var shipped = Shipped();
        var at = shipped.IndexOf("\n" + BodyMarker, StringComparison.Ordinal);
        return at >= 0 ? shipped[(at + 1)..] : throw new InvalidOperationException($"the embedded Slurm script has no line starting '{BodyMarker}'");
    }

    /// <summary>A bash word that stands for <paramref name="value"/> exactly (single quotes).</summary>
    private static string Quote(string value) => "'" + value.Replace("'", "'\\''", StringComparison.Ordinal) + "'";

    [GeneratedRegex(@"^(\d+-)?\d{1,3}:\d{2}:\d{2}$")]
    private static partial Regex TimeLimit();

    [GeneratedRegex(@"^[A-Za-z0-9_.-]{1,64}$")]
    private static partial Regex PartitionName();

    [GeneratedRegex(@"[^A-Za-z0-9._-]")]
    private static partial Regex UnsafeIdCharacter();
}
