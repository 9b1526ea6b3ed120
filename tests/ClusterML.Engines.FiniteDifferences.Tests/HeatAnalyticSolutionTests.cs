using ClusterML.Engines.FiniteDifferences;

namespace ClusterML.Engines.FiniteDifferences.Tests;

public sealed class HeatAnalyticSolutionTests
{
    // Reference values of the unit problem (shared/notes/physics.md §1, from an independent plain-Python series to 1e-15).
    [Theory]
    [InlineData(0.5, 0.01, 4.06952017e-4, 1e-12)]
    [InlineData(0.5, 0.1, 0.262756269810, 1e-12)]
    [InlineData(0.5, 1.0, 0.499967071997, 1e-12)]
    public void Unit_problem_should_match_independent_reference_values(double xi, double tau, double expected, double tolerance) =>
        Assert.Equal(expected, HeatAnalyticSolution.UnitStep(xi, tau), tolerance);

    [Theory]
    [InlineData(1e-3)]
    [InlineData(2e-3)]
    [InlineData(5e-3)]
    [InlineData(1e-2)]
    [InlineData(0.1)]
    public void Fourier_and_image_series_should_agree_where_both_converge(double tau)
    {
        for (var xi = 0.01; xi < 1.0; xi += 0.049)
        {
            Assert.Equal(HeatAnalyticSolution.FourierSeries(xi, tau), HeatAnalyticSolution.ImageSeries(xi, tau), tolerance: 1e-13);
        }
    }

    [Fact]
    public void General_problem_should_meet_its_boundary_and_initial_conditions_and_reach_the_linear_steady_state()
    {
        var problem = new HeatProblem(Alpha: 0.3, Length: 2.0, Left: 2.0, Right: -1.0, Initial: 5.0);
        foreach (var t in new[] { 0.01, 0.5, 3.0 })
        {
            Assert.Equal(2.0, HeatAnalyticSolution.Evaluate(problem, 0.0, t), tolerance: 1e-14);
            Assert.Equal(-1.0, HeatAnalyticSolution.Evaluate(problem, 2.0, t), tolerance: 1e-14);
        }
        Assert.Equal(5.0, HeatAnalyticSolution.Evaluate(problem, 0.7, 0.0), tolerance: 0.0);
        // τ = 0.3·200/4 = 15: every mode has decayed, T is the straight line from 2 to −1.
        Assert.Equal(2.0 - (1.5 * 0.7), HeatAnalyticSolution.Evaluate(problem, 0.7, 200.0), tolerance: 1e-12);
    }

    [Fact]
    public void Solution_should_satisfy_the_heat_equation_by_finite_differences()
    {
        // Check T_t = α T_xx at an interior point with central differences (truncation ~1e-7 with h = 1e-3).
        var problem = new HeatProblem(Alpha: 0.1, Length: 1.0);
        const double x = 0.6, t = 0.4, h = 1e-3;
        double T(double xx, double tt) => HeatAnalyticSolution.Evaluate(problem, xx, tt);
        var tt = (T(x, t + h) - T(x, t - h)) / (2 * h);
        var txx = (T(x + h, t) - (2 * T(x, t)) + T(x - h, t)) / (h * h);
        Assert.Equal(tt, problem.Alpha * txx, tolerance: 1e-6);
    }
}
