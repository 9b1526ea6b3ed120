using System.Globalization;

namespace ClusterML.Cli.Tests.Commands;

/// <summary>
/// One NEP fit with its data shards on several real worker processes over loopback: the same nep.txt and loss.csv as the
/// one-process fit whatever the number of workers, after a worker is killed with SIGKILL, and after the coordinator is killed
/// and the fit resumed.
/// </summary>
[Trait("Category", "Slow")]
[Collection("Torch")]
public sealed class DistributedNepTests : IDisposable
{
    private static readonly string[] Fit =
    [
        "--cutoff", "4", "3", "--n-max", "2", "2", "--basis-size", "2", "2", "--l-max", "2", "1", "--neuron", "5", "--batch", "4", "--shards", "6",
        "--dtype", "float64", "--seed", "5", "--lr", "0.02",
    ];

    private readonly CliRun _cli = new();

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        _cli.Dispose();
    }

    [Fact]
    public async Task A_fit_on_one_two_or_three_worker_processes_should_write_the_one_process_model_and_loss()
    {
        var train = Frames(24);
        var reference = await OneProcessAsync(train, "reference", 20);

        // The embedded cluster: this process has every role, the shards are entities in it.
        var (code, _, stderr) = await _cli.RunAsync(["nep", "train", "--train", train, "--out", _cli.Path("embedded"), "--epochs", "20", "--distributed", .. Fit]);
        Assert.True(code == 0, stderr);
        AssertSameFit(reference, _cli.Path("embedded"));
        AssertRecorded(_cli.DataDir, _cli.Path("embedded"), 20);

        foreach (var workers in new[] { 1, 2, 3 })
        {
            var outDir = _cli.Path($"workers-{workers}");
            await using var cluster = new LoopbackCluster(_cli, $"w{workers}", workers, ["nep", "train", "--train", train, "--out", outDir, "--epochs", "20", .. Fit]);
            var coordinator = await cluster.FinishAsync(TimeSpan.FromSeconds(240));
            Assert.Equal(workers, cluster.WorkersHoldingShards(coordinator.Output));
            AssertSameFit(reference, outDir);
        }
    }

    [Fact]
    public async Task A_SNES_fit_on_two_worker_processes_should_write_the_one_process_model()
    {
        var train = Frames(24);
        string[] snes = ["--optimizer", "snes", "--population", "12"];
        var reference = await OneProcessAsync(train, "snes-reference", 15, snes);
        var outDir = _cli.Path("snes-two");
        await using var cluster = new LoopbackCluster(_cli, "snes", 2, ["nep", "train", "--train", train, "--out", outDir, "--epochs", "15", .. Fit, .. snes]);
        var coordinator = await cluster.FinishAsync(TimeSpan.FromSeconds(240));
        Assert.Equal(2, cluster.WorkersHoldingShards(coordinator.Output));
        AssertSameFit(reference, outDir);
    }

    [Fact]
    public async Task A_worker_killed_mid_fit_should_lose_nothing_and_the_fit_should_end_with_the_undisturbed_model()
    {
        var train = Frames(24);
        var reference = await OneProcessAsync(train, "reference", 60);
        var outDir = _cli.Path("killed");
        await using var cluster = new LoopbackCluster(_cli, "k", 2, ["nep", "train", "--train", train, "--out", outDir, "--epochs", "60", .. Fit]);
        Assert.True(await cluster.WaitForOutputAsync("epoch 4:", TimeSpan.FromSeconds(180)), cluster.Coordinator.Output);
        cluster.Workers[0].KillHard();
        var coordinator = await cluster.FinishAsync(TimeSpan.FromSeconds(240));
        Assert.Contains("recomputed", coordinator.Output, StringComparison.Ordinal);
        AssertSameFit(reference, outDir);
    }

    [Fact]
    public async Task A_fit_whose_coordinator_was_killed_should_resume_from_its_checkpoint_to_the_undisturbed_model()
    {
        var train = Frames(24);
        var reference = await OneProcessAsync(train, "reference", 30);
        var outDir = _cli.Path("resumed");
        string[] args = ["nep", "train", "--train", train, "--out", outDir, "--epochs", "30", "--checkpoint-every", "3", .. Fit];
        await using (var first = new LoopbackCluster(_cli, "r1", 2, args))
        {
            Assert.True(await first.WaitForOutputAsync("epoch 10:", TimeSpan.FromSeconds(180)), first.Coordinator.Output);
            first.Coordinator.KillHard();
        }
        Assert.True(File.Exists(Path.Combine(outDir, "nep.restart.json")));
        await using var second = new LoopbackCluster(_cli, "r2", 2, [.. args, "--resume"]);
        await second.FinishAsync(TimeSpan.FromSeconds(240));
        AssertSameFit(reference, outDir);
    }

    [Fact]
    public async Task A_distributed_fit_should_record_its_shard_placement_and_worker_steps()
    {
        var train = Frames(12);
        var outDir = _cli.Path("recorded");
        var (code, _, stderr) = await _cli.RunAsync(["nep", "train", "--train", train, "--out", outDir, "--epochs", "3", "--distributed", .. Fit]);
        Assert.True(code == 0, stderr);
        AssertRecorded(_cli.DataDir, outDir, 3);
    }

    /// <summary>
    /// The fit of <paramref name="outDir"/> is recorded in <paramref name="dataDir"/> as a completed distributed fit: every
    /// epoch, the 6 shards on the workers, and each epoch's statistics of the workers holding them.
    /// </summary>
    private static void AssertRecorded(string dataDir, string outDir, int epochs)
    {
        var fit = Assert.Single(ClusterML.Core.Results.NepFitRecords.List(dataDir), f => f.OutDir == Path.GetFullPath(outDir));
        Assert.Equal(("completed", true, epochs), (fit.Status, fit.Distributed, fit.Epochs));
        Assert.Equal(Enumerable.Range(1, epochs), ClusterML.Core.Results.NepFitRecords.Progress(dataDir, fit.Id).Select(p => p.Epoch));
        var placement = ClusterML.Core.Results.NepFitRecords.Placement(dataDir, fit.Id);
        Assert.Equal(Enumerable.Range(0, 6), placement.Select(s => s.Shard).Order());
        Assert.All(placement, s => Assert.True(s.Node.Length > 0 && s.Frames > 0 && s.Bytes > 0, s.ToString()));
        var steps = ClusterML.Core.Results.NepFitRecords.WorkerSteps(dataDir, fit.Id);
        Assert.Equal(Enumerable.Range(1, epochs), steps.Select(s => s.Epoch).Distinct());
        Assert.All(steps, s => Assert.True(placement.Any(h => h.Node == s.Node) && s.Answers > 0 && s.ComputeSeconds > 0 && s.StepSeconds > 0, s.ToString()));
    }

    private string Frames(int count) => NepFixtures.TeacherFrames(NepFixtures.TinyModel(_cli.Path("teacher.txt")), _cli.Path("train.xyz"), count, 3);

    private async Task<string> OneProcessAsync(string train, string name, int epochs, params string[] extra)
    {
        var outDir = _cli.Path($"{name}-{epochs}");
        using var process = new ClusterProcess(_cli.Root, ["nep", "train", "--train", train, "--out", outDir, "--epochs", epochs.ToString(CultureInfo.InvariantCulture),
            "--data-dir", _cli.Path("one-process-data"), .. Fit, .. extra]);
        Assert.True(await process.WaitForExitAsync(TimeSpan.FromSeconds(180)) && process.ExitCode == 0, process.Output);
        return outDir;
    }

    /// <summary>nep.txt byte for byte; loss.csv equal in every column but the wall time (last).</summary>
    private static void AssertSameFit(string expected, string actual)
    {
        Assert.Equal(File.ReadAllText(Path.Combine(expected, "nep.txt")), File.ReadAllText(Path.Combine(actual, "nep.txt")));
        static string[] Losses(string folder) => [.. File.ReadAllLines(Path.Combine(folder, "loss.csv")).Select(l => l[..l.LastIndexOf(',')])];
        var (e, a) = (Losses(expected), Losses(actual));
        Assert.True(e.Length > 10, $"only {e.Length} lines in loss.csv");
        Assert.Equal(e, a);
    }

    /// <summary>A coordinator process (<c>--roles coordinator</c>, no worker role) and worker processes with one slot each.</summary>
    private sealed class LoopbackCluster : IAsyncDisposable
    {
        public LoopbackCluster(CliRun cli, string name, int workers, string[] fit)
        {
            var port = ClusterProcess.FreePort();
            var seed = $"akka.tcp://clusterml@127.0.0.1:{port}";
            Coordinator = new ClusterProcess(cli.Root, [.. fit, "--distributed", "--roles", "coordinator", "--hostname", "127.0.0.1",
                "--port", port.ToString(CultureInfo.InvariantCulture), "--min-workers", workers.ToString(CultureInfo.InvariantCulture), "--data-dir", cli.Path($"{name}-coordinator")]);
            Workers = [.. Enumerable.Range(0, workers).Select(w => new ClusterProcess(cli.Root, "node", "--roles", "worker", "--seed-nodes", seed, "--hostname", "127.0.0.1",
                "--port", "0", "--slots", "1", "--data-dir", cli.Path($"{name}-worker-{w}")))];
        }

        public ClusterProcess Coordinator { get; }

        public IReadOnlyList<ClusterProcess> Workers { get; }

        public async Task<bool> WaitForOutputAsync(string text, TimeSpan timeout)
        {
            var clock = System.Diagnostics.Stopwatch.StartNew();
            while (!Coordinator.Output.Contains(text, StringComparison.Ordinal))
            {
                if (clock.Elapsed > timeout || Coordinator.HasExited)
                {
                    return false;
                }
                await Task.Delay(50);
            }
            return true;
        }

        public async Task<ClusterProcess> FinishAsync(TimeSpan timeout)
        {
            var exited = await Coordinator.WaitForExitAsync(timeout);
            Assert.True(exited && Coordinator.ExitCode == 0, $"coordinator {(exited ? $"exit {Coordinator.ExitCode}" : "did not finish")}:\n{Coordinator.Output}\n"
                + string.Join("\n", Workers.Select((w, i) => $"--- worker {i}:\n{w.Output}")));
            return Coordinator;
        }

        /// <summary>How many distinct workers the coordinator said hold shards.</summary>
        public int WorkersHoldingShards(string output) =>
            output.Split('\n').Where(l => l.Contains(" holds ", StringComparison.Ordinal) && l.Contains("Worker ", StringComparison.Ordinal))
                .Select(l => l[(l.IndexOf("Worker ", StringComparison.Ordinal) + 7)..l.IndexOf(" holds ", StringComparison.Ordinal)]).Distinct().Count();

        public async ValueTask DisposeAsync()
        {
            Coordinator.Dispose();
            foreach (var worker in Workers)
            {
                worker.Dispose();
            }
            await Task.CompletedTask;
        }
    }
}
