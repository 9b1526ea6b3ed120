using ClusterML.Engines.Pinn.Reference;

namespace ClusterML.Oracles.Tests;

public sealed class SlackAndHeatTests
{
    [Fact]
    public void Slack_should_give_the_silicon_check_value() =>
        Assert.Equal(118.6, new SlackOracle().Evaluate([28.0855, 645, 20.02, 2, 1.06, 300])[0], tolerance: 0.5);

    [Fact]
    public void Slack_should_fall_exactly_as_one_over_temperature()
    {
        var oracle = new SlackOracle();
        var at300 = oracle.Evaluate([50, 400, 15, 4, 1.5, 300])[0];
        var at600 = oracle.Evaluate([50, 400, 15, 4, 1.5, 600])[0];
        Assert.Equal(2.0, at300 / at600, tolerance: 1e-12);
    }

    [Theory]
    [InlineData(1e-5, 0.05, 0.5, 100)]
    [InlineData(3e-5, 0.02, 0.8, 20)]
    [InlineData(1e-4, 0.1, 0.25, 900)]
    public void Heat_probe_temperature_should_match_the_analytic_solution(double alpha, double length, double fraction, double time)
    {
        var problem = new HeatProblem(alpha, length);
        Assert.True(problem.Tau(time) >= 0.01);
        var exact = HeatAnalyticSolution.Evaluate(problem, fraction * length, time);
        Assert.Equal(exact, new HeatFdOracle().Evaluate([alpha, length, fraction, time])[0], tolerance: 1e-3);
    }

    [Fact]
    public void Heat_half_rise_time_should_match_the_analytic_crossing()
    {
        // Bisection on the exact solution: F(1/2, τ) = 0.25.
        double lo = 0.01, hi = 1.0;
        for (var k = 0; k < 60; k++)
        {
            var mid = 0.5 * (lo + hi);
            (lo, hi) = HeatAnalyticSolution.UnitStep(0.5, mid) < 0.25 ? (mid, hi) : (lo, mid);
        }
        var oracle = new HeatFdOracle();
        Assert.Equal(lo, oracle.TauHalf, tolerance: 0.01 * lo);
        Assert.Equal(oracle.TauHalf * 0.05 * 0.05 / 2e-5, oracle.Evaluate([2e-5, 0.05, 0.5, 10])[1], tolerance: 1e-9);
    }

    [Fact]
    public void Long_times_should_give_the_steady_linear_profile() =>
        Assert.Equal(0.3, new HeatFdOracle().Evaluate([1e-4, 0.01, 0.3, 1000])[0], tolerance: 1e-6);
}
