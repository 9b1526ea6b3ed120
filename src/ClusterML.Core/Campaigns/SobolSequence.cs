namespace ClusterML.Core.Campaigns;

/// <summary>
/// The Sobol low-discrepancy sequence in [0, 1)^d for d ≤ <see cref="MaxDimensions"/>: unscrambled, in Gray-code order
/// (Antonov–Saleev), 32-bit, with Joe and Kuo's direction numbers (file <c>new-joe-kuo-6.21201</c>, S. Joe and F. Y. Kuo,
/// SIAM J. Sci. Comput. 30, 2635 (2008)); dimension 1 is the van der Corput sequence. This is the same sequence as Joe and
/// Kuo's reference program and SciPy's <c>Sobol(scramble=False)</c>: 0, (½, ½), (¾, ¼), (¼, ¾), (⅜, ⅜), …
/// Every block of 2^m consecutive points starting at a multiple of 2^m puts exactly one point in each of the 2^m equal
/// intervals of every coordinate. Pure and deterministic; thread-safe.
/// </summary>
public static class SobolSequence
{
    /// <summary>The most dimensions supported.</summary>
    public const int MaxDimensions = 21;

    private const int Bits = 32;

    // Joe–Kuo rows for dimensions 2..21: the degree s of the primitive polynomial x^s + a_1 x^(s-1) + … + a_(s-1) x + 1,
    // a = the binary number a_1 … a_(s-1) (a_1 most significant), and the initial direction numbers m_1..m_s (odd, m_k < 2^k).
    private static readonly (int S, int A, int[] M)[] JoeKuo =
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
        (5, 11, [1, 1, 5, 1, 1]),
        (5, 13, [1, 1, 1, 3, 11]),
        (5, 14, [1, 3, 5, 5, 31]),
        (6, 1, [1, 3, 3, 9, 7, 49]),
        (6, 13, [1, 1, 1, 15, 21, 21]),
        (6, 16, [1, 3, 1, 13, 27, 49]),
        (6, 19, [1, 1, 1, 15, 7, 5]),
        (6, 22, [1, 3, 1, 15, 13, 25]),
        (6, 25, [1, 1, 5, 5, 19, 61]),
        (7, 1, [1, 3, 7, 11, 23, 15, 103]),
        (7, 4, [1, 3, 7, 13, 13, 15, 69]),
    ];

    /// <summary>
    /// Points 1 … <paramref name="count"/> of the sequence (point 0, the origin, is skipped) in <paramref name="dimensions"/>
    /// dimensions; each point is a new array of coordinates in [0, 1), exact multiples of 2^-32.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">count &lt; 0, or dimensions outside 1…<see cref="MaxDimensions"/>.</exception>
    public static double[][] Points(int count, int dimensions)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
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
            // Gray-code order: point i + 1 differs from point i by the direction number of the lowest zero bit of i.
            var c = System.Numerics.BitOperations.TrailingZeroCount(~(uint)i);
            points[i] = new double[dimensions];
            for (var d = 0; d < dimensions; d++)
            {
                x[d] ^= directions[d][c];
                points[i][d] = x[d] / 4294967296.0;
            }
        }
        return points;
    }

    /// <summary>The 32 direction numbers v_1..v_32 of a 0-based dimension, as 32-bit fractions.</summary>
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
        var (s, a, m) = JoeKuo[dimension - 1];
        for (var i = 0; i < Bits; i++)
        {
            if (i < s)
            {
                v[i] = (uint)m[i] << (Bits - 1 - i);
                continue;
            }
            // Bratley–Fox recurrence: v_i = a_1 v_{i-1} ⊕ … ⊕ a_{s-1} v_{i-s+1} ⊕ v_{i-s} ⊕ (v_{i-s} >> s).
            v[i] = v[i - s] ^ (v[i - s] >> s);
            for (var k = 1; k < s; k++)
            {
                v[i] ^= ((uint)(a >> (s - 1 - k)) & 1u) * v[i - k];
            }
        }
        return v;
    }
}
