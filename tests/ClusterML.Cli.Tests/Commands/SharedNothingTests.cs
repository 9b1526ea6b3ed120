using System.Globalization;
using ClusterML.Core.Results;
using ClusterML.Storage;

namespace ClusterML.Cli.Tests.Commands;

/// <summary>
/// Real processes on loopback that share no files: the worker runs in its own mount namespace where the coordinator's whole
/// folder (spec, data, data directory) is hidden under an empty tmpfs. Every input must reach it through the cluster and
/// every model must come back the same way.
/// </summary>
[Trait("Category", "Slow")]
[Collection("Torch")]
public sealed class SharedNothingTests : IDisposable
{
    private readonly CliRun _cli = new();

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        _cli.Dispose();
    }

    [Fact]
    public async Task A_worker_that_cannot_read_the_coordinators_files_should_train_a_surrogate_and_a_NEP_sweep_and_send_the_models_back()
    {
        if (!ClusterProcess.CanHideFolders())
        {
            VisibleSkip.Because("needs root and unshare --mount to hide the coordinator's folder from the worker");
        }
        var coordinator = _cli.Path("coordinator");
        Directory.CreateDirectory(coordinator);

        // Surrogate sweep: 2 trials on a data CSV that only the coordinator can read.
        var (code, _, stderr) = await _cli.RunAsync("data", "generate", "thin-film", "--n", "300", "--seed", "2", "--out", Path.Combine(coordinator, "films.csv"));
        Assert.True(code == 0, stderr);
        var surrogate = Path.Combine(coordinator, "surrogate.yaml");
        File.WriteAllText(surrogate, """
            name: shared-nothing-surrogate
            engine: surrogate
            seed: 4
            base:
              data: films.csv
              target: k_W_mK
              inputs: [thickness_nm, roughness_nm, temperature_K, direction]
              ensemble: 1
              epochs: 40
            space:
              width: { type: choice, values: [8, 16] }
            search:
              kind: grid
            retries: 0
            """);
        var surrogateData = await RunSplitAsync(coordinator, surrogate, "sn-surrogate", "films.csv");
        var best = _cli.Path("best-surrogate");
        (code, var stdout, stderr) = await _cli.RunInAsync(surrogateData, "campaign", "results", "--id", "sn-surrogate", "--best-model", best);
        Assert.True(code == 0, stderr);
        Assert.Contains("copied to", stdout, StringComparison.Ordinal);
        (code, _, stderr) = await _cli.RunAsync("surrogate", "predict", "--model", best, "--data", Path.Combine(coordinator, "films.csv"), "--out", _cli.Path("pred.csv"));
        Assert.True(code == 0, stderr);
        Assert.Equal(301, File.ReadAllLines(_cli.Path("pred.csv")).Length);

        // NEP sweep: 2 trials on frames that only the coordinator can read.
        var teacher = NepFixtures.TinyModel(_cli.Path("teacher.txt"));
        NepFixtures.TeacherFrames(teacher, Path.Combine(coordinator, "train.xyz"), 6, seed: 7);
        var nep = Path.Combine(coordinator, "nep.yaml");
        File.WriteAllText(nep, """
            name: shared-nothing-nep
            engine: nep
            seed: 3
            base:
              train: train.xyz
              cutoff_radial: 4
              cutoff_angular: 3
              n_max_radial: 2
              n_max_angular: 2
              basis_radial: 2
              basis_angular: 2
              l_max: 2
              epochs: 4
              batch: 3
              threads: 1
            space:
              neuron: { type: choice, values: [3, 5] }
            search:
              kind: grid
            retries: 0
            """);
        var nepData = await RunSplitAsync(coordinator, nep, "sn-nep", "train.xyz");
        var bestNep = _cli.Path("best-nep");
        (code, _, stderr) = await _cli.RunInAsync(nepData, "campaign", "results", "--id", "sn-nep", "--best-model", bestNep);
        Assert.True(code == 0, stderr);
        (code, _, stderr) = await _cli.RunAsync("nep", "eval", "--model", bestNep, "--input", Path.Combine(coordinator, "train.xyz"), "--output", _cli.Path("eval.xyz"));
        Assert.True(code == 0, stderr);
        Assert.Equal(6 * 6, File.ReadAllLines(_cli.Path("eval.xyz")).Length);
    }

    /// <summary>
    /// Runs a campaign with a coordinator that has no worker role and one hidden-folder worker; checks that every trial ran on
    /// the worker and that its artifacts landed in the coordinator's data directory. Returns that data directory.
    /// </summary>
    private async Task<string> RunSplitAsync(string coordinatorFolder, string spec, string campaignId, string inputName)
    {
        var port = ClusterProcess.FreePort();
        var seed = $"akka.tcp://clusterml@127.0.0.1:{port}";
        var data = Path.Combine(coordinatorFolder, $"data-{campaignId}");
        using var driver = new ClusterProcess(coordinatorFolder, "campaign", "run", spec, "--id", campaignId, "--roles", "coordinator",
            "--hostname", "127.0.0.1", "--port", port.ToString(CultureInfo.InvariantCulture), "--data-dir", data);
        var workerData = _cli.Path($"worker-{campaignId}");
        using var worker = ClusterProcess.Hiding(coordinatorFolder, Path.Combine(coordinatorFolder, inputName), _cli.Root,
            "node", "--roles", "worker", "--seed-nodes", seed, "--hostname", "127.0.0.1", "--port", "0", "--slots", "2", "--data-dir", workerData);
        var exited = await driver.WaitForExitAsync(TimeSpan.FromSeconds(300));
        Assert.True(exited, $"the coordinator did not finish:\n{driver.Output}\n--- worker:\n{worker.Output}");
        Assert.True(driver.ExitCode == 0, $"{driver.Output}\n--- worker:\n{worker.Output}");
        Assert.False(worker.HasExited && worker.ExitCode == 3, "the worker could still see the coordinator's input: the test proves nothing");

        var results = new SqliteResultStore(Path.Combine(data, "results.db")).Results(campaignId);
        Assert.Equal(2, results.Count);
        foreach (var result in results)
        {
            Assert.True(result.Status == TrialStatus.Completed, $"{result.TrialId}: {result.Error}\n{worker.Output}");
            Assert.DoesNotContain($":{port}", result.Node, StringComparison.Ordinal); // run by the worker, not the coordinator
            Assert.NotNull(result.Files);
            var folder = Path.Combine(data, result.ArtifactFolder!);
            foreach (var file in result.Files!)
            {
                Assert.Equal(file.Size, new FileInfo(Path.Combine(folder, file.Path)).Length);
            }
            Assert.Contains(result.Files!, f => f.Path.StartsWith("model/", StringComparison.Ordinal));
            Assert.Contains(result.Files!, f => f.Path == "trial.log");
            var log = File.ReadAllText(Path.Combine(folder, "trial.log"));
            Assert.Contains($"input {(inputName.EndsWith(".csv", StringComparison.Ordinal) ? "data" : "train")}: {inputName}", log, StringComparison.Ordinal);
            Assert.Contains(Path.Combine(workerData, "blobs"), log, StringComparison.Ordinal); // read from the worker's own blob cache
        }
        Assert.Contains("Best model:", driver.Output, StringComparison.Ordinal);
        return data;
    }
}
