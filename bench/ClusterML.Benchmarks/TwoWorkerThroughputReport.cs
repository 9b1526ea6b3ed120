using System.Diagnostics;
using System.Globalization;
using ClusterML.Storage;

namespace ClusterML.Benchmarks;

/// <summary>
/// Trials per second through real processes on loopback: a coordinator (<c>campaign run --roles coordinator</c>) and two
/// workers (<c>node --roles worker</c>), with FD trials of a single step on 3 points (an engine that does almost nothing),
/// measured from the first trial's start to the last trial's end as recorded in the results store.
/// Run with <c>dotnet run -c Release --project bench/ClusterML.Benchmarks -- campaign-two-workers [trials]</c>.
/// </summary>
public static class TwoWorkerThroughputReport
{
    public static void Run(int trials)
    {
        var folder = Directory.CreateTempSubdirectory("clusterml-two-workers-").FullName;
        var spec = Path.Combine(folder, "tiny.yaml");
        File.WriteAllText(spec, $"""
            name: tiny
            engine: fd
            base: {"{"} nx: 3, t_end: 0.000001, r: 0.25 {"}"}
            space:
              alpha: {"{"} type: uniform, low: 0.1, high: 1.0 {"}"}
            search: {"{"} kind: random {"}"}
            budget: {"{"} max_trials: {trials}, max_concurrent: 64 {"}"}
            """);
        var port = CliProcess.FreePort();
        var portText = port.ToString(CultureInfo.InvariantCulture);
        var data = Path.Combine(folder, "coordinator");
        var processes = new List<Process>();
        try
        {
            var coordinator = CliProcess.Start(folder, null, "campaign", "run", spec, "--id", "tiny", "--roles", "coordinator", "--hostname", "127.0.0.1", "--port", portText, "--data-dir", data);
            processes.Add(coordinator);
            Thread.Sleep(3000);
            foreach (var worker in new[] { "w1", "w2" })
            {
                processes.Add(CliProcess.Start(folder, null, "node", "--roles", "worker", "--seed-nodes", $"akka.tcp://clusterml@127.0.0.1:{portText}", "--hostname", "127.0.0.1",
                    "--port", "0", "--slots", "4", "--data-dir", Path.Combine(folder, worker)));
            }
            if (!coordinator.WaitForExit(TimeSpan.FromMinutes(5)))
            {
                throw new TimeoutException("the campaign did not finish in 5 minutes");
            }
            var results = new SqliteResultStore(Path.Combine(data, "results.db")).Results("tiny");
            var seconds = (results.Max(r => r.EndedAtMs) - results.Min(r => r.StartedAtMs)) / 1000.0;
            var nodes = results.Select(r => r.Node).Distinct().Count();
            Console.WriteLine("| case | trials | worker processes | nodes used | wall s | trials/s |");
            Console.WriteLine("|---|---:|---:|---:|---:|---:|");
            Console.WriteLine($"| 1-step FD trials over loopback | {results.Count} | 2 | {nodes} | {seconds:F2} | {results.Count / seconds:F0} |");
        }
        finally
        {
            foreach (var process in processes)
            {
                if (!process.HasExited)
                {
                    process.Kill(entireProcessTree: true);
                }
                process.Dispose();
            }
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            Directory.Delete(folder, recursive: true);
        }
    }
}
