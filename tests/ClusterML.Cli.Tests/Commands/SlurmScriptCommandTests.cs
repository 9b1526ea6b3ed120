using System.Diagnostics;
using ClusterML.Cli.Commands;

namespace ClusterML.Cli.Tests.Commands;

/// <summary><c>clusterml slurm script</c>: the job's #SBATCH lines and the campaign file in front of the shipped script's body.</summary>
public sealed class SlurmScriptCommandTests : IDisposable
{
    private readonly CliRun _cli = new();

    public void Dispose() => _cli.Dispose();

    private static string Quickstart => CliRun.RepositoryFile("config/campaigns/quickstart.yaml");

    /// <summary>The shipped script from its body marker on, as the repository has it.</summary>
    private static string ShippedBody()
    {
        var shipped = File.ReadAllText(CliRun.RepositoryFile("deploy/slurm/clusterml.sbatch")).ReplaceLineEndings("\n");
        return shipped[shipped.IndexOf("\n" + SlurmCommand.BodyMarker, StringComparison.Ordinal)..][1..];
    }

    [Fact]
    public async Task The_script_should_ask_for_the_job_and_run_the_shipped_body_on_the_campaign()
    {
        var (code, output, error) = await _cli.RunAsync("slurm", "script", Quickstart, "--nodes", "16", "--time", "1-12:00:00", "--partition", "gpu", "--gpus-per-node", "4");

        Assert.True(code == 0, error);
        Assert.StartsWith("#!/usr/bin/env bash\n", output, StringComparison.Ordinal);
        var sbatch = output.Split('\n').Where(l => l.StartsWith("#SBATCH ", StringComparison.Ordinal)).ToList();
        Assert.Equal(
            ["--job-name=quickstart", "--nodes=16", "--gres=gpu:4", "--ntasks-per-node=4", "--time=1-12:00:00", "--partition=gpu", "--output=quickstart-%j.out", "--open-mode=append"],
            sbatch.Select(l => l["#SBATCH ".Length..]));
        // Slurm reads #SBATCH lines only before the first command: the campaign file comes after them, then the body.
        var body = ShippedBody();
        Assert.EndsWith($"set -- '{Quickstart}' \"$@\"\n{body}", output, StringComparison.Ordinal);
        Assert.DoesNotContain(body.Split('\n'), line => line.StartsWith("#SBATCH", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Without_options_the_job_should_take_one_node_and_Slurm_s_defaults()
    {
        var (code, output, error) = await _cli.RunAsync("slurm", "script", Quickstart);

        Assert.True(code == 0, error);
        var sbatch = output.Split('\n').Where(l => l.StartsWith("#SBATCH ", StringComparison.Ordinal)).Select(l => l["#SBATCH ".Length..]);
        Assert.Equal(["--job-name=quickstart", "--nodes=1", "--output=quickstart-%j.out", "--open-mode=append"], sbatch);
    }

    [Fact]
    public async Task Out_should_write_an_executable_script_that_bash_can_parse()
    {
        var file = _cli.Path("job.sbatch");
        var spec = _cli.Path("it's here.yaml"); // a quote and a space in the path: the script must still name this file
        File.Copy(Quickstart, spec);

        var (code, output, error) = await _cli.RunAsync("slurm", "script", spec, "--out", file);

        Assert.True(code == 0, error);
        Assert.Equal("", output);
        Assert.True(OperatingSystem.IsWindows() || File.GetUnixFileMode(file).HasFlag(UnixFileMode.UserExecute));
        var script = File.ReadAllText(file);
        Assert.Contains("--job-name=it-s-here\n", script, StringComparison.Ordinal);
        VisibleSkip.Unless(OperatingSystem.IsLinux() && File.Exists("/bin/bash"), "needs bash to parse the script");
        // bash -n parses the whole script; then the first lines (up to the body) run, and must leave the file as $1.
        var prefix = script[..script.IndexOf(SlurmCommand.BodyMarker, StringComparison.Ordinal)] + "printf '%s\\n' \"$1\" \"$2\"\n";
        File.WriteAllText(_cli.Path("prefix.sh"), prefix);
        Assert.Equal((0, ""), Bash("-n", file));
        Assert.Equal((0, $"{spec}\n--data-dir\n"), Bash(_cli.Path("prefix.sh"), "--data-dir", "d"));
    }

    [Fact]
    public void Outside_a_job_the_script_should_refuse_to_run_with_exit_2()
    {
        VisibleSkip.Unless(OperatingSystem.IsLinux() && File.Exists("/bin/bash"), "needs bash");
        var (code, output) = BashWithout("SLURM_JOB_ID", CliRun.RepositoryFile("deploy/slurm/clusterml.sbatch"), Quickstart);
        Assert.Equal(2, code);
        Assert.Contains("not inside a Slurm job", output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--nodes", "0", "--nodes")]
    [InlineData("--time", "12h", "--time")]
    [InlineData("--partition", "a b", "--partition")]
    [InlineData("--gpus-per-node", "-1", "--gpus-per-node")]
    public async Task Bad_job_options_should_exit_2_naming_the_option(string option, string value, string named)
    {
        var (code, _, error) = await _cli.RunAsync("slurm", "script", Quickstart, option, value);

        Assert.Equal(2, code);
        Assert.Contains(named, error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_bad_campaign_should_exit_2_naming_its_file_line_and_field_and_a_missing_one_its_name()
    {
        var spec = _cli.Path("broken.yaml");
        File.WriteAllText(spec, File.ReadAllText(Quickstart).Replace("kind: grid", "kind: gird", StringComparison.Ordinal));

        var (code, output, error) = await _cli.RunAsync("slurm", "script", spec);
        var (missingCode, _, missingError) = await _cli.RunAsync("slurm", "script", _cli.Path("nowhere.yaml"));

        Assert.Equal(2, code);
        Assert.Equal("", output);
        Assert.Contains("broken.yaml:", error, StringComparison.Ordinal);
        Assert.Contains("search.kind", error, StringComparison.Ordinal);
        Assert.Equal(2, missingCode);
        Assert.Contains("nowhere.yaml", missingError, StringComparison.Ordinal);
    }

    private static (int Code, string Output) Bash(params string[] args) => BashWithout(null, args);

    private static (int Code, string Output) BashWithout(string? variable, params string[] args)
    {
        var start = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args)
        {
            start.ArgumentList.Add(a);
        }
        if (variable is not null)
        {
            start.Environment.Remove(variable);
        }
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEnd();
        Assert.True(process.WaitForExit(30_000), "bash did not end within 30 s");
        return (process.ExitCode, output.Result + error);
    }
}
