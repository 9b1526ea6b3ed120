using System.Globalization;
using System.Text.RegularExpressions;
using ClusterML.Core.Results;
using ClusterML.Storage;

namespace ClusterML.Cli.Tests.Commands;

/// <summary>
/// <c>deploy/slurm/clusterml.sbatch</c> submitted to a real one-node Slurm cluster (<see cref="SlurmCluster"/>), running
/// the built program (<c>CLUSTERML="dotnet …/clusterml.dll"</c>): the coordinator in the batch step, two workers as the
/// tasks of an srun step, per-job TLS, the journal and results in the data directory, and a campaign whose job is cancelled
/// resumed by the next job of the chain. Alone: the two cores run the coordinator, two workers and the trials.
/// </summary>
[Collection("Alone")]
[Trait("Category", "Slow")]
public sealed partial class SlurmJobTests(SlurmCluster slurm) : IClassFixture<SlurmCluster>, IDisposable
{
    private readonly CliRun _cli = new();

    public void Dispose() => _cli.Dispose();

    private static string Sbatch => CliRun.RepositoryFile("deploy/slurm/clusterml.sbatch");

    /// <summary>The job's environment: the built program, and node-local worker folders inside this test's folder.</summary>
    private Dictionary<string, string> Environment() => new()
    {
        ["CLUSTERML"] = $"dotnet {Path.Combine(AppContext.BaseDirectory, "clusterml.dll")}",
        ["CLUSTERML_WORKER_DIR"] = _cli.Path("node-local"),
        ["CI"] = "true",
    };

    [Fact]
    public async Task One_sbatch_should_run_the_quickstart_campaign_on_two_workers_and_leave_its_results_in_the_data_directory()
    {
        slurm.SkipUnlessRunning();
        var spec = CliRun.RepositoryFile("config/campaigns/quickstart.yaml");

        var job = await slurm.SubmitAsync(_cli.Root, Environment(), ["--ntasks=2"], Sbatch, spec, "--data-dir", _cli.DataDir);
        var (state, exitCode) = await slurm.WaitForEndAsync(job, _cli.Root, TimeSpan.FromMinutes(3));

        var output = SlurmCluster.OutputOf(job, _cli.Root);
        Assert.True((state, exitCode) == ("COMPLETED", "0:0"), $"job {job} ended {state} with exit code {exitCode}:\n{output}");
        // Two workers, one per task, on distinct ports, joined over the job's TLS.
        var workers = WorkerUp().Matches(output).Select(m => m.Groups[1].Value).Distinct().ToList();
        Assert.True(workers.Count == 2, $"expected 2 workers up, found {workers.Count}:\n{output}");
        Assert.Contains("starting campaign quickstart", output, StringComparison.Ordinal);

        // The campaign's id is the file's name; the journal, results and exports are in the data directory.
        Assert.True(File.Exists(Path.Combine(_cli.DataDir, "clusterml.db")), "no journal in the data directory");
        var store = new SqliteResultStore(Path.Combine(_cli.DataDir, "results.db"));
        Assert.Equal("completed", store.FindCampaign("quickstart")?.Status);
        var results = store.Results("quickstart");
        Assert.Equal(9, results.Count);
        Assert.All(results, r => Assert.Equal(TrialStatus.Completed, r.Status));
        Assert.Equal(9, results.Select(r => r.TrialId).Distinct().Count());
        var exports = Path.Combine(_cli.DataDir, "campaigns", "quickstart");
        var csv = File.ReadAllLines(Path.Combine(exports, "results.csv"));
        Assert.Equal(1 + 9, csv.Length);
        Assert.True(File.Exists(Path.Combine(exports, "results.json")));
        Assert.True(File.Exists(Path.Combine(exports, "loss_vs_nx.png")));
        // Each trial's log reached the results store through the cluster (no shared folder with the workers).
        var (logCode, log, logError) = await _cli.RunAsync("campaign", "log", "--id", "quickstart", "--trial", "t0004");
        Assert.True(logCode == 0, logError);
        Assert.Contains("t0004", log, StringComparison.Ordinal);

        // The job's certificates and CA are gone with it; so are the workers' node-local folders.
        Assert.False(Directory.Exists(Path.Combine(_cli.DataDir, "slurm", $"job-{job}")), "the job's certificate folder outlived the job");
        Assert.Empty(Directory.Exists(_cli.Path("node-local")) ? Directory.GetFileSystemEntries(_cli.Path("node-local")) : []);
    }

    [Fact]
    public async Task A_campaign_whose_job_is_cancelled_should_be_resumed_by_the_next_sbatch_recording_each_trial_once()
    {
        slurm.SkipUnlessRunning();
        const int Trials = 16;
        var spec = _cli.Path("slurm-resume.yaml");
        // Trials that take 1.5 s and write a file each (their artifact), so the first job can be cancelled midway.
        File.WriteAllText(spec, $$"""
            name: slurm-resume
            engine: exec
            seed: 3
            base:
              shell: true
              command: ["sleep 1.5; echo {x} > out.txt; printf 'clusterml-metric loss=%s\\n' {x}"]
              outputs: ["out.txt"]
              timeout: 60
            space:
              x: { type: uniform, low: 0.0, high: 1.0 }
            search:
              kind: sobol
            budget:
              max_trials: {{Trials}}
            """);
        var results = Path.Combine(_cli.DataDir, "results.db");

        var first = await slurm.SubmitAsync(_cli.Root, Environment(), ["--ntasks=2"], Sbatch, spec, "--data-dir", _cli.DataDir);
        await ClusterProcess.WaitUntilAsync(() => File.Exists(results) && new SqliteResultStore(results).Results("slurm-resume").Count >= 4,
            TimeSpan.FromMinutes(2), () => $"job {first} recorded fewer than 4 results within 2 minutes:\n{SlurmCluster.OutputOf(first, _cli.Root)}");
        var (cancelCode, cancelOutput) = await slurm.RunAsync(TimeSpan.FromSeconds(30), "scancel", first);
        Assert.True(cancelCode == 0, cancelOutput);
        var (firstState, _) = await slurm.WaitForEndAsync(first, _cli.Root, TimeSpan.FromMinutes(1));
        Assert.Equal("CANCELLED", firstState);
        var before = new SqliteResultStore(results).Results("slurm-resume").ToDictionary(r => r.TrialId);
        Assert.True(before.Count < Trials, $"the campaign ended before its job was cancelled ({before.Count} results)");
        Assert.NotEqual("completed", new SqliteResultStore(results).FindCampaign("slurm-resume")?.Status);

        // The next job of the chain: the same script and arguments, after the first has ended.
        var second = await slurm.SubmitAsync(_cli.Root, Environment(), ["--ntasks=2", $"--dependency=afterany:{first}"], Sbatch, spec, "--data-dir", _cli.DataDir);
        var (state, exitCode) = await slurm.WaitForEndAsync(second, _cli.Root, TimeSpan.FromMinutes(3));
        var output = SlurmCluster.OutputOf(second, _cli.Root);
        Assert.True((state, exitCode) == ("COMPLETED", "0:0"), $"job {second} ended {state} with exit code {exitCode}:\n{output}");
        Assert.Contains("resuming campaign slurm-resume", output, StringComparison.Ordinal);

        var store = new SqliteResultStore(results);
        Assert.Equal("completed", store.FindCampaign("slurm-resume")?.Status);
        var after = store.Results("slurm-resume");
        Assert.Equal(Trials, after.Count);
        Assert.Equal(Trials, after.Select(r => r.TrialId).Distinct().Count());
        Assert.All(after, r => Assert.Equal(TrialStatus.Completed, r.Status));
        // Trials the first job finished were not run again: their results are the first job's.
        foreach (var (trialId, earlier) in before)
        {
            var now = after.Single(r => r.TrialId == trialId);
            Assert.Equal(earlier.EndedAtMs, now.EndedAtMs);
            Assert.Equal(earlier.Node, now.Node);
        }
        Assert.True(after.Count(r => !before.ContainsKey(r.TrialId)) > 0);
        // Every trial's artifact landed in the data directory and holds that trial's own value.
        foreach (var trial in after)
        {
            Assert.NotNull(trial.ArtifactFolder);
            var file = Path.Combine(_cli.DataDir, trial.ArtifactFolder, "out.txt");
            Assert.True(File.Exists(file), $"{trial.TrialId}: no {file}");
            var written = double.Parse(File.ReadAllText(file).Trim(), CultureInfo.InvariantCulture);
            Assert.Equal(double.Parse(trial.Parameters["x"], CultureInfo.InvariantCulture), written, tolerance: 1e-12); // the same text, parsed twice
            Assert.Equal(written, trial.FinalLoss!.Value, tolerance: 1e-12);
        }
    }

    [GeneratedRegex(@"Node (akka\.ssl\.tcp://clusterml@\S+) is up with roles worker")]
    private static partial Regex WorkerUp();
}
