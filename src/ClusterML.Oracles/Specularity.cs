namespace ClusterML.Oracles;

/// <summary>
/// Fraction of phonons reflected specularly by a rough surface at normal incidence. This project uses the Kirchhoff form
/// p(λ) = exp(−16π²η²/λ²), i.e. a specularity reduction 4η²k² with k = 2π/λ (as stated by Maznev, PRB 91, 134306 (2015)).
/// The often-copied exp(−16π³η²/λ²) attributed to Ziman (1960) differs by a factor π in the exponent and was not chosen.
/// </summary>
public static class Specularity
{
    /// <summary>p for RMS roughness η and phonon wavelength λ (same length unit, both &gt; 0).</summary>
    public static double Ziman(double roughness, double wavelength) =>
        Math.Exp(-16.0 * Math.PI * Math.PI * roughness * roughness / (wavelength * wavelength));
}
