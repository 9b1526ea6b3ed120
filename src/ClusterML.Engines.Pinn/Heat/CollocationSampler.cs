using ClusterML.Core.Campaigns;

namespace ClusterML.Engines.Pinn.Heat;

/// <summary>Draws points in the unit square (ξ, s) and on its edges, reproducibly from the seed it is made with.</summary>
internal sealed class CollocationSampler(CollocationSampling sampling, int seed)
{
    private readonly Random _random = new(seed);

    /// <summary><paramref name="count"/> points of the unit square as rows (ξ, s).</summary>
    public double[][] Interior(int count) => sampling switch
    {
        CollocationSampling.Uniform => [.. Enumerable.Range(0, count).Select(_ => new[] { _random.NextDouble(), _random.NextDouble() })],
        CollocationSampling.LatinHypercube => LatinHypercube(count),
        CollocationSampling.Sobol => ShiftedSobol(count),
        _ => throw new ArgumentOutOfRangeException(nameof(sampling), sampling, "unknown sampling"),
    };

    /// <summary><paramref name="count"/> values in [0, 1), stratified (one per stratum, shuffled positions).</summary>
    public double[] Line(int count)
    {
        var values = new double[count];
        for (var i = 0; i < count; i++)
        {
            values[i] = (i + _random.NextDouble()) / count;
        }
        return values;
    }

    /// <summary>Indices drawn with probability ∝ <paramref name="weights"/> (with replacement).</summary>
    public int[] Weighted(IReadOnlyList<double> weights, int count)
    {
        var cumulative = new double[weights.Count];
        var total = 0.0;
        for (var i = 0; i < weights.Count; i++)
        {
            total += weights[i];
            cumulative[i] = total;
        }
        var picks = new int[count];
        for (var k = 0; k < count; k++)
        {
            var at = Array.BinarySearch(cumulative, _random.NextDouble() * total);
            picks[k] = Math.Min(at < 0 ? ~at : at, weights.Count - 1);
        }
        return picks;
    }

    private double[][] LatinHypercube(int count)
    {
        var xi = Line(count);
        var s = Line(count);
        _random.Shuffle(s);
        return [.. Enumerable.Range(0, count).Select(i => new[] { xi[i], s[i] })];
    }

    private double[][] ShiftedSobol(int count)
    {
        var shift = new[] { _random.NextDouble(), _random.NextDouble() };
        return [.. SobolSequence.Points(count, 2).Select(p => new[] { (p[0] + shift[0]) % 1.0, (p[1] + shift[1]) % 1.0 })];
    }
}
