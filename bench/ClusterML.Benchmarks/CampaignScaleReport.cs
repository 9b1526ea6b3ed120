using System.Diagnostics;
using Akka.Actor;
using Akka.Hosting;
using ClusterML.Cli.Hosting;
using ClusterML.Cluster.Hosting;
using ClusterML.Core.Campaigns;
using ClusterML.Core.Coordination;
using ClusterML.Core.Engines;
using ClusterML.Core.Messages;
using ClusterML.Core.Results;
using ClusterML.Core.Specs;
using ClusterML.Engines.FiniteDifferences;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Serilog;

namespace ClusterML.Benchmarks;

/// <summary>
/// A campaign of many instant trials in one process, through the whole path (compact plan, coordinator journaling to SQLite
/// with snapshots, sharded trial entities, the aggregator's batched writes): trials per second over each tenth of the
/// campaign (no decay between the first and the last), and the process's peak memory. Run with
/// <c>dotnet run -c Release --project bench/ClusterML.Benchmarks -- campaign-scale [trials] [max_concurrent]</c>.
/// </summary>
public static class CampaignScaleReport
{
    public static void Run(string[] args)
    {
        var trials = args.Length > 0 ? int.Parse(args[0], System.Globalization.CultureInfo.InvariantCulture) : 100_000;
        var concurrent = args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 64;
        var folder = Directory.CreateTempSubdirectory("clusterml-scale-").FullName;
        try
        {
            var options = new ClusterHostOptions(ClusterHostOptions.AllRoles, "127.0.0.1", 0, [], Environment.ProcessorCount * 4, folder, null);
            using var log = new LoggerConfiguration().MinimumLevel.Warning().WriteTo.Console().CreateLogger();
            var (host, store) = ClusterHost.Build(options, log, [new InstantEngine()]);
            using var disposeHost = host;
            host.Start();
            var campaigns = host.Services.GetRequiredService<ActorRegistry>().GetAsync<CampaignRegion>().GetAwaiter().GetResult();
            Submit(campaigns, store, folder, "warm", 200, concurrent);
            Follow(campaigns, "warm", 200);
            var baseline = Process.GetCurrentProcess().WorkingSet64;
            var cpu = Process.GetCurrentProcess().TotalProcessorTime;
            var jitted = System.Runtime.JitInfo.GetCompiledMethodCount();
            using var jit = Environment.GetEnvironmentVariable("CLUSTERML_COUNT_JIT") is "1" ? new JitCounter() : null;
            if (jit is not null)
            {
                jit.Counting = true;
            }
            var gcs = GC.CollectionCount(0);
            var clock = Stopwatch.StartNew();
            Submit(campaigns, store, folder, "measured", trials, concurrent);
            var submitted = clock.Elapsed.TotalSeconds;
            var marks = Follow(campaigns, "measured", trials);
            var total = clock.Elapsed.TotalSeconds;
            if (jit is not null)
            {
                jit.Counting = false;
                foreach (var (method, count) in jit.Counts.OrderByDescending(c => c.Value).Take(15))
                {
                    Console.WriteLine($"jit {count} × {method}");
                }
            }
            var peak = Process.GetCurrentProcess().PeakWorkingSet64;
            var standing = store.Standing("measured", 0);
            var recorded = standing.Completed + standing.Failed + standing.Stopped;
            var cpuPerTrial = (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalMilliseconds * 1000 / trials;
            Console.WriteLine($"campaign of {trials} instant trials, max_concurrent {concurrent}, one process: submitted in {submitted:F2} s, settled in {total:F1} s, {recorded} results stored");
            Console.WriteLine("| tenth | trials/s |");
            Console.WriteLine("|---:|---:|");
            for (var k = 0; k < 10; k++)
            {
                var (t0, t1) = (k == 0 ? 0 : marks[k - 1], marks[k]);
                Console.WriteLine($"| {k + 1} | {trials / 10.0 / (t1 - t0):F0} |");
            }
            Console.WriteLine($"overall {trials / total:F0} trials/s; last tenth / first tenth = {(marks[0]) / (marks[9] - marks[8]):F2}; peak working set {peak / 1048576.0:F0} MB (after warm-up {baseline / 1048576.0:F0} MB, managed heap at most {ManagedPeak / 1048576.0:F0} MB); CPU {cpuPerTrial:F0} µs per trial on {Environment.ProcessorCount} cores; {System.Runtime.JitInfo.GetCompiledMethodCount() - jitted} methods compiled, {GC.CollectionCount(0) - gcs} gen-0 GCs during the campaign");
            if (recorded != trials)
            {
                throw new InvalidOperationException($"{recorded} of {trials} results stored");
            }
            host.StopAsync().GetAwaiter().GetResult();
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            Directory.Delete(folder, recursive: true);
        }
    }

    private static void Submit(IActorRef campaigns, IResultStore store, string folder, string id, int trials, int concurrent)
    {
        var path = Path.Combine(folder, $"{id}.yaml");
        var yaml = $"""
            name: {id}
            engine: fd
            seed: 3
            base: {"{"} t_end: 0.01 {"}"}
            space:
              nx: {"{"} type: int, low: 5, high: 50 {"}"}
            search: {"{"} kind: random {"}"}
            budget: {"{"} max_trials: {trials}, max_concurrent: {concurrent} {"}"}
            """;
        File.WriteAllText(path, yaml);
        var spec = CampaignSpecReader.Parse(yaml, path);
        var plan = CampaignPlanner.Compact(CampaignPlanner.Plan(spec, id, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()), yaml, path, new Dictionary<string, ClusterML.Core.Files.BlobRef>());
        store.SaveCampaign(new CampaignRecord(id, id, "fd", path, yaml, "running", trials, plan.SubmittedAtMs, null));
        campaigns.Ask<CampaignStatus>(plan, TimeSpan.FromSeconds(120)).GetAwaiter().GetResult();
    }

    /// <summary>Polls until settled; returns the time (s from the first poll) at which each tenth of the trials was finished.</summary>
    private static double[] Follow(IActorRef campaigns, string id, int trials)
    {
        var marks = new double[10];
        var next = 0;
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var status = campaigns.Ask<CampaignStatus>(new GetCampaignStatus(id), TimeSpan.FromSeconds(60)).GetAwaiter().GetResult();
            while (next < 10 && status.Finished >= (long)trials * (next + 1) / 10)
            {
                marks[next++] = clock.Elapsed.TotalSeconds;
            }
            if (status.IsSettled)
            {
                for (; next < 10; next++)
                {
                    marks[next] = clock.Elapsed.TotalSeconds;
                }
                return marks;
            }
            ManagedPeak = Math.Max(ManagedPeak, GC.GetTotalMemory(false));
            Thread.Sleep(50);
        }
    }

    /// <summary>The largest managed heap seen while following (to tell the managed share of the peak from the native).</summary>
    private static long ManagedPeak;

    /// <summary>A trial that returns at once (the campaign machinery is what is measured).</summary>
    private sealed class InstantEngine : Engine<FdHeatTrialSpec>
    {
        protected override TrainingOutcome Train(FdHeatTrialSpec spec, RunContext context, CancellationToken cancellationToken) =>
            new(1.0 / spec.Nx, [1.0 / spec.Nx], []);
    }
}
