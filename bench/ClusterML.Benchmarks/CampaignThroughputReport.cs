using System.Collections.Immutable;
using System.Diagnostics;
using Akka.Actor;
using Akka.Hosting;
using ClusterML.Cli.Hosting;
using ClusterML.Cluster.Hosting;
using ClusterML.Core.Engines;
using ClusterML.Core.Messages;
using ClusterML.Core.Results;
using ClusterML.Core.Specs;
using ClusterML.Engines.Exec;
using ClusterML.Engines.FiniteDifferences;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Serilog;

namespace ClusterML.Benchmarks;

/// <summary>
/// Campaign overhead through the full path (coordinator journal on SQLite, sharded trial entities, MessagePack, results
/// store) in one process: trials per second with an engine that returns at once, and the wall time of 100 trials of 1 s
/// on 2 slots against the ideal 50 s. Run with <c>dotnet run -c Release --project bench/ClusterML.Benchmarks -- campaign-throughput</c>.
/// </summary>
public static class CampaignThroughputReport
{
    /// <summary>
    /// The exec engine's overhead: <paramref name="trials"/> trials of <c>true</c> (a process started, waited for, its output
    /// kept as artifacts and sent to the aggregator) against the no-op engine on the same path in the same run.
    /// </summary>
    public static void RunExec(int trials)
    {
        Console.WriteLine("| case | trials | slots | wall s | trials/s | vs no-op engine | vs bare Process.Start |");
        Console.WriteLine("|---|---:|---:|---:|---:|---:|---:|");
        var noop = Measure(new NoOpEngine(TimeSpan.Zero), trials, 8, 64);
        // What this machine allows at all: `true` started and waited for by Process.Start on 2 threads, nothing else.
        var clock = Stopwatch.StartNew();
        Parallel.For(0, trials, new ParallelOptions { MaxDegreeOfParallelism = 2 }, _ =>
        {
            using var process = Process.Start(new ProcessStartInfo("true") { UseShellExecute = false })!;
            process.WaitForExit();
        });
        var bare = clock.Elapsed.TotalSeconds;
        Console.WriteLine($"| no-op engine (baseline) | {trials} | 8 | {noop:F2} | {trials / noop:F0} | 1.00 | – |");
        Console.WriteLine($"| bare Process.Start of `true`, 2 threads (baseline) | {trials} | – | {bare:F2} | {trials / bare:F0} | – | 1.00 |");
        foreach (var slots in new[] { 2, 8 })
        {
            var exec = Measure(new ExecEngine(), trials, slots, 64, new ExecTrialSpec(["true"]));
            Console.WriteLine($"| exec `true` | {trials} | {slots} | {exec:F2} | {trials / exec:F0} | {noop / exec:F2} | {bare / exec:F2} |");
        }
    }

    /// <summary>The exec engine alone (no cluster): runs of <c>true</c> per second, with and without an artifact folder.</summary>
    public static void RunExecEngineAlone(int runs)
    {
        var engine = new ExecEngine();
        foreach (var withFolder in new[] { false, true })
        {
            var root = Directory.CreateTempSubdirectory("clusterml-exec-").FullName;
            var clock = Stopwatch.StartNew();
            for (var i = 0; i < runs; i++)
            {
                var folder = withFolder ? Directory.CreateDirectory(Path.Combine(root, $"t{i}")).FullName : null;
                engine.Train(new ExecTrialSpec(["true"]), new RunContext(i, ArtifactDirectory: folder), CancellationToken.None);
            }
            Console.WriteLine($"| exec engine alone, artifact folder {withFolder} | {runs} | {clock.Elapsed.TotalMilliseconds / runs:F2} ms/run |");
            Directory.Delete(root, true);
        }
        var ballast = Enumerable.Range(0, 300).Select(_ => new byte[1 << 20]).ToArray(); // a cluster node's heap
        foreach (var parallel in new[] { 1, 2, 8 })
        {
            var clock = Stopwatch.StartNew();
            Parallel.For(0, runs, new ParallelOptions { MaxDegreeOfParallelism = parallel }, i =>
                engine.Train(new ExecTrialSpec(["true"]), new RunContext(i), CancellationToken.None));
            Console.WriteLine($"| exec engine alone, 300 MB heap, {parallel} at once | {runs} | {runs / clock.Elapsed.TotalSeconds:F0} runs/s |");
        }
        GC.KeepAlive(ballast);
    }

    public static void Run()
    {
        Console.WriteLine("| case | trials | slots | wall s | trials/s | vs ideal |");
        Console.WriteLine("|---|---:|---:|---:|---:|---:|");
        foreach (var (trials, slots, concurrency) in new[] { (500, 8, 64), (2000, 8, 64) })
        {
            var seconds = Measure(new NoOpEngine(TimeSpan.Zero), trials, slots, concurrency);
            Console.WriteLine($"| no-op engine | {trials} | {slots} | {seconds:F2} | {trials / seconds:F0} | – |");
        }
        var sleepy = Measure(new NoOpEngine(TimeSpan.FromSeconds(1)), 100, 2, 0);
        Console.WriteLine($"| 1 s engine | 100 | 2 | {sleepy:F2} | {100 / sleepy:F2} | {(sleepy / 50 - 1) * 100:+0.0;-0.0} % |");
    }

    private static double Measure(IEngine engine, int trials, int slots, int maxConcurrent, ITrialSpec? spec = null)
    {
        var folder = Directory.CreateTempSubdirectory("clusterml-throughput-").FullName;
        try
        {
            var options = new ClusterHostOptions(ClusterHostOptions.AllRoles, "127.0.0.1", 0, [], slots, folder, null);
            using var log = new LoggerConfiguration().MinimumLevel.Warning().WriteTo.Console().CreateLogger();
            var (host, store) = ClusterHost.Build(options, log, [engine]);
            using var disposeHost = host;
            host.Start();
            var campaigns = host.Services.GetRequiredService<ActorRegistry>().GetAsync<CampaignRegion>().GetAwaiter().GetResult();
            // Warm-up campaign: JIT, shard allocation, table creation.
            Submit(campaigns, store, "warm", 20, maxConcurrent, spec);
            Wait(campaigns, "warm");
            var clock = Stopwatch.StartNew();
            Submit(campaigns, store, "measured", trials, maxConcurrent, spec);
            Wait(campaigns, "measured");
            var seconds = clock.Elapsed.TotalSeconds;
            var results = store.Results("measured");
            if (results.Count != trials || results.Any(r => r.Status != TrialStatus.Completed))
            {
                throw new InvalidOperationException($"not every trial completed and was recorded once: {results.FirstOrDefault(r => r.Error is not null)?.Error}");
            }
            host.StopAsync().GetAwaiter().GetResult();
            return seconds;
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            Directory.Delete(folder, recursive: true);
        }
    }

    private static void Submit(IActorRef campaigns, IResultStore store, string id, int trials, int maxConcurrent, ITrialSpec? spec)
    {
        store.SaveCampaign(new CampaignRecord(id, id, "noop", "", "", "running", trials, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), null));
        var plan = new CampaignSubmitted(id, id, "noop",
            [.. Enumerable.Range(0, trials).Select(i => new PlannedTrial($"t{i:D5}", i, spec ?? new FdHeatTrialSpec(), i, ImmutableDictionary<string, string>.Empty))],
            maxConcurrent, 0, "cpu", null, null, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
        campaigns.Ask<CampaignStatus>(plan, TimeSpan.FromSeconds(60)).GetAwaiter().GetResult();
    }

    private static void Wait(IActorRef campaigns, string id)
    {
        // Settled: over, and the aggregator has stored every result and the final status.
        while (!campaigns.Ask<CampaignStatus>(new GetCampaignStatus(id), TimeSpan.FromSeconds(60)).GetAwaiter().GetResult().IsSettled)
        {
            Thread.Sleep(20);
        }
    }

    private sealed class NoOpEngine(TimeSpan duration) : Engine<FdHeatTrialSpec>
    {
        protected override TrainingOutcome Train(FdHeatTrialSpec spec, RunContext context, CancellationToken cancellationToken)
        {
            if (duration > TimeSpan.Zero)
            {
                Task.Delay(duration, cancellationToken).GetAwaiter().GetResult();
            }
            return new TrainingOutcome(0, [0], []);
        }
    }
}
