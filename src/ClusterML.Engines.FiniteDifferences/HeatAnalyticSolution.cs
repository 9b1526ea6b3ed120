using MathNet.Numerics;

namespace ClusterML.Engines.FiniteDifferences;

/// <summary>
/// Exact solution of <see cref="HeatProblem"/>, the oracle for the finite-difference and PINN engines.
/// By linearity T = T0 + (a − T0)·F(1 − ξ, τ) + (b − T0)·F(ξ, τ), with ξ = x/L, τ = αt/L² and F the unit problem
/// (left 0, right 1, initial 0). F is summed as a Fourier series for τ ≥ <see cref="ImageSeriesBelowTau"/> and as the
/// erfc image series below it, where the Fourier series would need hundreds of terms; both are summed until the
/// next term is below 1e-17, so the result is accurate to rounding. Pure and thread-safe.
/// </summary>
public static class HeatAnalyticSolution
{
    /// <summary>τ below which the image series is used.</summary>
    public const double ImageSeriesBelowTau = 2e-3;

    /// <summary>T(x, t) for <paramref name="problem"/>. At t = 0 it returns the initial value inside and the boundary values at the ends.</summary>
    public static double Evaluate(HeatProblem problem, double x, double t)
    {
        var xi = x / problem.Length;
        var tau = problem.Tau(t);
        return problem.Initial
            + ((problem.Left - problem.Initial) * UnitStep(1.0 - xi, tau))
            + ((problem.Right - problem.Initial) * UnitStep(xi, tau));
    }

    /// <summary>
    /// F(ξ, τ): the unit problem with F(τ, 0) = 0, F(τ, 1) = 1, F(0, ξ) = 0 on 0 ≤ ξ ≤ 1; the boundary value wins at the corner ξ = 1, τ = 0.
    /// </summary>
    public static double UnitStep(double xi, double tau)
    {
        if (xi <= 0.0)
        {
            return 0.0;
        }
        if (xi >= 1.0)
        {
            return 1.0;
        }
        if (tau <= 0.0)
        {
            return 0.0;
        }
        return tau < ImageSeriesBelowTau ? ImageSeries(xi, tau) : FourierSeries(xi, tau);
    }

    internal static double FourierSeries(double xi, double tau)
    {
        // F = ξ + Σ 2(−1)^n/(nπ) sin(nπξ) exp(−n²π²τ)
        var sum = xi;
        var sign = -1.0;
        for (var n = 1; n < 100_000; n++)
        {
            var k = n * Math.PI;
            var envelope = 2.0 / k * Math.Exp(-k * k * tau);
            sum += sign * envelope * Math.Sin(k * xi);
            if (envelope < 1e-17)
            {
                break;
            }
            sign = -sign;
        }
        return sum;
    }

    internal static double ImageSeries(double xi, double tau)
    {
        // F = Σ_k erfc(((2k+1) − ξ)/(2√τ)) − erfc(((2k+1) + ξ)/(2√τ))
        var s2 = 2.0 * Math.Sqrt(tau);
        var sum = 0.0;
        for (var k = 0; k < 1000; k++)
        {
            var odd = (2 * k) + 1;
            var term = SpecialFunctions.Erfc((odd - xi) / s2) - SpecialFunctions.Erfc((odd + xi) / s2);
            sum += term;
            if (Math.Abs(term) < 1e-17)
            {
                break;
            }
        }
        return sum;
    }
}
