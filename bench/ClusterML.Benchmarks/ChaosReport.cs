using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using ClusterML.Core.Results;
using ClusterML.Storage;

namespace ClusterML.Benchmarks;

/// <summary>
/// Chaos on loopback (issue 13 item 6): a coordinator (<c>campaign run --roles coordinator</c>) and three workers
/// (<c>node --roles worker</c>) run FD campaigns of about one-second trials, one after another, while a seeded
/// <see cref="Random"/> SIGKILLs a random worker or the coordinator every few seconds. Killed or downed workers are started
/// again after <see cref="WorkerRestartDelay"/> (as a restart policy would); a killed coordinator is started again with
/// <c>campaign resume</c>. After the chaos window no more kills happen and the current campaign is given
/// <see cref="FinishTimeout"/> to complete. The tally comes from the coordinator's results store (planned, recorded,
/// recorded twice, lost) and from the workers' verbose logs (trials started more than once). Every process is killed on
/// the way out. Run with <c>bench/chaos.sh [minutes] [seed]</c> or
/// <c>dotnet run -c Release --project bench/ClusterML.Benchmarks -- chaos [minutes] [seed]</c>; ClusterML.Cli.Tests links
/// this file (with <see cref="CliProcess"/>) to run two minutes of it in CI.
/// </summary>
internal static partial class ChaosReport
{
    /// <summary>Trials per campaign: about half a minute of work for three one-slot workers on two cores.</summary>
    public const int TrialsPerCampaign = 60;

    private const int Workers = 3;
    private static readonly TimeSpan WorkerRestartDelay = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan CoordinatorRestartDelay = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan FinishTimeout = TimeSpan.FromMinutes(5);

    /// <summary>Mean seconds between two chaos events; the count of events is the window divided by this (at least 2).</summary>
    private const double SecondsPerEvent = 12;

    /// <summary>Chance that an event kills the coordinator rather than a worker (its recovery takes tens of seconds).</summary>
    private const double CoordinatorShare = 0.25;

    /// <summary>What a chaos run did and what its results store holds afterwards.</summary>
    /// <param name="Campaigns">Campaigns started (each of <see cref="TrialsPerCampaign"/> trials).</param>
    /// <param name="Planned">Trials planned over all campaigns.</param>
    /// <param name="Recorded">Result rows in the store.</param>
    /// <param name="RecordedTwice">Rows beyond the first for one (campaign, trial): must be 0.</param>
    /// <param name="NotCompleted">Rows whose status is not Completed.</param>
    /// <param name="RunMoreThanOnce">Trials that workers' logs show started more than once (kills make this expected).</param>
    /// <param name="Lost">Planned trials with no row: must be 0.</param>
    /// <param name="WorkerKills">Workers killed with SIGKILL by the chaos.</param>
    /// <param name="CoordinatorKills">Coordinators killed with SIGKILL by the chaos (each then resumed).</param>
    /// <param name="WorkerRestarts">Worker processes started again after they exited (killed, or downed with their coordinator).</param>
    /// <param name="Finished">Whether the last campaign completed within <see cref="FinishTimeout"/> after the chaos window.</param>
    /// <param name="Elapsed">Wall time of the whole run.</param>
    public sealed record Tally(int Campaigns, int Planned, int Recorded, int RecordedTwice, int NotCompleted, int RunMoreThanOnce, int Lost,
        int WorkerKills, int CoordinatorKills, int WorkerRestarts, bool Finished, TimeSpan Elapsed)
    {
        /// <summary>Nothing lost, nothing recorded twice, and the last campaign finished.</summary>
        public bool Passed => Finished && RecordedTwice == 0 && Lost == 0;
    }

    /// <summary>The bench entry point: <c>chaos [minutes] [seed]</c> (defaults 10 and 1); exit code 1 unless <see cref="Tally.Passed"/>.</summary>
    public static void Run(string[] args)
    {
        var minutes = args.Length > 0 ? double.Parse(args[0], CultureInfo.InvariantCulture) : 10;
        var seed = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 1;
        if (!(minutes > 0 && minutes <= 24 * 60))
        {
            throw new ArgumentOutOfRangeException(nameof(args), minutes, "minutes must be in (0, 1440]");
        }
        var folder = Directory.CreateTempSubdirectory("clusterml-chaos-").FullName;
        try
        {
            var tally = Execute(folder, TimeSpan.FromMinutes(minutes), seed, Console.WriteLine);
            Print(tally, Console.WriteLine);
            Environment.ExitCode = tally.Passed ? 0 : 1;
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            Directory.Delete(folder, recursive: true);
        }
    }

    /// <summary>Writes <paramref name="tally"/> as a Markdown table, one line per call of <paramref name="writeLine"/>.</summary>
    public static void Print(Tally tally, Action<string> writeLine)
    {
        string Row(string figure, object value) => string.Create(CultureInfo.InvariantCulture, $"| {figure} | {value} |");
        writeLine("| figure | value |");
        writeLine("|---|---:|");
        writeLine(Row($"campaigns of {TrialsPerCampaign} FD trials", tally.Campaigns));
        writeLine(Row("trials planned", tally.Planned));
        writeLine(Row("recorded", tally.Recorded));
        writeLine(Row("recorded twice (must be 0)", tally.RecordedTwice));
        writeLine(Row("recorded but not completed", tally.NotCompleted));
        writeLine(Row("run more than once (started by more than one attempt)", tally.RunMoreThanOnce));
        writeLine(Row("lost (planned − recorded; must be 0)", tally.Lost));
        writeLine(Row("worker kills (SIGKILL)", tally.WorkerKills));
        writeLine(Row("coordinator kills (SIGKILL, then campaign resume)", tally.CoordinatorKills));
        writeLine(Row("worker restarts", tally.WorkerRestarts));
        writeLine(Row("last campaign finished", tally.Finished ? "yes" : "no"));
        writeLine(Row("wall time", $"{tally.Elapsed.TotalMinutes:F1} min"));
    }

    /// <summary>
    /// Runs the chaos for <paramref name="window"/> in <paramref name="folder"/> (which the caller owns and deletes), then
    /// waits for the current campaign to finish and counts. Deterministic in its choices for a <paramref name="seed"/>, not
    /// in its timings. <paramref name="log"/> gets one line per kill, restart and campaign.
    /// </summary>
    public static Tally Execute(string folder, TimeSpan window, int seed, Action<string> log)
    {
        var random = new Random(seed);
        var spec = Path.Combine(folder, "chaos.yaml");
        File.WriteAllText(spec, $"""
            name: chaos
            engine: fd
            base: {"{"} alpha: 0.1, nx: 1601, t_end: 1.0 {"}"}
            space:
              r: {"{"} type: uniform, low: 0.3, high: 0.45 {"}"}
            search: {"{"} kind: sobol {"}"}
            budget: {"{"} max_trials: {TrialsPerCampaign}, max_concurrent: {Workers} {"}"}
            retries: 1
            """);
        var data = Path.Combine(folder, "coordinator");
        var port = CliProcess.FreePort().ToString(CultureInfo.InvariantCulture);
        var clock = Stopwatch.StartNew();
        void Log(string line) => log(string.Create(CultureInfo.InvariantCulture, $"{clock.Elapsed.TotalSeconds,7:F1} s  {line}"));

        var campaigns = new List<string>();
        var workerLogs = new List<StringBuilder>();
        var workers = new Member[Workers];
        Member? coordinator = null;
        Member StartCoordinator(string verb)
        {
            string[] what = verb == "run" ? ["run", spec] : ["resume"];
            var output = new StringBuilder();
            var process = CliProcess.Start(folder, output, ["campaign", .. what, "--id", campaigns[^1], "--roles", "coordinator",
                "--hostname", "127.0.0.1", "--port", port, "--data-dir", data]);
            Log($"coordinator: campaign {verb} {campaigns[^1]} (pid {process.Id})");
            return new Member(process, output);
        }
        Member StartWorker(int index)
        {
            var output = new StringBuilder();
            workerLogs.Add(output);
            var process = CliProcess.Start(folder, output, "node", "--roles", "worker", "--seed-nodes", $"akka.tcp://clusterml@127.0.0.1:{port}",
                "--hostname", "127.0.0.1", "--port", "0", "--slots", "1", "--join-timeout", "20",
                "--data-dir", Path.Combine(folder, $"worker-{index + 1}"), "--verbose");
            return new Member(process, output);
        }
        void StartCampaign()
        {
            campaigns.Add($"chaos-{campaigns.Count + 1}");
            coordinator = StartCoordinator("run");
        }

        var events = Math.Max(2, (int)(window.TotalSeconds / SecondsPerEvent));
        var step = window / (events + 1);
        var nextEvent = 0;
        var nextAt = step;
        bool? pending = null; // the kind of the due event (true: the coordinator), kept while its target is not up
        var (workerKills, coordinatorKills, workerRestarts) = (0, 0, 0);
        var finished = false;
        try
        {
            StartCampaign();
            for (var i = 0; i < Workers; i++)
            {
                workers[i] = StartWorker(i);
            }
            while (clock.Elapsed < window + FinishTimeout)
            {
                var chaos = clock.Elapsed < window;
                var current = coordinator!;
                if (current.ExitedFor() is { } coordinatorDown)
                {
                    if (current.Process.ExitCode == 0)
                    {
                        Log($"campaign {campaigns[^1]} completed");
                        if (!chaos)
                        {
                            finished = true;
                            break;
                        }
                        // The workers stay in the finished campaign's cluster (its coordinator left cleanly): start them afresh.
                        StartCampaign();
                        for (var i = 0; i < Workers; i++)
                        {
                            workers[i].Kill();
                            workers[i] = StartWorker(i);
                        }
                    }
                    else if (coordinatorDown >= CoordinatorRestartDelay)
                    {
                        if (!current.KilledByChaos)
                        {
                            Log($"coordinator exited {current.Process.ExitCode} by itself:\n{Tail(current.Output, 30)}");
                        }
                        current.Kill();
                        coordinator = StartCoordinator("resume");
                    }
                }
                for (var i = 0; i < Workers; i++)
                {
                    if (workers[i].ExitedFor() is { } workerDown && workerDown >= WorkerRestartDelay)
                    {
                        Log($"worker {i + 1} exited {workers[i].Process.ExitCode}{(workers[i].KilledByChaos ? " (killed)" : "")}; restarting it");
                        workers[i].Kill();
                        workers[i] = StartWorker(i);
                        workerRestarts++;
                    }
                }
                if (chaos && nextEvent < events && clock.Elapsed >= nextAt)
                {
                    // The middle event kills the coordinator if none has been killed yet, the first one a worker: a run of
                    // any length sees both. A target that is not up yet postpones the event.
                    var killCoordinator = pending ??= nextEvent == events / 2 && coordinatorKills == 0
                        || nextEvent > 0 && random.NextDouble() < CoordinatorShare;
                    var up = Enumerable.Range(0, Workers).Where(i => workers[i].IsUp("is up with roles")).ToArray();
                    if (killCoordinator && coordinator!.IsUp($"Campaign {campaigns[^1]} is running"))
                    {
                        Log($"SIGKILL coordinator (pid {coordinator.Process.Id})");
                        coordinator.KillByChaos();
                        coordinatorKills++;
                        (pending, nextEvent) = (null, nextEvent + 1);
                        nextAt = step * (nextEvent + 1) + step * (random.NextDouble() - 0.5);
                    }
                    else if (!killCoordinator && up.Length > 0)
                    {
                        var victim = up[random.Next(up.Length)];
                        Log($"SIGKILL worker {victim + 1} (pid {workers[victim].Process.Id})");
                        workers[victim].KillByChaos();
                        workerKills++;
                        (pending, nextEvent) = (null, nextEvent + 1);
                        nextAt = step * (nextEvent + 1) + step * (random.NextDouble() - 0.5);
                    }
                }
                Thread.Sleep(100);
            }
            if (!finished)
            {
                Log($"campaign {campaigns[^1]} did not finish within {FinishTimeout.TotalMinutes:F0} min after the chaos; coordinator:\n{Tail(coordinator!.Output, 60)}");
            }
        }
        finally
        {
            coordinator?.Kill();
            foreach (var worker in workers)
            {
                worker?.Kill();
            }
        }
        return Count(Path.Combine(data, "results.db"), campaigns, workerLogs) with
        {
            WorkerKills = workerKills, CoordinatorKills = coordinatorKills, WorkerRestarts = workerRestarts, Finished = finished, Elapsed = clock.Elapsed,
        };
    }

    /// <summary>The store's and the logs' figures; the chaos figures are left at 0 for the caller.</summary>
    private static Tally Count(string database, IReadOnlyList<string> campaigns, IEnumerable<StringBuilder> workerLogs)
    {
        var (planned, recorded, twice, notCompleted, lost) = (0, 0, 0, 0, 0);
        var store = new SqliteResultStore(database);
        foreach (var id in campaigns)
        {
            var plannedHere = store.FindCampaign(id)?.PlannedTrials ?? TrialsPerCampaign;
            var results = store.Results(id);
            var distinct = results.Select(r => r.TrialId).Distinct().Count();
            planned += plannedHere;
            recorded += results.Count;
            twice += results.Count - distinct;
            notCompleted += results.Count(r => r.Status != TrialStatus.Completed);
            lost += plannedHere - distinct;
        }
        var starts = new Dictionary<(string Campaign, string Trial), int>();
        foreach (var output in workerLogs)
        {
            string text;
            lock (output)
            {
                text = output.ToString();
            }
            foreach (Match m in Queued().Matches(text))
            {
                var key = (m.Groups[2].Value, m.Groups[1].Value);
                starts[key] = starts.GetValueOrDefault(key) + 1;
            }
        }
        return new Tally(campaigns.Count, planned, recorded, twice, notCompleted, starts.Values.Count(n => n > 1), lost, 0, 0, 0, false, TimeSpan.Zero);
    }

    /// <summary>A worker's verbose log line for each attempt it starts.</summary>
    [GeneratedRegex(@"Trial (t\d+) of campaign (\S+) attempt \d+ queued")]
    private static partial Regex Queued();

    private static string Tail(StringBuilder output, int lines)
    {
        lock (output)
        {
            return string.Join('\n', output.ToString().Split('\n').TakeLast(lines));
        }
    }

    /// <summary>One started clusterml process and its collected output.</summary>
    private sealed class Member(Process process, StringBuilder output)
    {
        private DateTime? _exitSeen;
        private bool _released;

        public Process Process { get; } = process;

        public StringBuilder Output { get; } = output;

        public bool KilledByChaos { get; private set; }

        /// <summary>Whether it runs (and is not being killed) and its output contains <paramref name="marker"/>.</summary>
        public bool IsUp(string marker)
        {
            if (KilledByChaos || Process.HasExited)
            {
                return false;
            }
            lock (Output)
            {
                return Output.ToString().Contains(marker, StringComparison.Ordinal);
            }
        }

        /// <summary>How long ago it was first seen to have exited; null while it runs.</summary>
        public TimeSpan? ExitedFor()
        {
            if (!Process.HasExited)
            {
                return null;
            }
            _exitSeen ??= DateTime.UtcNow;
            return DateTime.UtcNow - _exitSeen.Value;
        }

        public void KillByChaos()
        {
            KilledByChaos = true;
            Process.Kill(entireProcessTree: true);
        }

        /// <summary>SIGKILL if it still runs, then releases it.</summary>
        public void Kill()
        {
            if (_released)
            {
                return;
            }
            _released = true;
            try
            {
                if (!Process.HasExited)
                {
                    Process.Kill(entireProcessTree: true);
                    Process.WaitForExit(10_000);
                }
            }
            finally
            {
                Process.Dispose();
            }
        }
    }
}
