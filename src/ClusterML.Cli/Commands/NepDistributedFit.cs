using System.Diagnostics;
using Akka.Actor;
using Akka.Hosting;
using ClusterML.Cli.Hosting;
using ClusterML.Cluster.Fits;
using ClusterML.Cluster.Hosting;
using ClusterML.Core.Engines;
using ClusterML.Core.Files;
using ClusterML.Core.Results;
using ClusterML.Engines.Nep.Model;
using ClusterML.Engines.Nep.Training;
using ClusterML.Engines.Nep.Training.Sharding;
using Microsoft.Extensions.DependencyInjection;

namespace ClusterML.Cli.Commands;

/// <summary>
/// <c>nep train --distributed</c>: this process joins (or forms) the cluster, writes each logical shard's frames as a blob of
/// its own, has the fit shard region load them on the workers (each fetches only the shards it holds), and drives the fit from
/// here: the same <see cref="NepAdamTrainer"/> (or <see cref="NepSnesTrainer"/>) as the one-process fit, with the shards' sums
/// arriving as messages. The fit's record (<see cref="NepFitWriter"/>) gets the shard placement once the group opens and
/// each epoch's worker statistics.
/// </summary>
internal static class NepDistributedFit
{
    public static async Task<NepTrainingRun> RunAsync(CommandContext context, ClusterHostOptions options, int minWorkers, NepTrainingSettings settings,
        NepModel initial, IReadOnlyList<NepFrame> train, IReadOnlyList<NepFrame>? test, int seed, NepCheckpoint checkpoint, bool restart,
        IProgress<NepEpoch> progress, NepFitWriter record, CancellationToken cancellationToken)
    {
        var log = context.Log;
        using var journal = JournalLock.AcquireFor(options, $"nep train --distributed, fit {record.Id}");
        var blobs = new BlobStore(ClusterHostOptions.BlobsPathIn(options.DataDir), options.BlobCacheBytes);
        var (host, _) = ClusterHost.Build(options, log, blobs: blobs);
        await host.StartAsync(cancellationToken);
        IOpenShardGroup? group = null;
        try
        {
            if (!await ClusterHost.JoinedAsync(host, options, TimeSpan.FromSeconds(30), log, cancellationToken)
                || !await ClusterHost.WorkersAsync(host, minWorkers, TimeSpan.FromMinutes(10), log, cancellationToken))
            {
                throw new InvalidOperationException("the cluster has no workers for the fit");
            }
            var system = host.Services.GetRequiredService<ActorSystem>();
            var region = await host.Services.GetRequiredService<ActorRegistry>().GetAsync<FitShardRegion>(cancellationToken);
            await RegionsAsync(region, minWorkers, log, cancellationToken);
            var steps = 1;
            var lastSeconds = 0.0;
            var reporter = new Progress(epoch =>
            {
                progress.Report(epoch);
                if (group is not null)
                {
                    var workers = group.TakeStats();
                    // Per step: the epoch's wall time, the busier worker's compute (shard-seconds: with several slots a worker
                    // computes shards side by side), and the rest (messages, reduction, Adam, waiting at the two barriers).
                    var step = (epoch.Seconds - lastSeconds) / steps;
                    var busiest = workers.Count > 0 ? workers.Max(w => w.ComputeSeconds) / steps : 0;
                    lastSeconds = epoch.Seconds;
                    record.WorkerSteps([.. workers.Select(w => new NepFitWorkerStep(epoch.Epoch, w.Node, w.Answers, w.ComputeSeconds, w.MaxShardSeconds, step))]);
                    // With one slot per worker the rest is what messages, reduction and barriers cost; with several, shards overlap.
                    var split = busiest <= step
                        ? $"busiest worker {busiest:F3} s compute + {step - busiest:F3} s messages, reduction and waits"
                        : $"busiest worker {busiest:F3} shard-seconds over its slots";
                    log.Information("epoch {Epoch}: loss {Loss:E3}, RMSE E {E:F3} meV/atom, F {F:F2} meV/Å; step {Step:F3} s = {Split}; {Workers}{Lost}",
                        epoch.Epoch, epoch.Total, epoch.EnergyTrain * 1000, epoch.ForceTrain * 1000, step, split,
                        string.Join("; ", workers.Select(w => $"{w.Node}: {w.Answers} shard answers, {w.ComputeSeconds:F2} s compute (slowest shard {w.MaxShardSeconds * 1000:F0} ms)")),
                        group.LostSteps > 0 ? $"; {group.LostSteps} shard answers lost so far (steps recomputed)" : "");
                }
            });
            var clock = Stopwatch.StartNew();
            var cluster = new NepClusterRun(new ClusterShardGroups(system, region, blobs), Path.Combine(options.DataDir, "fits"), (opened, plan) =>
            {
                group = opened;
                record.Placement([.. opened.Homes.Select(h => new NepFitShard(h.Node, h.Shard, h.Frames, h.Bytes))]);
                steps = settings.Optimizer == "snes" ? 1 : plan.Batches.Count; // a SNES generation is one batch
                lastSeconds = clock.Elapsed.TotalSeconds;
                log.Information("{Frames} frames in {Batches} batches cut into {Shards} shards ({MinAtoms}–{MaxAtoms} atoms each), loaded in {Seconds:F1} s",
                    train.Count, plan.Batches.Count, plan.Shards, plan.ShardAtoms.Min(), plan.ShardAtoms.Max(), clock.Elapsed.TotalSeconds);
                foreach (var node in opened.Homes.GroupBy(h => h.Node).OrderBy(g => g.Key, StringComparer.Ordinal))
                {
                    log.Information("Worker {Node} holds {Count} shards ({Shards}): {Frames} frames, {Bytes} resident", node.Key, node.Count(),
                        Ranges(node.Select(h => h.Shard)), node.Sum(h => h.Frames), Bytes.Show(node.Sum(h => h.Bytes)));
                }
            });
            return settings.Optimizer == "snes"
                ? await NepSnesTrainer.TrainAsync(settings, initial, train, test, seed, cluster, checkpoint, restart, reporter, cancellationToken)
                : await NepAdamTrainer.TrainAsync(settings, initial, train, test, seed, cluster, checkpoint, restart, reporter, cancellationToken);
        }
        finally
        {
            await host.StopAsync(CancellationToken.None);
            host.Dispose();
        }
    }

    /// <summary>
    /// Waits until the shard coordinator knows the fit shard regions of <paramref name="count"/> workers: a worker that is up
    /// but whose region has not registered yet would get no shards (they would all go to the workers registered first).
    /// </summary>
    private static async Task RegionsAsync(IActorRef region, int count, Serilog.ILogger log, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var regions = await region.Ask<Akka.Cluster.Sharding.CurrentRegions>(Akka.Cluster.Sharding.GetCurrentRegions.Instance, TimeSpan.FromSeconds(10), cancellationToken);
            if (regions.Regions.Count >= count)
            {
                return;
            }
            if (clock.Elapsed > TimeSpan.FromSeconds(60))
            {
                log.Warning("Only {Regions} of {Count} workers registered their fit shards after 60 s; starting with those", regions.Regions.Count, count);
                return;
            }
            await Task.Delay(200, cancellationToken);
        }
    }

    /// <summary>0-3,8,10-12.</summary>
    internal static string Ranges(IEnumerable<int> values)
    {
        var sorted = values.Order().ToArray();
        var parts = new List<string>();
        for (var i = 0; i < sorted.Length;)
        {
            var j = i;
            while (j + 1 < sorted.Length && sorted[j + 1] == sorted[j] + 1)
            {
                j++;
            }
            parts.Add(j == i ? $"{sorted[i]}" : $"{sorted[i]}-{sorted[j]}");
            i = j + 1;
        }
        return string.Join(",", parts);
    }

    private sealed class Progress(Action<NepEpoch> report) : IProgress<NepEpoch>
    {
        public void Report(NepEpoch value) => report(value);
    }
}
