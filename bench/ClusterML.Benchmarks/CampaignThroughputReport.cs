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

    private static double Measure(IEngine engine, int trials, int slots, int maxConcurrent)
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
            Submit(campaigns, store, "warm", 20, maxConcurrent);
            Wait(campaigns, "warm");
            var clock = Stopwatch.StartNew();
            Submit(campaigns, store, "measured", trials, maxConcurrent);
            Wait(campaigns, "measured");
            var seconds = clock.Elapsed.TotalSeconds;
            if (store.Results("measured").Count != trials)
            {
                throw new InvalidOperationException("not every trial was recorded once");
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

    private static void Submit(IActorRef campaigns, IResultStore store, string id, int trials, int maxConcurrent)
    {
        store.SaveCampaign(new CampaignRecord(id, id, "noop", "", "", "running", trials, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), null));
        var plan = new CampaignSubmitted(id, id, "noop",
            [.. Enumerable.Range(0, trials).Select(i => new PlannedTrial($"t{i:D5}", i, new FdHeatTrialSpec(), i, ImmutableDictionary<string, string>.Empty))],
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
