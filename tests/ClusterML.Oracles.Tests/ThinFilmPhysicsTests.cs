namespace ClusterML.Oracles.Tests;

/// <summary>Reference values from shared/notes/physics.md §4.1 (an independent plain-Python midpoint implementation).</summary>
public sealed class ThinFilmPhysicsTests
{
    private static readonly ThinFilmOracle Oracle = new();

    [Theory]
    [InlineData(0.01, 0.9962)]
    [InlineData(0.1, 0.9625)]
    [InlineData(0.5, 0.819)]
    [InlineData(1, 0.684)]
    [InlineData(2, 0.522)]
    [InlineData(10, 0.209)]
    [InlineData(100, 0.0378)]
    public void Fuchs_Sondheimer_should_match_the_tabulated_diffuse_values(double knudsen, double expected) =>
        Assert.Equal(expected, FuchsSondheimer.Suppression(knudsen, 0.0), tolerance: Math.Max(0.0015, 0.01 * expected));

    [Fact]
    public void Fuchs_Sondheimer_should_reach_its_thick_and_thin_limits_and_be_one_for_specular_walls()
    {
        foreach (var p in new[] { 0.0, 0.5 })
        {
            Assert.Equal(1 - (3 * (1 - p) * 1e-3 / 8), FuchsSondheimer.Suppression(1e-3, p), tolerance: 1e-6);
        }
        Assert.Equal(3.0 / (4 * 100) * (Math.Log(100) + 0.4228), FuchsSondheimer.Suppression(100, 0), tolerance: 5e-4);
        Assert.Equal(1.0, FuchsSondheimer.Suppression(10, 1.0));
        Assert.True(FuchsSondheimer.Suppression(10, 0.5) > FuchsSondheimer.Suppression(10, 0.0));
    }

    [Fact]
    public void The_interpolated_table_should_agree_with_the_direct_integral()
    {
        var table = new FuchsSondheimerTable();
        foreach (var kn in new[] { 3e-4, 0.037, 0.8, 5.5, 77.0, 3e4 })
        {
            foreach (var p in new[] { 0.0, 0.13, 0.5, 0.91, 0.99, 0.9993, 0.99999 })
            {
                Assert.Equal(FuchsSondheimer.Suppression(kn, p), table.Suppression(kn, p), tolerance: 2e-4);
            }
        }
    }

    [Theory]
    [InlineData(0.1, 0.882)]
    [InlineData(1, 0.429)]
    [InlineData(10, 0.070)]
    public void Majumdar_should_match_the_grey_cross_plane_values(double knudsen, double expected) =>
        Assert.Equal(expected, Majumdar.CrossPlaneSuppression(knudsen), tolerance: 0.001);

    [Fact]
    public void Specularity_should_use_the_pi_squared_form() =>
        Assert.Equal(0.94, Specularity.Ziman(0.1, 5.0), tolerance: 0.005);

    [Theory]
    [InlineData(300, 148)]
    [InlineData(100, 561)]
    [InlineData(200, 238)]
    [InlineData(500, 81.5)]
    [InlineData(800, 47.8)]
    public void Bulk_silicon_should_match_the_refit_Debye_Callaway_values(double temperature, double expected) =>
        Assert.Equal(expected, new SiliconPhonons().BulkConductivity(temperature), tolerance: 0.02 * expected);

    [Theory]
    [InlineData(10, 37.1, 40.5, 16.3)]
    [InlineData(20, 52.5, 57.8, 27.2)]
    [InlineData(100, 90.8, 102.3, 64.2)]
    [InlineData(1000, 126.6, 139.8, 112.3)]
    [InlineData(10000, 140.8, 147.1, 135.5)]
    public void Film_values_at_300_K_should_match_the_reference_table(double thicknessNm, double diffuse, double rough02, double crossPlane)
    {
        var d = thicknessNm * 1e-9;
        Assert.Equal(diffuse, Oracle.Conductivity(d, 0, 300, crossPlane: false, forcedSpecularity: 0).Film, tolerance: 0.03 * diffuse);
        Assert.Equal(rough02, Oracle.Conductivity(d, 0.2e-9, 300, crossPlane: false).Film, tolerance: 0.03 * rough02);
        Assert.Equal(crossPlane, Oracle.Conductivity(d, 0.2e-9, 300, crossPlane: true).Film, tolerance: 0.03 * crossPlane);
    }

    [Fact]
    public void Conductivity_should_rise_with_thickness_and_in_plane_should_exceed_cross_plane()
    {
        var previous = 0.0;
        foreach (var nm in new[] { 10.0, 30, 100, 300, 1000, 3000, 10000 })
        {
            var inPlane = Oracle.Evaluate([nm, 0.5, 300, 0])[0];
            var cross = Oracle.Evaluate([nm, 0.5, 300, 1])[0];
            Assert.True(inPlane > previous);
            Assert.True(inPlane > cross);
            previous = inPlane;
        }
        Assert.True(previous < Oracle.Evaluate([10000, 0.5, 300, 0])[1]); // below bulk
    }
}
