using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace ClusterML.Benchmarks;

/// <summary>
/// Scaling of one sharded NEP fit, measured with real processes in one run: a generated PbTe set (from the reference nep.txt
/// and train.xyz in ../shared/data/nep/pbte_nep4), fitted with Adam for three epochs by (a) one process with one thread and
/// (b) a coordinator process with two worker processes of one slot (one thread) each. Step time is the mean over epochs 2
/// and 3 (from loss.csv; epoch 1 includes loading), memory is each process's peak resident set (VmHWM), and the overhead of
/// messages and reduction is the step time not spent computing on the busier worker. Also checks that both write the same
/// nep.txt. Run with <c>dotnet run -c Release --project bench/ClusterML.Benchmarks -- nep-distributed [frames] [batch]</c>.
/// </summary>
public static partial class DistributedNepReport
{
    private static readonly string[] Model = ["--cutoff", "5", "4", "--n-max", "4", "4", "--basis-size", "4", "4", "--neuron", "10", "--seed", "1", "--checkpoint-every", "100"];

    public static void Run(string[] args)
    {
        var frames = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 5000;
        var batch = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 1000;
        var repeats = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 2;
        var shared = FindShared();
        var folder = Directory.CreateTempSubdirectory("clusterml-nep-distributed-").FullName;
        try
        {
            var train = Path.Combine(folder, "pbte.xyz");
            var clock = Stopwatch.StartNew();
            Wait(CliProcess.Start(folder, null, "data", "generate", "nep-frames", "--model", Path.Combine(shared, "nep.txt"), "--from", Path.Combine(shared, "train.xyz"),
                "--n", $"{frames}", "--supercell", "1,1,1", "--rattle", "0.05", "--strain", "0.02", "--seed", "1", "--out", train), "generate", TimeSpan.FromMinutes(20));
            Console.WriteLine($"generated {frames} frames in {clock.Elapsed.TotalSeconds:F0} s ({new FileInfo(train).Length / 1e6:F0} MB)");
            string[] fit = ["nep", "train", "--train", train, "--batch", $"{batch}", "--epochs", "3", "--threads", "1", .. Model];
            Console.WriteLine();
            Console.WriteLine($"| run | processes × threads | step s | speedup | peak RSS per worker GB | ÷ one process | busier worker compute per step s | overhead per step | same nep.txt |");
            Console.WriteLine("|---:|---|---:|---:|---:|---:|---:|---:|---|");
            // Interleaved, so that both configurations see the same machine (a shared 2-core VM whose speed drifts).
            for (var r = 1; r <= repeats; r++)
            {
                var (oneSteps, onePeak) = OneProcess(folder, fit, frames, batch, r);
                var (twoSteps, workerPeak, busiest, same) = TwoWorkers(folder, fit, frames, batch, r);
                Console.WriteLine($"| {r} | 1 × 1 | {oneSteps:F2} | 1.00 | {onePeak / 1e9:F2} | 1.00 | – | – | – |");
                Console.WriteLine($"| {r} | 2 workers × 1 (+ coordinator) | {twoSteps:F2} | {oneSteps / twoSteps:F2} | {workerPeak / 1e9:F2} | {workerPeak / (double)onePeak:F2} | {busiest:F2} | {(twoSteps - busiest) / twoSteps:P1} ({(twoSteps - busiest) * 1000:F0} ms) | {(same ? "yes, byte for byte" : "NO")} |");
            }
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    private static (double Steps, long Peak) OneProcess(string folder, string[] fit, int frames, int batch, int run)
    {
        var outDir = Path.Combine(folder, $"one-{run}");
        var one = CliProcess.Start(folder, null, [.. fit, "--out", outDir, "--data-dir", Path.Combine(folder, $"one-data-{run}")]);
        var peak = WaitMeasuring(one, "one process", []);
        return (StepSeconds(Path.Combine(outDir, "loss.csv"), frames, batch), peak);
    }

    private static (double Steps, long WorkerPeak, double Busiest, bool Same) TwoWorkers(string folder, string[] fit, int frames, int batch, int run)
    {
        var port = CliProcess.FreePort();
        var seed = $"akka.tcp://clusterml@127.0.0.1:{port}";
        var outDir = Path.Combine(folder, $"two-{run}");
        var coordinatorOutput = new StringBuilder();
        var coordinator = CliProcess.Start(folder, coordinatorOutput, [.. fit, "--out", outDir, "--data-dir", Path.Combine(folder, $"two-data-{run}"), "--distributed",
            "--roles", "coordinator", "--hostname", "127.0.0.1", "--port", $"{port}", "--min-workers", "2"]);
        var workers = Enumerable.Range(0, 2).Select(w => CliProcess.Start(folder, null, "node", "--roles", "worker", "--seed-nodes", seed, "--hostname", "127.0.0.1", "--port", "0",
            "--slots", "1", "--data-dir", Path.Combine(folder, $"worker-{run}-{w}"))).ToArray();
        long workerPeak;
        try
        {
            WaitMeasuring(coordinator, "coordinator", workers);
            workerPeak = workers.Max(Peak);
        }
        finally
        {
            foreach (var worker in workers)
            {
                worker.Kill(entireProcessTree: true);
            }
        }
        var steps = (int)Math.Ceiling((double)frames / batch);
        var compute = WorkerCompute(coordinatorOutput.ToString());
        var same = File.ReadAllText(Path.Combine(folder, "one-1", "nep.txt")) == File.ReadAllText(Path.Combine(outDir, "nep.txt"));
        return (StepSeconds(Path.Combine(outDir, "loss.csv"), frames, batch), workerPeak, compute.Count == 0 ? double.NaN : compute.Max() / (2.0 * steps), same);
    }

    /// <summary>Mean seconds of a step over epochs 2 and 3 (loss.csv's seconds column is the time at the end of each epoch, before any export).</summary>
    private static double StepSeconds(string lossCsv, int frames, int batch)
    {
        var rows = File.ReadAllLines(lossCsv).Skip(1).Select(l => double.Parse(l[(l.LastIndexOf(',') + 1)..], CultureInfo.InvariantCulture)).ToArray();
        var steps = (int)Math.Ceiling((double)frames / batch);
        return (rows[2] - rows[0]) / (2.0 * steps);
    }

    /// <summary>Per worker, the compute seconds of epochs 2 and 3 from the coordinator's epoch lines.</summary>
    private static IReadOnlyList<double> WorkerCompute(string output)
    {
        var totals = new Dictionary<string, double>();
        foreach (var line in output.Split('\n').Where(l => l.Contains("epoch 2:", StringComparison.Ordinal) || l.Contains("epoch 3:", StringComparison.Ordinal)))
        {
            foreach (Match m in WorkerLine().Matches(line))
            {
                totals[m.Groups[1].Value] = totals.GetValueOrDefault(m.Groups[1].Value) + double.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture);
            }
        }
        return [.. totals.Values];
    }

    [GeneratedRegex(@"(akka\.tcp://\S+): \d+ shard answers, ([0-9.]+) s compute")]
    private static partial Regex WorkerLine();

    private static string FindShared()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "shared", "data", "nep", "pbte_nep4");
            if (File.Exists(Path.Combine(candidate, "nep.txt")))
            {
                return candidate;
            }
        }
        throw new FileNotFoundException("../shared/data/nep/pbte_nep4 (nep.txt, train.xyz) was not found above the benchmark's folder");
    }

    private static long WaitMeasuring(Process process, string name, Process[] others)
    {
        var peak = 0L;
        while (!process.WaitForExit(500))
        {
            peak = Math.Max(peak, Peak(process));
            foreach (var other in others)
            {
                if (other.HasExited)
                {
                    throw new InvalidOperationException($"a worker exited with {other.ExitCode} during the {name} run");
                }
            }
        }
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{name} exited with {process.ExitCode}");
        }
        return peak;
    }

    private static void Wait(Process process, string name, TimeSpan timeout)
    {
        if (!process.WaitForExit(timeout) || process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{name} failed");
        }
    }

    /// <summary>Peak resident set (VmHWM) of a running process, bytes; 0 once it has exited.</summary>
    private static long Peak(Process process)
    {
        try
        {
            var line = File.ReadLines($"/proc/{process.Id}/status").FirstOrDefault(l => l.StartsWith("VmHWM:", StringComparison.Ordinal));
            return line is null ? 0 : long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) * 1024;
        }
        catch (IOException)
        {
            return 0;
        }
    }
}
