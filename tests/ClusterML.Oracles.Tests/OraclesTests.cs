using ClusterML.Core.Validation;

namespace ClusterML.Oracles.Tests;

public sealed class OraclesTests
{
    [Fact]
    public void All_three_oracles_should_be_registered_in_order()
    {
        Assert.Equal(["thin-film", "slack", "heat-fd"], Oracles.All.Select(o => o.Name));
        Assert.Same(Oracles.All[1], Oracles.Get("slack"));
        Assert.Equal(["k_W_mK", "k_bulk_W_mK"], Oracles.Get("thin-film").Outputs);
        Assert.Equal(["kappa_W_mK"], Oracles.Get("slack").Outputs);
        Assert.Equal(["T", "t_half_s"], Oracles.Get("heat-fd").Outputs);
    }

    [Fact]
    public void An_unknown_oracle_should_be_refused_listing_the_known_ones()
    {
        var error = Assert.Throws<InvalidInputException>(() => Oracles.Get("dft"));
        Assert.Equal("oracle", error.Field);
        Assert.Contains("known: thin-film, slack, heat-fd", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(-5.0, 0.5, 300.0, 0.0, "thickness_nm")]
    [InlineData(double.NaN, 0.5, 300.0, 0.0, "thickness_nm")]
    [InlineData(100.0, double.NaN, 300.0, 0.0, "roughness_nm")]
    [InlineData(100.0, -0.1, 300.0, 0.0, "roughness_nm")]
    [InlineData(100.0, 0.5, 0.0, 0.0, "temperature_K")]
    [InlineData(100.0, 0.5, double.PositiveInfinity, 1.0, "temperature_K")]
    [InlineData(100.0, 0.5, 300.0, 2.0, "direction")]
    [InlineData(100.0, 0.5, 300.0, 0.5, "direction")]
    public void Bad_thin_film_inputs_should_be_refused_naming_the_column(double d, double eta, double t, double direction, string column) =>
        Assert.Equal(column, Assert.Throws<InvalidInputException>(() => Oracles.Get("thin-film").Evaluate([d, eta, t, direction])).Field);

    [Theory]
    [InlineData(double.NaN, 645, 20, 2, 1, 300, "mean_mass_amu")]
    [InlineData(28, -645, 20, 2, 1, 300, "debye_K")]
    [InlineData(28, 645, 0, 2, 1, 300, "volume_A3")]
    [InlineData(28, 645, 20, 2.5, 1, 300, "atoms_per_cell")]
    [InlineData(28, 645, 20, 0, 1, 300, "atoms_per_cell")]
    [InlineData(28, 645, 20, 2, 0, 300, "gruneisen")]
    [InlineData(28, 645, 20, 2, 1, double.NaN, "temperature_K")]
    public void Bad_slack_inputs_should_be_refused_naming_the_column(double m, double theta, double v, double n, double g, double t, string column) =>
        Assert.Equal(column, Assert.Throws<InvalidInputException>(() => Oracles.Get("slack").Evaluate([m, theta, v, n, g, t])).Field);

    [Theory]
    [InlineData(double.NaN, 0.05, 0.5, 10, "alpha_m2_s")]
    [InlineData(1e-5, -0.05, 0.5, 10, "length_m")]
    [InlineData(1e-5, 0.05, 1.5, 10, "probe_x_frac")]
    [InlineData(1e-5, 0.05, 0.5, 0, "time_s")]
    public void Bad_heat_inputs_should_be_refused_naming_the_column(double alpha, double length, double fraction, double time, string column) =>
        Assert.Equal(column, Assert.Throws<InvalidInputException>(() => Oracles.Get("heat-fd").Evaluate([alpha, length, fraction, time])).Field);

    [Fact]
    public void A_vector_of_the_wrong_length_should_be_refused() =>
        Assert.Equal("inputs", Assert.Throws<InvalidInputException>(() => Oracles.Get("slack").Evaluate([1.0, 2.0])).Field);

    [Fact]
    public void Inputs_outside_the_sampling_range_but_physical_should_be_evaluated()
    {
        // The sampling range is where data is generated, not the model's domain: a 5 nm film at 1000 K is still physics.
        var k = Oracles.Get("thin-film").Evaluate([5, 3, 1000, 1])[0];
        Assert.True(k > 0 && k < ThinFilmSilicon.BulkConductivity(1000));
        Assert.True(Oracles.Get("slack").Evaluate([28, 645, 20, 64, 1, 300])[0] > 0);
    }
}
