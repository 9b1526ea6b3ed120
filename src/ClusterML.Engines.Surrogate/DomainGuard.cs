using TorchSharp;
using static TorchSharp.torch;

namespace ClusterML.Engines.Surrogate;

/// <summary>
/// Flags inputs the model has not learned about: any value outside its training range, or a point whose mean distance to
/// its <see cref="Neighbors"/> nearest training points (in standardised model space) exceeds <see cref="Threshold"/>, the
/// 95th percentile of the same distance among the training points themselves (each leaving itself out).
/// </summary>
public sealed class DomainGuard
{
    private const int Chunk = 4096;
    private readonly double[][] _training;
    private readonly IReadOnlyList<ColumnTransform> _inputs;

    public DomainGuard(IReadOnlyList<ColumnTransform> inputs, double[][] trainingStandardised, int neighbors, double? threshold = null)
    {
        _inputs = inputs;
        _training = trainingStandardised;
        Neighbors = Math.Min(neighbors, Math.Max(1, trainingStandardised.Length - 1));
        Threshold = threshold ?? Statistics.Quantile(MeanNeighborDistance(trainingStandardised, leaveSelfOut: true), 0.95);
    }

    public int Neighbors { get; }

    /// <summary>The distance above which a point counts as out of domain (standardised units).</summary>
    public double Threshold { get; }

    /// <summary>True per row when the row is out of domain. <paramref name="raw"/> in raw units; <paramref name="standardised"/> the same rows transformed.</summary>
    public bool[] Check(double[][] raw, double[][] standardised)
    {
        var distance = MeanNeighborDistance(standardised, leaveSelfOut: false);
        var flags = new bool[raw.Length];
        for (var r = 0; r < raw.Length; r++)
        {
            var outside = false;
            for (var c = 0; c < _inputs.Count && !outside; c++)
            {
                outside = raw[r][c] < _inputs[c].Min || raw[r][c] > _inputs[c].Max;
            }
            flags[r] = outside || distance[r] > Threshold;
        }
        return flags;
    }

    /// <summary>Mean distance from each row to its k nearest training points (torch.cdist in chunks).</summary>
    public double[] MeanNeighborDistance(double[][] rows, bool leaveSelfOut)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var training = MemberTrainer.ToTensor(_training, CPU).to(float64);
        var k = Neighbors + (leaveSelfOut ? 1 : 0);
        var result = new double[rows.Length];
        for (var start = 0; start < rows.Length; start += Chunk)
        {
            using var chunkScope = NewDisposeScope();
            var part = rows.Skip(start).Take(Chunk).ToArray();
            var query = MemberTrainer.ToTensor(part, CPU).to(float64);
            var distances = cdist(query, training);
            var (nearest, _) = distances.topk(Math.Min(k, _training.Length), dim: 1, largest: false);
            var kept = leaveSelfOut ? nearest.narrow(1, 1, nearest.shape[1] - 1) : nearest;
            var mean = kept.mean([1]).data<double>().ToArray();
            Array.Copy(mean, 0, result, start, mean.Length);
        }
        return result;
    }
}
