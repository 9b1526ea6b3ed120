namespace ClusterML.Oracles;

/// <summary>CODATA 2018 values (exact in the 2019 SI where marked), in SI units.</summary>
public static class PhysicalConstants
{
    /// <summary>Reduced Planck constant ħ, J·s.</summary>
    public const double Hbar = 1.054571817e-34;

    /// <summary>Boltzmann constant k_B, J/K (exact).</summary>
    public const double Boltzmann = 1.380649e-23;

    /// <summary>Atomic mass constant, kg.</summary>
    public const double AtomicMass = 1.66053906660e-27;
}
