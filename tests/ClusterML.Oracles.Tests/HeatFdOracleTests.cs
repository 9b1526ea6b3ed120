using ClusterML.Engines.FiniteDifferences;

namespace ClusterML.Oracles.Tests;

public sealed class HeatFdOracleTests
{
    private static readonly HeatFdOracle Oracle = new();

    [Theory]
    [InlineData(1e-5, 0.05, 0.5, 100)]     // τ = 0.4
    [InlineData(3e-5, 0.02, 0.8, 20)]      // τ = 1.5
    [InlineData(1e-4, 0.1, 0.25, 900)]     // τ = 9: beyond the τ = 2 cut, steady
    [InlineData(1e-6, 0.01, 0.9, 1)]       // τ = 0.01: steep boundary layer near x = L
    [InlineData(2e-6, 0.03, 0.63, 600)]    // τ = 1.33
    [InlineData(5e-5, 0.07, 0.37, 12.5)]   // τ = 0.128, probe between grid points
    public void Probe_temperature_should_match_the_analytic_solution(double alpha, double length, double fraction, double time)
    {
        var problem = new HeatProblem(alpha, length);
        Assert.True(problem.Tau(time) >= 0.01 * (1 - 1e-12));
        var exact = HeatAnalyticSolution.Evaluate(problem, fraction * length, time);
        Assert.Equal(exact, Oracle.Evaluate([alpha, length, fraction, time])[0], tolerance: 1e-3);
    }

    [Fact]
    public void Half_rise_time_should_match_the_analytic_crossing()
    {
        // Bisection on the exact unit solution: F(1/2, τ) = 0.25 (F rises monotonically at the midpoint).
        double lo = 0.01, hi = 1.0;
        for (var k = 0; k < 60; k++)
        {
            var mid = 0.5 * (lo + hi);
            (lo, hi) = HeatAnalyticSolution.UnitStep(0.5, mid) < 0.25 ? (mid, hi) : (lo, mid);
        }
        Assert.Equal(lo, HeatFdOracle.HalfRiseTau, tolerance: 0.01 * lo);

        var (alpha, length) = (2e-5, 0.05);
        var tHalf = Oracle.Evaluate([alpha, length, 0.5, 10])[1];
        Assert.Equal(lo * length * length / alpha, tHalf, tolerance: 0.01 * lo * length * length / alpha);
        // And consistently with the oracle's own probe: the midpoint is at 0.25 at t_half.
        Assert.Equal(0.25, Oracle.Evaluate([alpha, length, 0.5, tHalf])[0], tolerance: 1e-3);
    }

    [Fact]
    public void Long_times_should_give_the_steady_linear_profile()
    {
        foreach (var fraction in new[] { 0.05, 0.3, 0.77 })
        {
            Assert.Equal(fraction, Oracle.Evaluate([1e-4, 0.01, fraction, 1000])[0], tolerance: 1e-8);
        }
    }
}
