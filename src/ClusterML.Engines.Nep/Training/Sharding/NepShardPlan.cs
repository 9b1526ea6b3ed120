using ClusterML.Core.Engines;

namespace ClusterML.Engines.Nep.Training.Sharding;

/// <summary>
/// How one fit's training frames are cut: GPUMD's fixed, energy-stratified mini-batches, and within every batch its frames
/// dealt to a fixed number of logical shards balanced by atom count. Decided by the data and the seed alone, never by the
/// number of workers, so a fit gives the same bits on one process or many: each shard returns one partial per step and the
/// partials are added in shard order.
/// </summary>
public sealed class NepShardPlan
{
    private readonly int[][] _shardsOfBatch;

    private NepShardPlan(IReadOnlyList<IReadOnlyList<NepFrame>> batches, int shards, IReadOnlyList<NepFrame>[][] parts)
    {
        Batches = batches;
        Shards = shards;
        Parts = parts;
        _shardsOfBatch = [.. parts.Select(byShard => Enumerable.Range(0, shards).Where(s => byShard[s].Count > 0).ToArray())];
        ShardAtoms = [.. Enumerable.Range(0, shards).Select(s => parts.Sum(byShard => (long)byShard[s].Sum(f => f.Atoms)))];
    }

    /// <summary>Default number of logical shards (the most workers a fit can use; more shards than workers keep the load even).</summary>
    public const int DefaultShards = 64;

    /// <summary>The mini-batches (frames of each, as GPUMD stratifies them).</summary>
    public IReadOnlyList<IReadOnlyList<NepFrame>> Batches { get; }

    /// <summary>The number of logical shards (at most the number of frames).</summary>
    public int Shards { get; }

    /// <summary>Parts[batch][shard]: the frames of a batch that a shard computes (possibly none).</summary>
    public IReadOnlyList<NepFrame>[][] Parts { get; }

    /// <summary>Atoms each shard holds over all batches.</summary>
    public long[] ShardAtoms { get; }

    /// <summary>The shards that hold frames of a batch, in ascending order (the order partials are added in).</summary>
    public IReadOnlyList<int> ShardsOf(int batch) => _shardsOfBatch[batch];

    /// <summary>A shard's frames in (batch, position) order with the batch of each.</summary>
    public IReadOnlyList<(int Batch, NepFrame Frame)> FramesOf(int shard) =>
        [.. Parts.SelectMany((byShard, b) => byShard[shard].Select(f => (b, f)))];

    public static NepShardPlan Create(IReadOnlyList<NepFrame> frames, int batchSize, int shards, int seed)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(shards, 1);
        var batches = NepAdamTrainer.Stratified(frames, batchSize);
        shards = Math.Min(shards, frames.Count);
        // Ties (equal loads) are broken by a seeded order of the shards, so which shard gets which frame is the seed's choice.
        var rank = Enumerable.Range(0, shards).ToArray();
        new Random(Seeds.Derive(seed, 11)).Shuffle(rank);
        var total = new long[shards];
        var parts = new IReadOnlyList<NepFrame>[batches.Count][];
        for (var b = 0; b < batches.Count; b++)
        {
            var lists = Enumerable.Range(0, shards).Select(_ => new List<(int Position, NepFrame Frame)>()).ToArray();
            var load = new long[shards];
            // Largest frames first onto the least loaded shard: a greedy balance of atoms within the batch and overall.
            foreach (var (frame, position) in batches[b].Select((f, i) => (f, i)).OrderByDescending(x => x.f.Atoms).ThenBy(x => x.i))
            {
                var best = 0;
                for (var s = 1; s < shards; s++)
                {
                    if ((load[s], total[s], rank[s]).CompareTo((load[best], total[best], rank[best])) < 0)
                    {
                        best = s;
                    }
                }
                lists[best].Add((position, frame));
                load[best] += frame.Atoms;
                total[best] += frame.Atoms;
            }
            parts[b] = [.. lists.Select(l => (IReadOnlyList<NepFrame>)[.. l.OrderBy(x => x.Position).Select(x => x.Frame)])];
        }
        return new NepShardPlan(batches, shards, parts);
    }
}
