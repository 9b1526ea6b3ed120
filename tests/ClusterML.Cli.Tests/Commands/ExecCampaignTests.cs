using System.Globalization;
using ClusterML.Core.Results;
using ClusterML.Storage;

namespace ClusterML.Cli.Tests.Commands;

/// <summary>
/// Any program as a trial, across processes: a coordinator without the worker role and a worker process on loopback sweep a
/// bash script that only the coordinator's folder holds (hidden from the worker where the test may unshare a mount
/// namespace). The script travels as an input blob, the worker runs it per trial, and its outputs come back as artifacts.
/// </summary>
[Trait("Category", "Slow")]
public sealed class ExecCampaignTests : IDisposable
{
    private readonly CliRun _cli = new();

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        _cli.Dispose();
    }

    [Fact]
    public async Task An_exec_sweep_should_run_a_script_on_another_process_and_bring_its_outputs_back()
    {
        var coordinator = _cli.Path("coordinator");
        Directory.CreateDirectory(coordinator);
        // A damped oscillator's energy after n steps of size dt (awk does the arithmetic): the loss is smallest for small dt.
        File.WriteAllText(Path.Combine(coordinator, "oscillator.sh"), """
            #!/usr/bin/env bash
            set -euo pipefail
            dt=$1; steps=$2
            awk -v dt="$dt" -v n="$steps" 'BEGIN {
              x = 1; v = 0
              for (i = 1; i <= n; i++) {
                v -= dt * x; x += dt * v
                if (i % (n / 4) == 0) { printf "clusterml-metric loss=%.10g step=%d\n", (x*x + v*v - 1)^2 + dt, i / (n / 4) }
              }
              printf "%.10g %.10g\n", x, v > "state.txt"
            }'
            echo "done with dt=$dt" >&2
            """);
        var spec = Path.Combine(coordinator, "exec.yaml");
        File.WriteAllText(spec, """
            name: exec-two-processes
            engine: exec
            seed: 3
            base:
              command: [bash, "{inputs.script}", "{dt}", "{steps}"]
              inputs: { script: oscillator.sh }
              outputs: [state.txt]
              timeout: 60s
              steps: 400
            space:
              dt: { type: choice, values: [0.001, 0.01, 0.1] }
            search:
              kind: grid
            retries: 0
            """);

        var port = ClusterProcess.FreePort();
        var seed = $"akka.tcp://clusterml@127.0.0.1:{port}";
        var data = Path.Combine(coordinator, "data");
        using var driver = new ClusterProcess(coordinator, "campaign", "run", spec, "--id", "exec-2p", "--roles", "coordinator",
            "--hostname", "127.0.0.1", "--port", port.ToString(CultureInfo.InvariantCulture), "--data-dir", data);
        var workerData = _cli.Path("worker");
        string[] workerArgs = ["node", "--roles", "worker", "--seed-nodes", seed, "--hostname", "127.0.0.1", "--port", "0", "--slots", "2", "--data-dir", workerData];
        var hidden = ClusterProcess.CanHideFolders();
        using var worker = hidden
            ? ClusterProcess.Hiding(coordinator, Path.Combine(coordinator, "oscillator.sh"), _cli.Root, workerArgs)
            : new ClusterProcess(_cli.Root, workerArgs);
        var exited = await driver.WaitForExitAsync(TimeSpan.FromSeconds(240));
        Assert.True(exited, $"the coordinator did not finish:\n{driver.Output}\n--- worker:\n{worker.Output}");
        Assert.True(driver.ExitCode == 0, $"{driver.Output}\n--- worker:\n{worker.Output}");
        Assert.False(hidden && worker.HasExited && worker.ExitCode == 3, "the worker could still see the coordinator's folder: the test proves nothing");

        var results = new SqliteResultStore(Path.Combine(data, "results.db")).Results("exec-2p");
        Assert.Equal(3, results.Count);
        foreach (var result in results)
        {
            Assert.True(result.Status == TrialStatus.Completed, $"{result.TrialId}: {result.Error}\n{worker.Output}");
            Assert.DoesNotContain($":{port}", result.Node, StringComparison.Ordinal); // run by the worker process
            var folder = Path.Combine(data, result.ArtifactFolder!);
            Assert.Equal(["state.txt", "stderr.txt", "stdout.txt", "trial.log"], result.Files!.Select(f => f.Path).Order(StringComparer.Ordinal));
            Assert.Equal(2, File.ReadAllText(Path.Combine(folder, "state.txt")).Split(' ').Length);
            Assert.Equal($"done with dt={result.Parameters["dt"]}", File.ReadAllText(Path.Combine(folder, "stderr.txt")).Trim());
            Assert.Equal(4, File.ReadAllLines(Path.Combine(folder, "stdout.txt")).Length);
            Assert.Equal(result.FinalLoss, result.Metrics["loss"]);
        }
        // The loss falls with the step size, so the grid's best is the smallest dt.
        Assert.Equal("0.001", results.MinBy(r => r.FinalLoss)!.Parameters["dt"]);
    }
}
