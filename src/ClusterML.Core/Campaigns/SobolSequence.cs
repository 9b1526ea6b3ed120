namespace ClusterML.Core.Campaigns;

/// <summary>
/// The Sobol low-discrepancy sequence in [0, 1)^d (d ≤ <see cref="MaxDimensions"/>), Gray-code order, no scrambling, with
/// Joe and Kuo's direction numbers (new-joe-kuo-6.21201) for dimensions 2–10; dimension 1 is the van der Corput sequence.
/// The first point (all zeros) is skipped. Deterministic.
/// </summary>
public static class SobolSequence
{
    public const int MaxDimensions = 10;
    private const int Bits = 32;

    // s (degree), a (polynomial coefficients), m_1..m_s for dimensions 2..10.
    private static readonly (int S, int A, int[] M)[] Primitive =
    [
        (1, 0, [1]),
        (2, 1, [1, 3]),
        (3, 1, [1, 3, 1]),
        (3, 2, [1, 1, 1]),
        (4, 1, [1, 1, 3, 3]),
        (4, 4, [1, 3, 5, 13]),
        (5, 2, [1, 1, 5, 5, 17]),
        (5, 4, [1, 1, 5, 5, 5]),
        (5, 7, [1, 1, 7, 11, 19]),
    ];

    /// <summary>The first <paramref name="count"/> points (after the zero point) in <paramref name="dimensions"/> dimensions.</summary>
    public static double[][] Points(int count, int dimensions)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(dimensions, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(dimensions, MaxDimensions);
        var directions = new uint[dimensions][];
        for (var d = 0; d < dimensions; d++)
        {
            directions[d] = Directions(d);
        }
        var x = new uint[dimensions];
        var points = new double[count][];
        for (var i = 0; i < count; i++)
        {
            // Gray code: the bit that changes from point i to i + 1 is the lowest zero bit of i.
            var c = 0;
            var value = (uint)i;
            while ((value & 1) == 1)
            {
                value >>= 1;
                c++;
            }
            points[i] = new double[dimensions];
            for (var d = 0; d < dimensions; d++)
            {
                x[d] ^= directions[d][c];
                points[i][d] = x[d] / 4294967296.0;
            }
        }
        return points;
    }

    private static uint[] Directions(int dimension)
    {
        var v = new uint[Bits];
        if (dimension == 0)
        {
            for (var i = 0; i < Bits; i++)
            {
                v[i] = 1u << (Bits - 1 - i);
            }
            return v;
        }
        var (s, a, m) = Primitive[dimension - 1];
        for (var i = 0; i < Bits; i++)
        {
            if (i < s)
            {
                v[i] = (uint)m[i] << (Bits - 1 - i);
                continue;
            }
            v[i] = v[i - s] ^ (v[i - s] >> s);
            for (var k = 1; k < s; k++)
            {
                v[i] ^= ((uint)(a >> (s - 1 - k)) & 1u) * v[i - k];
            }
        }
        return v;
    }
}
