namespace ClusterML.Oracles.Tests;

public sealed class SlackOracleTests
{
    private static readonly SlackOracle Oracle = new();

    [Fact]
    public void Silicon_should_give_the_reference_value() =>
        // shared/notes/physics.md §4.2, form 1: 118.6 W/m/K (measured Si: 148).
        Assert.Equal(118.6, Oracle.Evaluate([28.0855, 645, 20.02, 2, 1.06, 300])[0], tolerance: 0.5);

    [Fact]
    public void Conductivity_should_fall_exactly_as_one_over_temperature()
    {
        var at200 = Oracle.Evaluate([50, 400, 15, 4, 1.5, 200])[0];
        var at800 = Oracle.Evaluate([50, 400, 15, 4, 1.5, 800])[0];
        Assert.Equal(4.0, at200 / at800, tolerance: 1e-12);
    }

    [Fact]
    public void Conductivity_should_scale_with_each_input_as_the_formula_says()
    {
        static double K(double m, double theta, double v, double n, double g) => SlackOracle.Conductivity(m, theta, v, n, g, 300);
        var reference = K(40, 300, 10, 1, 1.5);
        Assert.Equal(2.0, K(80, 300, 10, 1, 1.5) / reference, tolerance: 1e-12);   // ∝ M̄
        Assert.Equal(8.0, K(40, 600, 10, 1, 1.5) / reference, tolerance: 1e-12);   // ∝ θ_D³
        Assert.Equal(2.0, K(40, 300, 80, 1, 1.5) / reference, tolerance: 1e-12);   // ∝ (V/atom)^{1/3}
        Assert.Equal(0.25, K(40, 300, 10, 8, 1.5) / reference, tolerance: 1e-12);  // ∝ n^{−2/3}
        Assert.Equal(0.25, K(40, 300, 10, 1, 3.0) / reference, tolerance: 1e-12);  // ∝ γ⁻²
    }
}
