namespace ClusterML.Engines.Active;

/// <summary>
/// Picks one round's batch from the best-scored candidates so that it is not ten copies of one point. Distances are
/// Euclidean in the surrogate's standardised input space (log10 first for log columns). With scores s normalised to
/// s̃ ∈ [ε, 1] over the shortlist and D(c) the distance from c to the nearest candidate picked so far:
/// <list type="bullet">
/// <item><c>maximin</c> (default): the best-scored candidate first, then greedily the one maximising s̃·D² (a weighted
/// farthest-point rule: far from the picks, still worth a call);</item>
/// <item><c>kmeans++</c>: the same weights s̃·D², sampled instead of maximised (k-means++ seeding, seeded);</item>
/// <item><c>none</c>: the top scores.</item>
/// </list>
/// Pure (the seed decides the k-means++ draws).
/// </summary>
public static class BatchSelection
{
    private const double Floor = 1e-3;

    /// <returns>Positions in <paramref name="scores"/> of the picks, in the order picked.</returns>
    public static int[] Pick(IReadOnlyList<double[]> points, IReadOnlyList<double> scores, int count, string diversity, int seed)
    {
        ArgumentNullException.ThrowIfNull(points);
        ArgumentNullException.ThrowIfNull(scores);
        count = Math.Min(count, scores.Count);
        var byScore = Enumerable.Range(0, scores.Count).OrderByDescending(i => scores[i]).ThenBy(i => i).ToArray();
        if (count <= 0)
        {
            return [];
        }
        if (diversity == "none")
        {
            return byScore[..count];
        }
        var (low, high) = (scores.Min(), scores.Max());
        var weight = scores.Select(s => high > low ? Floor + ((1 - Floor) * (s - low) / (high - low)) : 1.0).ToArray();
        var nearest = Enumerable.Repeat(double.PositiveInfinity, scores.Count).ToArray();
        var taken = new bool[scores.Count];
        var picks = new List<int>(count) { byScore[0] };
        var random = new Random(seed);
        while (true)
        {
            var last = picks[^1];
            taken[last] = true;
            for (var i = 0; i < nearest.Length; i++)
            {
                nearest[i] = Math.Min(nearest[i], SquaredDistance(points[i], points[last]));
            }
            if (picks.Count == count)
            {
                return [.. picks];
            }
            var next = diversity == "kmeans++" ? Sample(weight, nearest, taken, random) : Best(weight, nearest, taken);
            picks.Add(next);
        }
    }

    private static int Best(double[] weight, double[] nearest, bool[] taken)
    {
        var (best, value) = (-1, double.NegativeInfinity);
        for (var i = 0; i < weight.Length; i++)
        {
            var v = weight[i] * nearest[i];
            if (!taken[i] && v > value)
            {
                (best, value) = (i, v);
            }
        }
        return best;
    }

    private static int Sample(double[] weight, double[] nearest, bool[] taken, Random random)
    {
        var total = 0.0;
        for (var i = 0; i < weight.Length; i++)
        {
            total += taken[i] ? 0 : weight[i] * nearest[i];
        }
        if (!(total > 0))
        {
            return Best(weight, nearest, taken); // every candidate left coincides with a pick
        }
        var u = random.NextDouble() * total;
        var last = -1;
        for (var i = 0; i < weight.Length; i++)
        {
            if (taken[i])
            {
                continue;
            }
            last = i;
            u -= weight[i] * nearest[i];
            if (u <= 0)
            {
                return i;
            }
        }
        return last;
    }

    public static double SquaredDistance(double[] a, double[] b)
    {
        var sum = 0.0;
        for (var c = 0; c < a.Length; c++)
        {
            sum += (a[c] - b[c]) * (a[c] - b[c]);
        }
        return sum;
    }
}
