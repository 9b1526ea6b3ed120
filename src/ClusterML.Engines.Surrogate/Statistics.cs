namespace ClusterML.Engines.Surrogate;

/// <summary>Regression metrics and rank statistics on plain arrays.</summary>
public static class Statistics
{
    public static double Rmse(IReadOnlyList<double> truth, IReadOnlyList<double> prediction) =>
        Math.Sqrt(truth.Zip(prediction).Average(p => (p.First - p.Second) * (p.First - p.Second)));

    public static double Mae(IReadOnlyList<double> truth, IReadOnlyList<double> prediction) =>
        truth.Zip(prediction).Average(p => Math.Abs(p.First - p.Second));

    /// <summary>Coefficient of determination 1 − SS_res/SS_tot (1 is perfect; can be negative).</summary>
    public static double R2(IReadOnlyList<double> truth, IReadOnlyList<double> prediction)
    {
        var mean = truth.Average();
        var total = truth.Sum(t => (t - mean) * (t - mean));
        var residual = truth.Zip(prediction).Sum(p => (p.First - p.Second) * (p.First - p.Second));
        return total > 0 ? 1 - (residual / total) : double.NaN;
    }

    /// <summary>Spearman rank correlation (average ranks for ties); NaN when either side is constant.</summary>
    public static double Spearman(IReadOnlyList<double> a, IReadOnlyList<double> b)
    {
        var ra = Ranks(a);
        var rb = Ranks(b);
        var ma = ra.Average();
        var mb = rb.Average();
        double cov = 0, va = 0, vb = 0;
        for (var i = 0; i < ra.Length; i++)
        {
            cov += (ra[i] - ma) * (rb[i] - mb);
            va += (ra[i] - ma) * (ra[i] - ma);
            vb += (rb[i] - mb) * (rb[i] - mb);
        }
        return va > 0 && vb > 0 ? cov / Math.Sqrt(va * vb) : double.NaN;
    }

    /// <summary>The <paramref name="q"/> quantile (0–1) by linear interpolation between order statistics.</summary>
    public static double Quantile(IReadOnlyList<double> values, double q)
    {
        var sorted = values.Order().ToArray();
        var position = q * (sorted.Length - 1);
        var lower = (int)Math.Floor(position);
        var upper = Math.Min(lower + 1, sorted.Length - 1);
        return sorted[lower] + ((position - lower) * (sorted[upper] - sorted[lower]));
    }

    private static double[] Ranks(IReadOnlyList<double> values)
    {
        var order = Enumerable.Range(0, values.Count).OrderBy(i => values[i]).ToArray();
        var ranks = new double[values.Count];
        for (var i = 0; i < order.Length;)
        {
            var j = i;
            while (j + 1 < order.Length && values[order[j + 1]] == values[order[i]])
            {
                j++;
            }
            var rank = (i + j) / 2.0;
            for (var k = i; k <= j; k++)
            {
                ranks[order[k]] = rank;
            }
            i = j + 1;
        }
        return ranks;
    }
}
