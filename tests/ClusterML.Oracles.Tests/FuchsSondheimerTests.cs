namespace ClusterML.Oracles.Tests;

/// <summary>Reference values: shared/notes/physics.md §4.1 (an independent plain-Python midpoint integration).</summary>
public sealed class FuchsSondheimerTests
{
    [Theory]
    [InlineData(0.01, 0.9962)]
    [InlineData(0.1, 0.9625)]
    [InlineData(0.5, 0.819)]
    [InlineData(1, 0.684)]
    [InlineData(2, 0.522)]
    [InlineData(10, 0.209)]
    [InlineData(100, 0.0378)]
    public void Diffuse_suppression_should_match_the_reference_values(double knudsen, double expected) =>
        // The note rounds to 3–4 digits; ±0.002 absolute, and ±1 % where that is tighter (Kn = 100).
        Assert.Equal(expected, FuchsSondheimer.Suppression(knudsen, 0.0), tolerance: Math.Min(0.002, 0.01 * expected));

    [Theory]
    [InlineData(0.001, 0.0)]
    [InlineData(0.02, 0.0)]
    [InlineData(0.05, 0.0)]
    [InlineData(0.05, 0.5)]
    [InlineData(0.05, 0.9)]
    public void Thick_films_should_follow_one_minus_three_eighths_of_the_diffuse_Knudsen_number(double knudsen, double p) =>
        // At Kn = 0.05 (δ = 20) the neglected e^{−δ} terms are 2e-9, so the integral (not the closed form) must agree to 1e-6.
        Assert.Equal(1.0 - (3.0 * (1.0 - p) * knudsen / 8.0), FuchsSondheimer.Suppression(knudsen, p), tolerance: 1e-6);

    [Fact]
    public void Thin_diffuse_films_should_follow_the_logarithmic_limit()
    {
        static double Limit(double kn) => 3.0 / (4.0 * kn) * (Math.Log(kn) + 0.4228);

        // At Kn = 100 the limit is 0.03771 and the integral 0.03776 (note: 0.0377 vs 0.0378): the next term is O(ln Kn/Kn²).
        Assert.Equal(Limit(100), FuchsSondheimer.Suppression(100, 0.0), tolerance: 1e-4);
        // Far out the limit is exact; this needs the integration grid to resolve u ≲ 1/Kn (a uniform 400-bin u grid gives 0.00055).
        Assert.Equal(Limit(1e4), FuchsSondheimer.Suppression(1e4, 0.0), tolerance: 0.01 * Limit(1e4));
    }

    [Theory]
    [InlineData(0.01)]
    [InlineData(1)]
    [InlineData(1e6)]
    public void Specular_walls_should_not_suppress(double knudsen) =>
        Assert.Equal(1.0, FuchsSondheimer.Suppression(knudsen, 1.0));

    [Fact]
    public void Suppression_should_weaken_as_walls_become_more_specular()
    {
        var previous = 0.0;
        foreach (var p in new[] { 0.0, 0.3, 0.6, 0.9, 0.99, 0.9999 })
        {
            var s = FuchsSondheimer.Suppression(10, p);
            Assert.True(s > previous, $"S(10, {p}) = {s} should exceed {previous}");
            previous = s;
        }
        Assert.True(previous < 1.0);
    }

    [Fact]
    public void The_table_should_agree_with_the_direct_integral()
    {
        var table = FuchsSondheimerTable.Shared;
        var worst = 0.0;
        foreach (var kn in new[] { 0.026, 0.037, 0.31, 0.8, 5.5, 77.0, 1234.5, 3.3e4, 2.2e6, 7.7e8 })
        {
            foreach (var diffuse in new[] { 1.0, 0.87, 0.5, 0.09, 0.013, 1.7e-3, 3.3e-5, 2.1e-7 })
            {
                var direct = FuchsSondheimer.Suppression(kn, 1.0 - diffuse, diffuse);
                var interpolated = table.Suppression(kn, 1.0 - diffuse, diffuse);
                worst = Math.Max(worst, Math.Abs(interpolated - direct) / direct);
            }
        }
        Assert.True(worst < 1e-3, $"worst relative interpolation error {worst}");
    }
}
