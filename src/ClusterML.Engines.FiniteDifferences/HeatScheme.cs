namespace ClusterML.Engines.FiniteDifferences;

/// <summary>Time-stepping scheme of the finite-difference heat solver.</summary>
public enum HeatScheme
{
    /// <summary>Forward Euler in time, central in space (FTCS); stable for r = αΔt/Δx² ≤ 1/2; O(Δt + Δx²).</summary>
    Explicit,

    /// <summary>Trapezoidal in time (a tridiagonal solve per step); unconditionally stable; O(Δt² + Δx²).</summary>
    CrankNicolson,
}
