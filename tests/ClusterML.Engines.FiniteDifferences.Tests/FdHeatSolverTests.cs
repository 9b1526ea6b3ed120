using ClusterML.Core.Validation;
using ClusterML.Engines.FiniteDifferences;

namespace ClusterML.Engines.FiniteDifferences.Tests;

public sealed class FdHeatSolverTests
{
    private static readonly HeatProblem Unit = new(Alpha: 1.0, Length: 1.0);

    private static double MaxError(HeatScheme scheme, int intervals, double r, double tEnd = 0.1)
    {
        var settings = new FdHeatSettings(Unit, Nx: intervals + 1, TEnd: tEnd, R: r, Scheme: scheme, Snapshots: 2, HeatmapRows: 11);
        var solution = FdHeatSolver.Solve(settings);
        Assert.Equal(10, solution.Error.TimesCompared); // τ = 0.01 … 0.1
        return solution.Error.MaxAbs!.Value;
    }

    [Theory]
    [InlineData(0.25)]
    [InlineData(0.5)]
    [InlineData(0.4)]
    public void Explicit_scheme_should_converge_at_second_order_in_dx_at_fixed_r(double r)
    {
        var errors = new[] { 20, 40, 80, 160 }.Select(m => MaxError(HeatScheme.Explicit, m, r)).ToArray();
        AssertQuartersPerHalving(errors);
    }

    /// <summary>Second order: each halving of the step divides the error by 4 (± 10 %).</summary>
    private static void AssertQuartersPerHalving(double[] errors)
    {
        for (var k = 1; k < errors.Length; k++)
        {
            Assert.InRange(errors[k - 1] / errors[k], 3.6, 4.4);
        }
    }

    [Fact]
    public void Explicit_error_should_match_the_classical_value_at_r_one_half()
    {
        // shared/notes/physics.md §1: max error at τ = 0.1 for M = 40, r = 1/2 is 7.79e-4 (independent plain-Python FTCS).
        var settings = new FdHeatSettings(Unit, Nx: 41, TEnd: 0.1, R: 0.5, Snapshots: 2, HeatmapRows: 2);
        var solution = FdHeatSolver.Solve(settings);
        Assert.Equal(7.79e-4, solution.Error.MaxAbs!.Value, tolerance: 0.01e-4);
    }

    [Theory]
    [InlineData(0.25)]
    [InlineData(1.0)]
    public void Crank_Nicolson_should_converge_at_second_order_in_dx_at_fixed_r(double r)
    {
        // From M = 40: at M = 20 and r = 1 the first compared time (τ = 0.01) is only 4 steps after the jump.
        var errors = new[] { 40, 80, 160, 320 }.Select(m => MaxError(HeatScheme.CrankNicolson, m, r)).ToArray();
        AssertQuartersPerHalving(errors);
    }

    [Fact]
    public void Crank_Nicolson_should_be_second_order_in_time_at_a_fixed_grid()
    {
        // Fine grid so the spatial error is negligible; halving dt should quarter the error. Here r = 4000 to 32 000:
        // without the Rannacher start-up the undamped jump modes would hold the ratio near 1.
        double ErrorFor(double dt) => FdHeatSolver.Solve(new FdHeatSettings(Unit, Nx: 2001, TEnd: 0.1, Dt: dt,
            Scheme: HeatScheme.CrankNicolson, Snapshots: 2, HeatmapRows: 2)).Error.MaxAbs!.Value;
        var errors = new[] { 10, 20, 40, 80 }.Select(n => ErrorFor(0.1 / n)).ToArray();
        AssertQuartersPerHalving(errors);
    }

    [Fact]
    public void General_boundary_and_initial_values_should_match_the_analytic_solution()
    {
        // Jumps of 3 and 6 at the two corners. Both the PDE and the schemes are linear, so the error is at most
        // (3 + 6) times that of the unit problem on the same grid and τ range (τ_end = 0.3·2/2² = 0.15).
        var problem = new HeatProblem(Alpha: 0.3, Length: 2.0, Left: 2.0, Right: -1.0, Initial: 5.0);
        foreach (var scheme in new[] { HeatScheme.Explicit, HeatScheme.CrankNicolson })
        {
            var unit = FdHeatSolver.Solve(new FdHeatSettings(Unit, Nx: 201, TEnd: 0.15, R: 0.4, Scheme: scheme)).Error.MaxAbs!.Value;
            var solution = FdHeatSolver.Solve(new FdHeatSettings(problem, Nx: 201, TEnd: 2.0, R: 0.4, Scheme: scheme));
            Assert.InRange(solution.Error.MaxAbs!.Value, 0.5 * unit, 9.0 * unit * (1 + 1e-9));
            Assert.Equal(2.0, solution.Snapshots[^1][0], tolerance: 0.0);
            Assert.Equal(-1.0, solution.Snapshots[^1][^1], tolerance: 0.0);
        }
    }

    [Fact]
    public void Explicit_r_above_one_half_should_be_refused_naming_the_limit_and_the_largest_stable_dt()
    {
        var settings = new FdHeatSettings(new HeatProblem(Alpha: 0.1), Nx: 101, R: 0.51);
        var error = Assert.Throws<InvalidInputException>(() => settings.Plan());
        Assert.Equal("--r", error.Field);
        Assert.Contains("r ≤ 1/2", error.Message, StringComparison.Ordinal);
        Assert.Contains("largest stable dt", error.Message, StringComparison.Ordinal);
        Assert.Contains("0.0005", error.Message, StringComparison.Ordinal); // 0.5·0.01²/0.1

        var byDt = Assert.Throws<InvalidInputException>(() => (settings with { R = null, Dt = 0.00051 }).Plan());
        Assert.Equal("--dt", byDt.Field);
    }

    [Fact]
    public void Explicit_r_of_exactly_one_half_and_Crank_Nicolson_at_r_ten_should_be_accepted()
    {
        Assert.Equal(0.5, new FdHeatSettings(Unit, Nx: 11, TEnd: 0.1, R: 0.5).Plan().R, tolerance: 1e-12);
        var cn = FdHeatSolver.Solve(new FdHeatSettings(Unit, Nx: 41, TEnd: 0.5, R: 10, Scheme: HeatScheme.CrankNicolson));
        Assert.All(cn.Snapshots[^1], v => Assert.InRange(v, -1e-9, 1 + 1e-9));
    }

    [Theory]
    [InlineData(2, 1.0, 1.0, "--nx")]
    [InlineData(101, 0.0, 1.0, "--alpha")]
    [InlineData(101, -0.1, 1.0, "--alpha")]
    [InlineData(101, double.NaN, 1.0, "--alpha")]
    [InlineData(101, 1.0, 0.0, "--t-end")]
    [InlineData(101, 1.0, double.NaN, "--t-end")]
    [InlineData(101, 1.0, double.PositiveInfinity, "--t-end")]
    public void Bad_settings_should_be_refused_naming_the_field(int nx, double alpha, double tEnd, string field)
    {
        var settings = new FdHeatSettings(new HeatProblem(Alpha: alpha), Nx: nx, TEnd: tEnd);
        Assert.Equal(field, Assert.Throws<InvalidInputException>(() => settings.Plan()).Field);
    }

    [Fact]
    public void Other_bad_settings_should_be_refused()
    {
        var good = new FdHeatSettings(Unit);
        Assert.Equal("--dt/--r", Assert.Throws<InvalidInputException>(() => (good with { Dt = 1e-5, R = 0.1 }).Plan()).Field);
        Assert.Equal("--dt", Assert.Throws<InvalidInputException>(() => (good with { Dt = -1 }).Plan()).Field);
        Assert.Equal("--r", Assert.Throws<InvalidInputException>(() => (good with { R = double.NaN }).Plan()).Field);
        Assert.Equal("--left", Assert.Throws<InvalidInputException>(() => (good with { Problem = Unit with { Left = double.NaN } }).Plan()).Field);
        Assert.Equal("--length", Assert.Throws<InvalidInputException>(() => (good with { Problem = Unit with { Length = 0 } }).Plan()).Field);
        Assert.Equal("--snapshots", Assert.Throws<InvalidInputException>(() => (good with { Snapshots = 1 }).Plan()).Field);
        Assert.Equal("--r", Assert.Throws<InvalidInputException>(() => (good with { Nx = 10_000_000, TEnd = 1e3 }).Plan()).Field);
    }

    [Fact]
    public void The_step_should_be_shortened_so_that_whole_steps_end_at_t_end()
    {
        var plan = new FdHeatSettings(Unit, Nx: 11, TEnd: 1.0, Dt: 0.003).Plan();
        Assert.Equal(334, plan.Steps);
        Assert.Equal(1.0 / 334, plan.Dt, tolerance: 1e-15);
        Assert.True(plan.R < 0.3);
    }

    [Fact]
    public void Snapshots_should_be_at_evenly_spaced_times_including_both_ends()
    {
        var solution = FdHeatSolver.Solve(new FdHeatSettings(Unit, Nx: 21, TEnd: 0.1, R: 0.25, Snapshots: 5));
        Assert.Equal([0.0, 0.025, 0.05, 0.075, 0.1], solution.SnapshotTimes.Select(t => Math.Round(t, 12)));
        Assert.All(solution.Snapshots, s => Assert.Equal(21, s.Length));
        // Initial field: the boundary wins at the corners, the interior is the initial value.
        Assert.Equal(1.0, solution.Snapshots[0][^1]);
        Assert.All(solution.Snapshots[0][..^1], v => Assert.Equal(0.0, v));
    }

    [Fact]
    public void Results_should_be_bit_identical_between_runs() =>
        Assert.Equal(
            FdHeatSolver.Solve(new FdHeatSettings(Unit, Nx: 57, TEnd: 0.05)).Snapshots[^1],
            FdHeatSolver.Solve(new FdHeatSettings(Unit, Nx: 57, TEnd: 0.05)).Snapshots[^1]);

    [Fact]
    public void Cancellation_should_stop_the_run()
    {
        using var cancel = new CancellationTokenSource();
        cancel.Cancel();
        Assert.Throws<OperationCanceledException>(() => FdHeatSolver.Solve(new FdHeatSettings(Unit), cancellationToken: cancel.Token));
    }

    [Fact]
    public void Progress_should_rise_to_one()
    {
        var reports = new List<double>();
        FdHeatSolver.Solve(new FdHeatSettings(Unit, Nx: 201, TEnd: 0.2), new SyncProgress(reports.Add));
        Assert.Equal(1.0, reports[^1]);
        Assert.Equal(reports.Order(), reports);
    }

    private sealed class SyncProgress(Action<double> report) : IProgress<double>
    {
        public void Report(double value) => report(value);
    }
}
