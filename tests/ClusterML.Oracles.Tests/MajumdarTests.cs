namespace ClusterML.Oracles.Tests;

public sealed class MajumdarTests
{
    [Theory]
    [InlineData(0.1, 0.882)]
    [InlineData(1, 0.429)]
    [InlineData(10, 0.070)]
    public void Cross_plane_suppression_should_match_the_reference_values(double knudsen, double expected) =>
        // Note values are rounded to 3 decimals: ±0.0005.
        Assert.Equal(expected, Majumdar.CrossPlaneSuppression(knudsen), tolerance: 0.0005);

    [Fact]
    public void Cross_plane_suppression_should_reach_the_ballistic_limit_for_thin_films() =>
        Assert.Equal(3.0 / (4.0 * 1e4), Majumdar.CrossPlaneSuppression(1e4), tolerance: 1e-4 * 3.0 / (4.0 * 1e4));
}
