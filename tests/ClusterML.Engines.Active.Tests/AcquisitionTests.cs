using MathNet.Numerics.Distributions;

namespace ClusterML.Engines.Active.Tests;

public sealed class AcquisitionTests
{
    /// <summary>∫ f(y) N(y; μ, σ²) dy over [a, b] by composite Simpson.</summary>
    private static double Integrate(Func<double, double> f, double mean, double sigma, double a, double b, int intervals = 200_000)
    {
        if (b <= a)
        {
            return 0;
        }
        var h = (b - a) / intervals;
        double G(double y) => f(y) * Normal.PDF(mean, sigma, y);
        var sum = G(a) + G(b);
        for (var i = 1; i < intervals; i++)
        {
            sum += (i % 2 == 1 ? 4 : 2) * G(a + (i * h));
        }
        return sum * h / 3;
    }

    [Theory]
    [InlineData(0.3, 0.2, 0.5, 0.0)]
    [InlineData(1.0, 0.5, 0.2, 0.05)]
    [InlineData(-2.0, 1.5, -1.0, 0.1)]
    [InlineData(2.0, 0.1, 1.0, 0.0)] // improvement unlikely: EI is tiny but positive
    public void Ei_for_a_minimum_should_equal_the_integral_of_the_improvement(double mean, double sigma, double best, double xi)
    {
        // E[max(0, best − Y − ξ)], Y ~ N(μ, σ²): the integrand vanishes above y = best − ξ.
        var kink = best - xi;
        var expected = Integrate(y => best - y - xi, mean, sigma, mean - (14 * sigma), Math.Min(kink, mean + (14 * sigma)));
        var actual = Acquisition.Score("ei", "min", mean, sigma, kappa: 2, xi, best);
        Assert.Equal(expected, actual, 1e-6);
        Assert.True(actual >= 0);
    }

    [Theory]
    [InlineData(0.3, 0.2, 0.5, 0.0)]
    [InlineData(1.0, 0.5, 0.2, 0.05)]
    [InlineData(-2.0, 1.5, -1.0, 0.1)]
    public void Ei_for_a_maximum_should_equal_the_integral_of_the_improvement(double mean, double sigma, double best, double xi)
    {
        // E[max(0, Y − best − ξ)]: the integrand vanishes below y = best + ξ.
        var kink = best + xi;
        var expected = Integrate(y => y - best - xi, mean, sigma, Math.Max(kink, mean - (14 * sigma)), mean + (14 * sigma));
        var actual = Acquisition.Score("ei", "max", mean, sigma, kappa: 2, xi, best);
        Assert.Equal(expected, actual, 1e-6);
    }

    [Fact]
    public void Ei_with_zero_sigma_should_be_the_plain_improvement()
    {
        Assert.Equal(0.3, Acquisition.Score("ei", "min", 1.0, 0, 2, 0.1, 1.4), 1e-12); // 1.4 − 1.0 − 0.1
        Assert.Equal(0.0, Acquisition.Score("ei", "min", 1.5, 0, 2, 0.0, 1.4), 1e-12);
        Assert.Equal(0.5, Acquisition.Score("ei", "max", 2.0, 0, 2, 0.0, 1.5), 1e-12);
        Assert.Equal(0.0, Acquisition.Score("ei", "max", 1.0, 0, 2, 0.0, 1.5), 1e-12);
        Assert.Equal(0.25, Acquisition.ExpectedImprovement(1.5, 0, 1.0, 0.25), 1e-12);
    }

    [Fact]
    public void Ei_should_grow_with_sigma_at_a_fixed_mean_and_with_a_better_mean_at_a_fixed_sigma()
    {
        Assert.True(Acquisition.Score("ei", "min", 1, 0.5, 2, 0, 1) > Acquisition.Score("ei", "min", 1, 0.1, 2, 0, 1));
        Assert.True(Acquisition.Score("ei", "min", 0.5, 0.2, 2, 0, 1) > Acquisition.Score("ei", "min", 0.9, 0.2, 2, 0, 1));
        Assert.True(Acquisition.Score("ei", "max", 0.9, 0.2, 2, 0, 1) > Acquisition.Score("ei", "max", 0.5, 0.2, 2, 0, 1));
    }

    [Fact]
    public void Ucb_should_score_mu_plus_kappa_sigma_for_a_maximum_and_minus_mu_minus_kappa_sigma_for_a_minimum()
    {
        Assert.Equal(1.0 + (2 * 0.5), Acquisition.Score("ucb", "max", 1.0, 0.5, 2, 0, 0), 1e-12);
        Assert.Equal(-(1.0 - (2 * 0.5)), Acquisition.Score("ucb", "min", 1.0, 0.5, 2, 0, 0), 1e-12);
        Assert.Equal(-(3.0 - (1.5 * 0.2)), Acquisition.Score("ucb", "min", 3.0, 0.2, 1.5, 0, 0), 1e-12);
        // For a minimum the candidate with the lowest μ − κσ ranks first.
        (double Mean, double Sigma)[] candidates = [(1.0, 0.1), (1.2, 0.5), (0.9, 0.0), (2.0, 1.0)];
        var byScore = candidates.OrderByDescending(c => Acquisition.Score("ucb", "min", c.Mean, c.Sigma, 2, 0, 0)).ToArray();
        var byBound = candidates.OrderBy(c => c.Mean - (2 * c.Sigma)).ToArray();
        Assert.Equal(byBound, byScore);
        var byScoreMax = candidates.OrderByDescending(c => Acquisition.Score("ucb", "max", c.Mean, c.Sigma, 2, 0, 0)).ToArray();
        Assert.Equal(candidates.OrderByDescending(c => c.Mean + (2 * c.Sigma)).ToArray(), byScoreMax);
    }

    [Fact]
    public void Uncertainty_should_return_sigma_whatever_the_goal()
    {
        Assert.Equal(0.37, Acquisition.Score("uncertainty", null, 5.0, 0.37, 2, 0, 0));
        Assert.Equal(0.37, Acquisition.Score("uncertainty", "min", -5.0, 0.37, 2, 0, 99));
        Assert.Equal(0.0, Acquisition.Score("uncertainty", "max", 5.0, 0.0, 2, 0, 0));
    }

    [Fact]
    public void An_unknown_acquisition_should_throw()
    {
        Assert.Throws<ArgumentException>(() => Acquisition.Score("random", "min", 0, 1, 2, 0, 0));
    }
}
