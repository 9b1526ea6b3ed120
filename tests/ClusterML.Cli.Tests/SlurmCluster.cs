using System.Diagnostics;
using System.Text.RegularExpressions;

namespace ClusterML.Cli.Tests;

/// <summary>
/// A one-node Slurm cluster on this machine for the tests of <c>deploy/slurm/clusterml.sbatch</c>, started by
/// <c>deploy/slurm/test-cluster.sh start</c> in a scratch folder (its configuration, state, logs and pid files) and
/// stopped at the end. Where it cannot be set up (no root, no apt-get), <see cref="SkipUnlessRunning"/> skips the test and
/// says why; where it was set up but does not come up, the tests fail with the script's output.
/// </summary>
public sealed partial class SlurmCluster : IAsyncLifetime
{
    private const int CannotSetUp = 3;

    private string? _unavailable;
    private string? _failed;

    public string Folder { get; } = Directory.CreateTempSubdirectory("clusterml-slurm-").FullName;

    public string ConfigFile => Path.Combine(Folder, "slurm.conf");

    public static string Script => CliRun.RepositoryFile("deploy/slurm/test-cluster.sh");

    public async ValueTask InitializeAsync()
    {
        if (!OperatingSystem.IsLinux())
        {
            _unavailable = "Slurm runs on Linux only";
            return;
        }
        // The daemons fork into the background holding whatever they inherited: the script's output goes to a file, not a pipe.
        var log = Path.Combine(Folder, "start.log");
        var (code, _) = await RunAsync(TimeSpan.FromMinutes(10), "bash", "-c", "\"$0\" start \"$1\" >\"$2\" 2>&1", Script, Folder, log);
        var output = File.Exists(log) ? File.ReadAllText(log).Trim() : "";
        if (code == CannotSetUp)
        {
            _unavailable = output.Split('\n').Last();
        }
        else if (code != 0)
        {
            _failed = $"deploy/slurm/test-cluster.sh start exited {code}: {output}";
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_unavailable is null)
        {
            // Jobs a failed test left behind, then the daemons (by their pid files).
            await RunAsync(TimeSpan.FromSeconds(30), "scancel", "--full", "--user", Environment.UserName);
            await RunAsync(TimeSpan.FromSeconds(60), "bash", "-c", "\"$0\" stop \"$1\" >/dev/null 2>&1", Script, Folder);
        }
        try
        {
            Directory.Delete(Folder, recursive: true);
        }
        catch (IOException)
        {
            // A daemon's last log line may still be written; the temporary folder is left behind then.
        }
    }

    /// <summary>Skips the calling test, visibly, when Slurm cannot run here; fails it when Slurm should have started and did not.</summary>
    public void SkipUnlessRunning()
    {
        VisibleSkip.When(_unavailable is not null, $"no Slurm test cluster: {_unavailable}");
        Assert.True(_failed is null, _failed);
    }

    /// <summary>
    /// Submits <paramref name="script"/> with <c>sbatch</c> from <paramref name="folder"/> (its working folder and the
    /// folder of its output file <c>job-ID.out</c>) with this process's environment and <paramref name="environment"/>;
    /// returns the job id.
    /// </summary>
    public async Task<string> SubmitAsync(string folder, IReadOnlyDictionary<string, string> environment, IEnumerable<string> options, string script, params string[] arguments)
    {
        var (code, output) = await RunAsync(TimeSpan.FromSeconds(30), environment,
            ["sbatch", "--parsable", $"--chdir={folder}", $"--output={Path.Combine(folder, "job-%j.out")}", .. options, script, .. arguments]);
        Assert.True(code == 0, $"sbatch exited {code}: {output}");
        return output.Trim().Split(';')[0];
    }

    /// <summary>The job's state and exit code as <c>scontrol show job</c> has them, e.g. ("COMPLETED", "0:0").</summary>
    public async Task<(string State, string ExitCode)> JobAsync(string job)
    {
        var (code, output) = await RunAsync(TimeSpan.FromSeconds(30), "scontrol", "show", "job", "-o", job);
        Assert.True(code == 0, $"scontrol show job {job} exited {code}: {output}");
        var state = JobState().Match(output);
        var exit = JobExitCode().Match(output);
        Assert.True(state.Success && exit.Success, $"no JobState/ExitCode in: {output}");
        return (state.Groups[1].Value, exit.Groups[1].Value);
    }

    /// <summary>Waits until the job has ended (polling every second); fails after <paramref name="timeout"/> with its output file.</summary>
    public async Task<(string State, string ExitCode)> WaitForEndAsync(string job, string folder, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var current = await JobAsync(job);
            if (current.State is not ("PENDING" or "RUNNING" or "CONFIGURING" or "COMPLETING" or "SUSPENDED" or "REQUEUED"))
            {
                return current;
            }
            Assert.True(DateTime.UtcNow < deadline, $"job {job} is still {current.State} after {timeout.TotalSeconds} s; its output:\n{OutputOf(job, folder)}");
            await Task.Delay(1000);
        }
    }

    /// <summary>What the job wrote to its output file so far.</summary>
    public static string OutputOf(string job, string folder) => Path.Combine(folder, $"job-{job}.out") is var file && File.Exists(file) ? File.ReadAllText(file) : "(no output file)";

    public Task<(int Code, string Output)> RunAsync(TimeSpan timeout, params string[] command) =>
        RunAsync(timeout, new Dictionary<string, string>(), command);

    /// <summary>Runs a program with <c>SLURM_CONF</c> pointing at this cluster; its exit code and output (stdout then stderr).</summary>
    public async Task<(int Code, string Output)> RunAsync(TimeSpan timeout, IReadOnlyDictionary<string, string> environment, string[] command)
    {
        var start = new ProcessStartInfo(command[0]) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in command.Skip(1))
        {
            start.ArgumentList.Add(argument);
        }
        start.Environment["SLURM_CONF"] = ConfigFile;
        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var cancel = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(cancel.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            return (-1, $"{string.Join(' ', command)} did not end within {timeout.TotalSeconds} s");
        }
        return (process.ExitCode, await output + await error);
    }

    [GeneratedRegex(@"\bJobState=(\S+)")]
    private static partial Regex JobState();

    [GeneratedRegex(@"\bExitCode=(\S+)")]
    private static partial Regex JobExitCode();
}
