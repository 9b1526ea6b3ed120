using ClusterML.Core.Campaigns;

namespace ClusterML.Core.Tests.Campaigns;

public sealed class SobolSequenceTests
{
    /// <summary>The sequence including its zero point, which <see cref="SobolSequence.Points"/> skips.</summary>
    private static double[][] WithOrigin(int count, int dimensions) =>
        [new double[dimensions], .. SobolSequence.Points(count - 1, dimensions)];

    [Fact]
    public void The_first_two_dimensional_points_should_match_the_published_sequence()
    {
        // SciPy's Sobol(d=2, scramble=False).random_base2(3) after its zero point; all are exact binary fractions.
        double[][] expected = [[0.5, 0.5], [0.75, 0.25], [0.25, 0.75], [0.375, 0.375], [0.875, 0.875], [0.625, 0.125], [0.125, 0.625]];
        Assert.Equal(expected, SobolSequence.Points(7, 2));
    }

    [Fact]
    public void The_third_dimension_should_follow_its_primitive_polynomial()
    {
        // Dimension 3 (s = 2, a = 1, m = 1, 3): direction numbers 1/2, 3/4, 3/8, so in Gray-code order 1/2, 1/4, 3/4, 5/8, 1/8, 7/8, 3/8.
        Assert.Equal([0.5, 0.25, 0.75, 0.625, 0.125, 0.875, 0.375], SobolSequence.Points(7, 3).Select(p => p[2]));
    }

    [Theory]
    [InlineData(4, new[] { 1, 3, 1 })]
    [InlineData(13, new[] { 1, 3, 5, 5, 31 })]
    [InlineData(21, new[] { 1, 3, 7, 13, 13, 15, 69 })]
    public void Initial_direction_numbers_should_be_joe_and_kuos(int dimension, int[] m)
    {
        // In Gray-code order, point 2^k − 1 is the k-th direction number alone: m_k / 2^k (rows of new-joe-kuo-6.21201).
        var points = SobolSequence.Points(1 << m.Length, dimension);
        for (var k = 1; k <= m.Length; k++)
        {
            Assert.Equal(m[k - 1] / (double)(1 << k), points[(1 << k) - 2][dimension - 1]);
        }
    }

    [Fact]
    public void The_first_16_points_should_put_one_point_in_each_of_16_bins_of_every_axis()
    {
        // The first 16 points of the sequence are the origin and the first 15 that Points returns.
        var first = WithOrigin(16, SobolSequence.MaxDimensions);
        for (var d = 0; d < SobolSequence.MaxDimensions; d++)
        {
            Assert.Equal(Enumerable.Range(0, 16), first.Select(p => (int)(p[d] * 16)).Order());
        }
    }

    [Fact]
    public void Every_aligned_block_of_2_to_the_m_points_should_be_stratified_on_every_axis()
    {
        var points = WithOrigin(1024, SobolSequence.MaxDimensions);
        foreach (var m in new[] { 2, 5, 8 })
        {
            var size = 1 << m;
            for (var start = 0; start < points.Length; start += size)
            {
                for (var d = 0; d < SobolSequence.MaxDimensions; d++)
                {
                    Assert.Equal(Enumerable.Range(0, size), points.Skip(start).Take(size).Select(p => (int)(p[d] * size)).Order());
                }
            }
        }
    }

    [Fact]
    public void The_first_two_axes_should_form_a_0_m_2_net()
    {
        // Sobol's first two coordinates are a (0, 2)-sequence: 64 points put one point in every 2^a × 2^(6−a) box.
        var points = WithOrigin(64, 2);
        for (var a = 0; a <= 6; a++)
        {
            Assert.Equal(64, points.Select(p => ((int)(p[0] * (1 << a)), (int)(p[1] * (1 << (6 - a))))).Distinct().Count());
        }
    }

    [Fact]
    public void Points_should_lie_in_the_unit_cube_and_dimensions_beyond_21_should_be_refused()
    {
        Assert.All(SobolSequence.Points(500, 21), p => Assert.All(p, x => Assert.InRange(x, 0.0, 1.0 - Math.Pow(2, -32))));
        Assert.Equal(SobolSequence.Points(100, 5).Select(p => p[..2]), SobolSequence.Points(100, 2));
        Assert.Throws<ArgumentOutOfRangeException>(() => SobolSequence.Points(4, 22));
        Assert.Throws<ArgumentOutOfRangeException>(() => SobolSequence.Points(4, 0));
        Assert.Empty(SobolSequence.Points(0, 3));
    }
}
