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
    private readonly float[] _trainingFlat;
    private readonly IReadOnlyList<ColumnTransform> _inputs;

    public DomainGuard(IReadOnlyList<ColumnTransform> inputs, double[][] trainingStandardised, int neighbors, double? threshold = null)
    {
        _inputs = inputs;
        _training = trainingStandardised;
        _trainingFlat = MemberTrainer.Flatten(trainingStandardised); // once, not on every prediction
        Neighbors = Math.Min(neighbors, Math.Max(1, trainingStandardised.Length - 1));
        Threshold = threshold ?? Statistics.Quantile(MeanNeighborDistance(trainingStandardised, leaveSelfOut: true), 0.95);
    }

    public int Neighbors { get; }

    /// <summary>The distance above which a point counts as out of domain (standardised units).</summary>
    public double Threshold { get; }

    /// <summary>True per row when the row is out of domain. <paramref name="raw"/> in raw units; <paramref name="standardised"/> the same rows transformed, row-major.</summary>
    public bool[] Check(double[][] raw, float[] standardised)
    {
        var distance = MeanNeighborDistance(standardised, raw.Length, leaveSelfOut: false);
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

    /// <summary>True per row when the row is out of domain (rows given as arrays).</summary>
    public bool[] Check(double[][] raw, double[][] standardised) => Check(raw, MemberTrainer.Flatten(standardised));

    /// <summary>Mean distance from each row to its k nearest training points.</summary>
    public double[] MeanNeighborDistance(double[][] rows, bool leaveSelfOut) => MeanNeighborDistance(MemberTrainer.Flatten(rows), rows.Length, leaveSelfOut);

    /// <summary>Mean distance from each of <paramref name="count"/> row-major rows to its k nearest training points (torch.cdist in chunks).</summary>
    private double[] MeanNeighborDistance(float[] rows, int count, bool leaveSelfOut)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var columns = _inputs.Count;
        var training = tensor(_trainingFlat, [_training.Length, columns], dtype: float32);
        var all = tensor(rows, [count, columns], dtype: float32);
        var k = Math.Min(Neighbors + (leaveSelfOut ? 1 : 0), _training.Length);
        var result = new double[count];
        for (var start = 0; start < count; start += Chunk)
        {
            using var chunkScope = NewDisposeScope();
            var query = all.narrow(0, start, Math.Min(Chunk, count - start));
            var (nearest, _) = cdist(query, training).topk(k, dim: 1, largest: false);
            var kept = leaveSelfOut ? nearest.narrow(1, 1, nearest.shape[1] - 1) : nearest;
            var mean = kept.mean([1]).data<float>();
            for (var i = 0; i < mean.Count; i++)
            {
                result[start + i] = mean[i];
            }
        }
        return result;
    }
}
