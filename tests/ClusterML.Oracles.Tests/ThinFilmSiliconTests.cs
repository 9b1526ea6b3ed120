namespace ClusterML.Oracles.Tests;

/// <summary>Reference values: shared/notes/physics.md §4.1 (Debye–Callaway with the refit B, spectral suppression).</summary>
public sealed class ThinFilmSiliconTests
{
    [Fact]
    public void Bulk_silicon_at_room_temperature_should_be_the_refit_value() =>
        Assert.Equal(148.0, ThinFilmSilicon.BulkConductivity(300), tolerance: 2.0);

    [Theory]
    [InlineData(100, 561)]
    [InlineData(200, 238)]
    [InlineData(500, 81.5)]
    [InlineData(800, 47.8)]
    public void Bulk_silicon_should_match_the_reference_temperature_dependence(double temperatureK, double expected) =>
        Assert.Equal(expected, ThinFilmSilicon.BulkConductivity(temperatureK), tolerance: 0.02 * expected);

    // Measured here within 0.1 % of every entry of the note's table (its own discretisation differs slightly);
    // ±1 % is still far below what a wrong formula, constant or unit would produce.
    private const double FilmTolerance = 0.01;

    [Theory]
    [InlineData(10, 37.1)]
    [InlineData(20, 52.5)]
    [InlineData(100, 90.8)]
    [InlineData(1000, 126.6)]
    [InlineData(10000, 140.8)]
    public void In_plane_films_with_diffuse_walls_should_match_the_reference_table(double thicknessNm, double expected) =>
        Assert.Equal(expected, ThinFilmSilicon.FilmConductivity(thicknessNm, 0.0, 300, FilmDirection.InPlane, specularity: 0.0), tolerance: FilmTolerance * expected);

    [Theory]
    [InlineData(10, 40.5)]
    [InlineData(20, 57.8)]
    [InlineData(100, 102.3)]
    [InlineData(1000, 139.8)]
    [InlineData(10000, 147.1)]
    public void In_plane_films_with_two_angstrom_roughness_should_match_the_reference_table(double thicknessNm, double expected) =>
        Assert.Equal(expected, ThinFilmSilicon.FilmConductivity(thicknessNm, 0.2, 300, FilmDirection.InPlane), tolerance: FilmTolerance * expected);

    [Theory]
    [InlineData(10, 16.3)]
    [InlineData(20, 27.2)]
    [InlineData(100, 64.2)]
    [InlineData(1000, 112.3)]
    [InlineData(10000, 135.5)]
    public void Cross_plane_films_should_match_the_reference_table(double thicknessNm, double expected) =>
        Assert.Equal(expected, ThinFilmSilicon.FilmConductivity(thicknessNm, 0.2, 300, FilmDirection.CrossPlane), tolerance: FilmTolerance * expected);

    [Theory]
    [InlineData(100, 0.1)]
    [InlineData(300, 0.5)]
    [InlineData(800, 2.0)]
    public void Conductivity_should_rise_with_thickness_and_in_plane_should_exceed_cross_plane(double temperatureK, double roughnessNm)
    {
        var bulk = ThinFilmSilicon.BulkConductivity(temperatureK);
        double previousIn = 0, previousCross = 0;
        foreach (var d in new[] { 10.0, 20, 50, 100, 300, 1000, 3000, 10000 })
        {
            var inPlane = ThinFilmSilicon.FilmConductivity(d, roughnessNm, temperatureK, FilmDirection.InPlane);
            var cross = ThinFilmSilicon.FilmConductivity(d, roughnessNm, temperatureK, FilmDirection.CrossPlane);
            Assert.True(inPlane > previousIn && cross > previousCross, $"k should rise with d at {d} nm");
            Assert.True(inPlane >= cross, $"in-plane {inPlane} < cross-plane {cross} at {d} nm");
            Assert.True(inPlane < bulk, $"film {inPlane} above bulk {bulk} at {d} nm");
            (previousIn, previousCross) = (inPlane, cross);
        }
    }

    [Fact]
    public void Rougher_walls_should_lower_in_plane_conductivity_and_smooth_walls_give_bulk()
    {
        var previous = double.PositiveInfinity;
        foreach (var eta in new[] { 0.0, 0.05, 0.1, 0.2, 0.5, 1.0, 2.0 })
        {
            var k = ThinFilmSilicon.FilmConductivity(50, eta, 300, FilmDirection.InPlane);
            Assert.True(k < previous, $"k({eta} nm) = {k} should be below {previous}");
            previous = k;
        }
        // η = 0 makes every phonon specular (p = 1), so nothing is suppressed in-plane.
        Assert.Equal(ThinFilmSilicon.BulkConductivity(300), ThinFilmSilicon.FilmConductivity(50, 0.0, 300, FilmDirection.InPlane), tolerance: 1e-12);
        // Above ~0.5 nm almost every heat-carrying phonon is diffusely scattered at 300 K: k approaches the p = 0 value.
        var diffuse = ThinFilmSilicon.FilmConductivity(50, 0.0, 300, FilmDirection.InPlane, specularity: 0.0);
        Assert.InRange(ThinFilmSilicon.FilmConductivity(50, 2.0, 300, FilmDirection.InPlane) / diffuse, 1.0, 1.05);
    }

    [Theory]
    [InlineData(10, 0.3, 150)]
    [InlineData(40, 0.15, 300)]
    [InlineData(2000, 1.0, 700)]
    public void The_tabulated_suppression_should_not_change_film_values(double thicknessNm, double roughnessNm, double temperatureK)
    {
        var direct = ThinFilmSilicon.Conductivities(thicknessNm, roughnessNm, temperatureK, FilmDirection.InPlane, null, tabulated: false).Film;
        var tabulated = ThinFilmSilicon.Conductivities(thicknessNm, roughnessNm, temperatureK, FilmDirection.InPlane, null, tabulated: true).Film;
        Assert.Equal(direct, tabulated, tolerance: 2e-4 * direct);
    }

    [Fact]
    public void Cold_thin_films_should_reach_the_ballistic_limit()
    {
        // At 10 K every heat-carrying phonon has a bulk mean free path of millimetres (Kn ~ 1e5–1e11 in a 10 nm film).
        // Cross-plane, Majumdar's factor then tends to 3/(4Kn), so k⊥ → (v d/4) C with C the Debye heat capacity — computed
        // here independently on a 20 000-bin grid. In-plane with diffuse walls, S ∝ ln Kn/Kn: larger, but still ballistic.
        const double v = 6400.0, d = 10e-9, t = 10.0;
        var heatCapacity = 0.0;
        var omegaD = PhysicalConstants.Boltzmann * 645.0 / PhysicalConstants.Hbar;
        for (var i = 0; i < 20_000; i++)
        {
            var w = (i + 0.5) * omegaD / 20_000;
            var x = PhysicalConstants.Hbar * w / (PhysicalConstants.Boltzmann * t);
            heatCapacity += 3 * w * w / (2 * Math.PI * Math.PI * v * v * v) * PhysicalConstants.Boltzmann * x * x * Math.Exp(x) / Math.Pow(Math.Exp(x) - 1, 2) * omegaD / 20_000;
        }
        var cross = ThinFilmSilicon.FilmConductivity(10, 0.5, t, FilmDirection.CrossPlane);
        Assert.Equal(v * d / 4 * heatCapacity, cross, tolerance: 0.01 * v * d / 4 * heatCapacity);

        var inPlane = ThinFilmSilicon.FilmConductivity(10, 0.5, t, FilmDirection.InPlane, specularity: 0.0);
        Assert.InRange(inPlane / cross, 10.0, 40.0); // ≈ ln Kn + 0.42 over the thermal spectrum
        Assert.True(inPlane < 1e-5 * ThinFilmSilicon.BulkConductivity(t));
    }

    [Fact]
    public void Temperatures_below_the_model_domain_should_be_refused() =>
        Assert.Equal("temperature_K", Assert.Throws<ClusterML.Core.Validation.InvalidInputException>(() => ThinFilmSilicon.BulkConductivity(5)).Field);
}
