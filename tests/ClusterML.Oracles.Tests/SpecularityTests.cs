namespace ClusterML.Oracles.Tests;

public sealed class SpecularityTests
{
    [Fact]
    public void Specularity_should_use_the_pi_squared_form()
    {
        // p = exp(−16π²η²/λ²) = 0.939 at η = 0.1 nm, λ = 5 nm; the π³ form would give 0.82.
        Assert.Equal(0.94, Specularity.Ziman(0.1, 5.0), tolerance: 0.005);
        Assert.Equal(Math.Exp(-16 * Math.PI * Math.PI * 0.04 / 25), Specularity.Ziman(0.2, 5.0), tolerance: 1e-15);
    }

    [Fact]
    public void Smooth_walls_and_long_waves_should_reflect_specularly()
    {
        Assert.Equal(1.0, Specularity.Ziman(0.0, 1.0));
        Assert.True(Specularity.Ziman(2.0, 1.0) < 1e-50);
    }

    [Theory]
    [InlineData(0.1, 1e4)]
    [InlineData(0.1, 5.0)]
    [InlineData(1.0, 3.0)]
    public void The_diffuse_fraction_should_keep_its_digits_near_specular(double roughnessNm, double wavelengthNm)
    {
        var y = 16 * Math.PI * Math.PI * roughnessNm * roughnessNm / (wavelengthNm * wavelengthNm);
        // 1 − e^{−y} = 2 e^{−y/2} sinh(y/2) has no cancellation.
        var exact = 2 * Math.Exp(-y / 2) * Math.Sinh(y / 2);
        Assert.Equal(exact, Specularity.DiffuseFraction(roughnessNm, wavelengthNm), tolerance: 1e-13 * exact);
    }
}
