using ClusterML.Core.Validation;

namespace ClusterML.Engines.FiniteDifferences;

/// <summary>
/// The 1D heat equation T_t = α T_xx on 0 ≤ x ≤ L with Dirichlet values T(t,0) = <see cref="Left"/>,
/// T(t,L) = <see cref="Right"/> and a constant initial temperature T(0,x) = <see cref="Initial"/>.
/// Units are the user's, as long as they agree: α in m²/s with L in m and t in s, temperatures in K (or any unit).
/// The defaults are the textbook problem: α = 0.1, L = 1, T(t,0) = 0, T(t,L) = 1, T(0,x) = 0.
/// </summary>
public sealed record HeatProblem(double Alpha = 0.1, double Length = 1.0, double Left = 0.0, double Right = 1.0, double Initial = 0.0)
{
    /// <summary>Dimensionless time τ = α t / L².</summary>
    public double Tau(double t) => Alpha * t / (Length * Length);

    /// <summary>Checks every field; field names are the command-line options.</summary>
    /// <exception cref="InvalidInputException">A value is NaN, infinite or out of range.</exception>
    public HeatProblem Validated()
    {
        Require.Positive("--alpha", Alpha);
        Require.Positive("--length", Length);
        Require.Finite("--left", Left);
        Require.Finite("--right", Right);
        Require.Finite("--initial", Initial);
        return this;
    }
}
