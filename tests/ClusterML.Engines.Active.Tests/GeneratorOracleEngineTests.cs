using ClusterML.Core.Engines;
using ClusterML.Core.Validation;
using ClusterML.Oracles;

namespace ClusterML.Engines.Active.Tests;

public sealed class GeneratorOracleEngineTests
{
    private static TrainingOutcome Run(params (string Key, object Value)[] settings)
    {
        var spec = Registrations.Create("oracle", Registrations.Settings(settings));
        IEngine engine = new GeneratorOracleEngine();
        Assert.True(engine.Accepts(spec));
        return engine.Train(spec, new RunContext(1), TestContext.Current.CancellationToken);
    }

    [Theory]
    [InlineData(50.0, 0.5, 300.0, 0)]
    [InlineData(2000.0, 1.2, 150.0, 1)]
    [InlineData(12.0, 0.1, 750.0, 1)]
    public void An_oracle_call_should_report_the_generators_outputs_at_its_inputs(double thickness, double roughness, double temperature, int direction)
    {
        // Settings in another order than the generator's inputs, the direction as an integer: the engine orders them by name.
        var outcome = Run(("direction", direction), ("generator", "thin-film"), ("temperature_K", temperature), ("roughness_nm", roughness), ("thickness_nm", thickness));
        var expected = new ThinFilmOracle().Evaluate([thickness, roughness, temperature, direction]);
        Assert.NotNull(outcome.Metrics);
        Assert.Equal(expected[0], outcome.Metrics["k_W_mK"]);
        Assert.Equal(expected[1], outcome.Metrics["k_bulk_W_mK"]);
        Assert.Equal(2, outcome.Metrics.Count);
        Assert.True(double.IsNaN(outcome.FinalLoss), "an oracle call is a label, not a fit");
    }

    [Fact]
    public void A_missing_input_should_be_named_as_the_field()
    {
        var error = Assert.Throws<InvalidInputException>(() => Run(("generator", "thin-film"), ("thickness_nm", 100.0), ("temperature_K", 300.0), ("direction", 0)));
        Assert.Equal("roughness_nm", error.Field);
    }

    [Fact]
    public void An_extra_input_should_be_named_as_the_field()
    {
        var error = Assert.Throws<InvalidInputException>(() => Run(("generator", "thin-film"), ("thickness_nm", 100.0), ("roughness_nm", 0.5),
            ("temperature_K", 300.0), ("direction", 0), ("pressure_Pa", 1.0)));
        Assert.Equal("pressure_Pa", error.Field);
    }

    [Fact]
    public void A_value_that_is_no_number_should_be_named_as_the_field()
    {
        var error = Assert.Throws<InvalidInputException>(() => Run(("generator", "thin-film"), ("thickness_nm", "thick"), ("roughness_nm", 0.5),
            ("temperature_K", 300.0), ("direction", 0)));
        Assert.Equal("thickness_nm", error.Field);
    }

    [Fact]
    public void An_unknown_or_missing_generator_should_be_an_error()
    {
        Assert.Throws<InvalidInputException>(() => Run(("generator", "no-such-generator"), ("thickness_nm", 100.0)));
        var missing = Assert.Throws<InvalidInputException>(() => Run(("thickness_nm", 100.0)));
        Assert.Equal("generator", missing.Field);
    }
}
