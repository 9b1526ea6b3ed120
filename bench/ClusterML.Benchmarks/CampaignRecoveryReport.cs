using System.Diagnostics;
using ClusterML.Storage;

namespace ClusterML.Benchmarks;

/// <summary>
/// A long campaign of tiny <c>fd</c> trials through the real program: <c>campaign run</c> in one process, killed with
/// SIGKILL when half the trials are recorded, then <c>campaign resume</c>; prints the trials per second before the kill, the
/// time from starting the resume to the first trial recorded after it (recovery: process start, journal and snapshot
/// replay, re-dispatch), the trials per second after it, and whether every trial was recorded exactly once. Run with
/// <c>dotnet run -c Release --project bench/ClusterML.Benchmarks -- campaign-recovery [trials]</c>.
/// </summary>
public static class CampaignRecoveryReport
{
    public static void Run(string[] args)
    {
        var trials = args.Length > 0 ? int.Parse(args[0], System.Globalization.CultureInfo.InvariantCulture) : 100_000;
        var folder = Directory.CreateTempSubdirectory("clusterml-recovery-").FullName;
        try
        {
            var spec = Path.Combine(folder, "tiny.yaml");
            File.WriteAllText(spec, $"""
                name: tiny
                engine: fd
                seed: 5
                base: {"{"} t_end: 0.001, nx: 5 {"}"}
                space:
                  r: {"{"} type: uniform, low: 0.1, high: 0.45 {"}"}
                search: {"{"} kind: random {"}"}
                budget: {"{"} max_trials: {trials}, max_concurrent: 64 {"}"}
                """);
            var data = Path.Combine(folder, "data");
            var store = new SqliteResultStore(Path.Combine(data, "results.db"));
            // Counts only (Standing reads no rows): reading 5·10⁴ results on every poll would slow the very thing measured.
            int Recorded()
            {
                if (!File.Exists(Path.Combine(data, "results.db")))
                {
                    return 0;
                }
                var (_, completed, failed, stopped) = store.Standing("tiny", 0);
                return completed + failed + stopped;
            }

            var output = new System.Text.StringBuilder();
            var clock = Stopwatch.StartNew();
            using (var run = CliProcess.Start(folder, output, "campaign", "run", spec, "--id", "tiny", "--data-dir", data))
            {
                var first = Wait(() => Recorded() > 0, run, output, TimeSpan.FromMinutes(5));
                Wait(() => Recorded() >= trials / 2, run, output, TimeSpan.FromMinutes(30));
                var half = clock.Elapsed.TotalSeconds;
                var before = Recorded();
                run.Kill(entireProcessTree: true);
                run.WaitForExit();
                Console.WriteLine($"campaign of {trials} fd trials (nx 5), one process: first result after {first:F1} s; {before} recorded when killed with SIGKILL at {half:F1} s: {(before - 1) / (half - first):F0} trials/s");
            }
            var atKill = Recorded();
            output.Clear();
            clock.Restart();
            using var resume = CliProcess.Start(folder, output, "campaign", "resume", "--id", "tiny", "--data-dir", data);
            var recovered = Wait(() => Recorded() > atKill, resume, output, TimeSpan.FromMinutes(5));
            var resumedAt = Recorded();
            if (!resume.WaitForExit(TimeSpan.FromMinutes(60)))
            {
                throw new TimeoutException("the resumed campaign did not finish");
            }
            var end = clock.Elapsed.TotalSeconds;
            var results = store.Results("tiny");
            Console.WriteLine($"resume: first trial recorded {recovered:F1} s after `campaign resume` started (process start included); then {(trials - resumedAt) / (end - recovered):F0} trials/s to the end; exit code {resume.ExitCode}");
            Console.WriteLine($"recorded {results.Count} of {trials}, {results.Select(r => r.TrialId).Distinct().Count()} distinct, {results.Count(r => r.Status != Core.Results.TrialStatus.Completed)} not completed");
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            Directory.Delete(folder, recursive: true);
        }
    }

    /// <summary>Polls <paramref name="condition"/> every 20 ms; returns the seconds it took.</summary>
    private static double Wait(Func<bool> condition, Process process, System.Text.StringBuilder output, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        while (!condition())
        {
            if (clock.Elapsed > timeout || process.HasExited)
            {
                throw new InvalidOperationException($"gave up after {clock.Elapsed.TotalSeconds:F0} s (exited: {process.HasExited}):\n{output}");
            }
            Thread.Sleep(20);
        }
        return clock.Elapsed.TotalSeconds;
    }
}
