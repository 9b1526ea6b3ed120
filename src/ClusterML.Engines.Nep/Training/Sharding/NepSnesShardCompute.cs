using ClusterML.Core.Engines;
using ClusterML.Engines.Nep.Model;
using ClusterML.Engines.Nep.Structures;

namespace ClusterML.Engines.Nep.Training.Sharding;

/// <summary>
/// A logical shard of a SNES fit: its frames of every batch with their neighbour lists, evaluated in double precision. For a
/// batch and a whole population (the individuals' parameter vectors one after another) it returns every individual's
/// <see cref="NepSnesTrainer.Sums"/> over its frames, one after another. SNES needs no gradient: there is no backward pass.
/// </summary>
public sealed class NepSnesShardCompute : IShardCompute
{
    /// <summary>The shard kind of SNES fits.</summary>
    public const string Kind = "nep-snes";

    private readonly NepModel _template;
    private readonly Dictionary<int, (IReadOnlyList<NepFrame> Frames, IReadOnlyList<NeighborList> Lists)> _batches = [];

    public NepSnesShardCompute(NepModel template, IEnumerable<(int Batch, NepFrame Frame)> frames)
    {
        _template = template;
        foreach (var group in frames.GroupBy(x => x.Batch))
        {
            IReadOnlyList<NepFrame> list = [.. group.Select(x => x.Frame)];
            _batches[group.Key] = (list, [.. list.Select(f => NeighborList.Build(f.Structure, template.MaxRadialCutoff))]);
        }
        Frames = _batches.Values.Sum(b => b.Frames.Count);
        Bytes = _batches.Values.Sum(b => b.Frames.Sum(f => (long)f.Atoms * 8 * 7));
    }

    public int Frames { get; }

    public long Bytes { get; }

    public double[] Forward(int batch, double[] parameters)
    {
        var n = _template.ParameterCount;
        if (parameters.Length % n != 0)
        {
            throw new ArgumentException($"{parameters.Length} values are not whole individuals of {n} parameters", nameof(parameters));
        }
        var population = parameters.Length / n;
        var per = (_template.SpeciesCount + 1) * NepSnesTrainer.SumsPerGroup;
        var result = new double[population * per];
        if (!_batches.TryGetValue(batch, out var data))
        {
            return result;
        }
        for (var p = 0; p < population; p++)
        {
            var sums = NepSnesTrainer.Sums(_template, parameters.AsSpan(p * n, n).ToArray(), data.Frames, data.Lists);
            Array.Copy(sums, 0, result, p * per, per);
        }
        return result;
    }

    public double[] Backward(double[] coefficients) => throw new NotSupportedException("SNES shards have no backward pass");

    public void Dispose()
    {
    }
}

/// <summary>Hosts SNES shards on a worker: reads the shard's frames and builds their neighbour lists.</summary>
public sealed class NepSnesShardObjective : IShardObjective
{
    public string Kind => NepSnesShardCompute.Kind;

    public IShardCompute Load(ShardData data)
    {
        var (template, frames) = NepShardObjective.Frames(data);
        return new NepSnesShardCompute(template, frames);
    }
}
