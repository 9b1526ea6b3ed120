namespace ClusterML.Core.Campaigns;

/// <summary>
/// Pareto dominance on objective vectors where every coordinate is "lower is better" (<see cref="TrialScore.Values"/>):
/// non-dominated sorting, hypervolume, each point's exclusive hypervolume contribution and greedy hypervolume subset
/// selection. Pure, deterministic and thread-safe. Sorting is O(n log n) for two objectives and O(n²·m) for more; the
/// hypervolume is exact by slicing, O(n^(m−1)·log n), meant for the few hundred points of a front or a rank.
/// </summary>
public static class ParetoFront
{
    /// <summary>Whether <paramref name="a"/> dominates <paramref name="b"/>: no worse in every coordinate and better in one.</summary>
    public static bool Dominates(IReadOnlyList<double> a, IReadOnlyList<double> b)
    {
        var better = false;
        for (var k = 0; k < a.Count; k++)
        {
            if (a[k] > b[k])
            {
                return false;
            }
            better |= a[k] < b[k];
        }
        return better;
    }

    /// <summary>
    /// Non-domination rank of each point: 0 for the points no other dominates (the front), 1 for those only rank-0 points
    /// dominate, and so on. Equal points share a rank.
    /// </summary>
    public static int[] Ranks(IReadOnlyList<IReadOnlyList<double>> points)
    {
        ArgumentNullException.ThrowIfNull(points);
        if (points.Count > 0 && points[0].Count == 2)
        {
            return Ranks2(points);
        }
        var n = points.Count;
        var dominatedBy = new int[n];
        var dominates = new List<int>[n];
        for (var i = 0; i < n; i++)
        {
            dominates[i] = [];
        }
        for (var i = 0; i < n; i++)
        {
            for (var j = i + 1; j < n; j++)
            {
                if (Dominates(points[i], points[j]))
                {
                    dominates[i].Add(j);
                    dominatedBy[j]++;
                }
                else if (Dominates(points[j], points[i]))
                {
                    dominates[j].Add(i);
                    dominatedBy[i]++;
                }
            }
        }
        var ranks = new int[n];
        var current = Enumerable.Range(0, n).Where(i => dominatedBy[i] == 0).ToList();
        for (var rank = 0; current.Count > 0; rank++)
        {
            var next = new List<int>();
            foreach (var i in current)
            {
                ranks[i] = rank;
                foreach (var j in dominates[i])
                {
                    if (--dominatedBy[j] == 0)
                    {
                        next.Add(j);
                    }
                }
            }
            current = next;
        }
        return ranks;
    }

    /// <summary>
    /// Two objectives in O(n log n): in order of (first, second) a point joins the first front whose last point does not
    /// dominate it (found by bisection: if front k does not dominate a point, no later front does). Within a front, points
    /// come in increasing first and decreasing second coordinate, so its last point is the one that could dominate the next.
    /// </summary>
    private static int[] Ranks2(IReadOnlyList<IReadOnlyList<double>> points)
    {
        var order = Enumerable.Range(0, points.Count).OrderBy(i => points[i][0]).ThenBy(i => points[i][1]).ToArray();
        var lasts = new List<IReadOnlyList<double>>();
        var ranks = new int[points.Count];
        foreach (var i in order)
        {
            var p = points[i];
            var (low, high) = (0, lasts.Count);
            while (low < high)
            {
                var mid = (low + high) / 2;
                if (Dominates(lasts[mid], p))
                {
                    low = mid + 1;
                }
                else
                {
                    high = mid;
                }
            }
            if (low == lasts.Count)
            {
                lasts.Add(p);
            }
            else
            {
                lasts[low] = p;
            }
            ranks[i] = low;
        }
        return ranks;
    }

    /// <summary>
    /// The reference point Optuna's MOTPE uses for a set: per coordinate the worst value w, moved outwards by 10 %
    /// (max(1.1·w, 0.9·w)), and 1e-12 where that is 0. Infinite coordinates are left out of the worst (the reference stays finite).
    /// </summary>
    public static double[] Reference(IReadOnlyList<IReadOnlyList<double>> points)
    {
        ArgumentNullException.ThrowIfNull(points);
        var m = points.Count == 0 ? 0 : points[0].Count;
        var reference = new double[m];
        for (var k = 0; k < m; k++)
        {
            var finite = points.Select(p => p[k]).Where(double.IsFinite).ToList();
            var worst = finite.Count > 0 ? finite.Max() : 0;
            reference[k] = Math.Max(1.1 * worst, 0.9 * worst);
            if (reference[k] == 0)
            {
                reference[k] = 1e-12;
            }
        }
        return reference;
    }

    /// <summary>The volume dominated by <paramref name="points"/> and bounded by <paramref name="reference"/> (points not better than it in every coordinate add nothing).</summary>
    public static double Hypervolume(IReadOnlyList<IReadOnlyList<double>> points, IReadOnlyList<double> reference)
    {
        ArgumentNullException.ThrowIfNull(points);
        ArgumentNullException.ThrowIfNull(reference);
        var inside = points.Where(p => Enumerable.Range(0, reference.Count).All(k => p[k] < reference[k])).Select(p => p.ToArray()).ToList();
        return Volume(inside, [.. reference], reference.Count);
    }

    /// <summary>Each point's exclusive contribution: the hypervolume of all minus that of all but it (0 for a dominated or duplicated point).</summary>
    public static double[] Contributions(IReadOnlyList<IReadOnlyList<double>> points, IReadOnlyList<double> reference)
    {
        ArgumentNullException.ThrowIfNull(points);
        var total = Hypervolume(points, reference);
        return [.. Enumerable.Range(0, points.Count).Select(i => Math.Max(0, total - Hypervolume([.. points.Where((_, j) => j != i)], reference)))];
    }

    /// <summary>
    /// <paramref name="count"/> of <paramref name="points"/> chosen greedily for the largest hypervolume: each step takes the
    /// point adding the most to the hypervolume of those taken so far (ties: the lowest index). Returns indices in the order taken.
    /// </summary>
    public static int[] GreedySubset(IReadOnlyList<IReadOnlyList<double>> points, int count, IReadOnlyList<double> reference)
    {
        ArgumentNullException.ThrowIfNull(points);
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        var chosen = new List<int>();
        var taken = new List<IReadOnlyList<double>>();
        var volume = 0.0;
        while (chosen.Count < Math.Min(count, points.Count))
        {
            var (best, bestGain, bestVolume) = (-1, double.NegativeInfinity, 0.0);
            for (var i = 0; i < points.Count; i++)
            {
                if (chosen.Contains(i))
                {
                    continue;
                }
                var with = Hypervolume([.. taken, points[i]], reference);
                if (with - volume > bestGain)
                {
                    (best, bestGain, bestVolume) = (i, with - volume, with);
                }
            }
            chosen.Add(best);
            taken.Add(points[best]);
            volume = bestVolume;
        }
        return [.. chosen];
    }

    /// <summary>Hypervolume of points all strictly inside the reference, on the first <paramref name="m"/> coordinates.</summary>
    private static double Volume(List<double[]> points, double[] reference, int m)
    {
        if (points.Count == 0)
        {
            return 0;
        }
        if (m == 1)
        {
            return reference[0] - points.Min(p => p[0]);
        }
        if (m == 2)
        {
            // Sweep by the first coordinate: each point adds the strip up to the lowest second coordinate so far.
            var volume = 0.0;
            var lowest = reference[1];
            foreach (var p in points.OrderBy(p => p[0]).ThenBy(p => p[1]))
            {
                if (p[1] < lowest)
                {
                    volume += (reference[0] - p[0]) * (lowest - p[1]);
                    lowest = p[1];
                }
            }
            return volume;
        }
        // Slice along the last coordinate: between consecutive values the cross-section is the (m−1)-volume of the points below.
        var sorted = points.OrderBy(p => p[m - 1]).ToList();
        var total = 0.0;
        for (var i = 0; i < sorted.Count; i++)
        {
            var top = i + 1 < sorted.Count ? sorted[i + 1][m - 1] : reference[m - 1];
            var thickness = top - sorted[i][m - 1];
            if (thickness > 0)
            {
                total += thickness * Volume(sorted.GetRange(0, i + 1), reference, m - 1);
            }
        }
        return total;
    }
}
