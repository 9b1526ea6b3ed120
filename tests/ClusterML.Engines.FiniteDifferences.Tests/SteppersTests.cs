using ClusterML.Engines.FiniteDifferences;

namespace ClusterML.Engines.FiniteDifferences.Tests;

public sealed class SteppersTests
{
    [Fact]
    public void Vectorised_sweep_should_equal_a_plain_scalar_loop_bit_for_bit_at_every_length()
    {
        var random = new Random(7);
        for (var n = 3; n <= 41; n++)
        {
            var current = Enumerable.Range(0, n).Select(_ => random.NextDouble()).ToArray();
            var next = new double[n];
            const double r = 0.37;
            ExplicitHeatStepper.Sweep(current, next, r);
            for (var i = 1; i < n - 1; i++)
            {
                var expected = ((1.0 - (2.0 * r)) * current[i]) + (r * (current[i - 1] + current[i + 1]));
                Assert.Equal(expected, next[i]);
            }
            Assert.Equal(0.0, next[0]);
            Assert.Equal(0.0, next[^1]);
        }
    }

    [Fact]
    public void Crank_Nicolson_step_should_solve_its_tridiagonal_system()
    {
        var random = new Random(3);
        const int n = 17;
        const double r = 2.5;
        var stepper = new CrankNicolsonHeatStepper(Enumerable.Range(0, n).Select(_ => random.NextDouble()).ToArray(), r);
        stepper.Advance(CrankNicolsonHeatStepper.StartupSteps);
        var old = stepper.Current.ToArray();
        stepper.Advance(1);
        var updated = stepper.Current.ToArray();
        Assert.Equal(old[0], updated[0]);
        Assert.Equal(old[^1], updated[^1]);
        for (var i = 1; i < n - 1; i++)
        {
            var lhs = (-r / 2 * updated[i - 1]) + ((1 + r) * updated[i]) - (r / 2 * updated[i + 1]);
            var rhs = (r / 2 * old[i - 1]) + ((1 - r) * old[i]) + (r / 2 * old[i + 1]);
            Assert.Equal(rhs, lhs, tolerance: 1e-13);
        }
    }

    [Fact]
    public void Crank_Nicolson_start_up_should_take_two_backward_Euler_half_steps()
    {
        var random = new Random(5);
        const int n = 13;
        const double r = 3.0;
        var old = Enumerable.Range(0, n).Select(_ => random.NextDouble()).ToArray();
        var stepper = new CrankNicolsonHeatStepper(old, r);
        stepper.Advance(1);
        // Replay: (1 + r) u_i − (r/2)(u_{i−1} + u_{i+1}) = v_i, twice (backward Euler with Δt/2, i.e. r/2).
        var expected = old;
        for (var half = 0; half < 2; half++)
        {
            expected = SolveDense(expected, r);
        }
        Assert.Equal(expected, stepper.Current.ToArray(), (a, b) => Math.Abs(a - b) < 1e-13);
    }

    private static double[] SolveDense(double[] v, double r)
    {
        // Gauss–Seidel to convergence: a plainly different method from the Thomas algorithm under test.
        var u = (double[])v.Clone();
        for (var sweep = 0; sweep < 2000; sweep++)
        {
            for (var i = 1; i < u.Length - 1; i++)
            {
                u[i] = (v[i] + (r / 2 * (u[i - 1] + u[i + 1]))) / (1 + r);
            }
        }
        return u;
    }

    [Theory]
    [InlineData(HeatScheme.Explicit)]
    [InlineData(HeatScheme.CrankNicolson)]
    public void Stepping_should_allocate_nothing(HeatScheme scheme)
    {
        var initial = new double[1000];
        initial[^1] = 1;
        IHeatStepper stepper = scheme == HeatScheme.Explicit ? new ExplicitHeatStepper(initial, 0.4) : new CrankNicolsonHeatStepper(initial, 0.4);
        stepper.Advance(10); // JIT and tiering out of the way
        var before = GC.GetAllocatedBytesForCurrentThread();
        stepper.Advance(5000);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(0, allocated);
    }
}
