namespace ClusterML.Oracles;

/// <summary>
/// Specularity p of a rough boundary: the fraction of phonons of wavelength λ reflected specularly by a surface of RMS
/// roughness η, at normal incidence. This project uses the Kirchhoff form p(λ) = exp(−16π²η²/λ²): a specularity reduction
/// 4η²k² with k = 2π/λ, the expression Maznev (PRB 91, 134306 (2015)) identifies as "Ziman's equation". The widely copied
/// exp(−16π³η²/λ²), with π³, differs by a factor π in the exponent (0.94 against 0.82 at η = 0.1 nm, λ = 5 nm) and was not
/// chosen. Maznev also shows that both overestimate diffuse scattering for short correlation lengths; that is accepted here.
/// </summary>
public static class Specularity
{
    /// <summary>p = exp(−16π²η²/λ²) ∈ (0, 1] for roughness η ≥ 0 and wavelength λ &gt; 0, both in nm.</summary>
    public static double Ziman(double roughnessNm, double wavelengthNm) => Math.Exp(-Exponent(roughnessNm, wavelengthNm));

    /// <summary>
    /// 1 − p, computed without cancellation: long-wavelength phonons have p within 1e-7 of 1, and Fuchs–Sondheimer
    /// suppression is proportional to 1 − p there.
    /// </summary>
    internal static double DiffuseFraction(double roughnessNm, double wavelengthNm) => OneMinusExpNegative(Exponent(roughnessNm, wavelengthNm));

    /// <summary>1 − e^{−y} for y ≥ 0, accurate to a few ulps also for tiny y (a Taylor series below 1e-3).</summary>
    internal static double OneMinusExpNegative(double y)
    {
        if (y < 1e-3)
        {
            // Truncation error y⁵/120 relative to y: below 1e-14.
            return y * (1.0 - (y * (0.5 - (y * ((1.0 / 6.0) - (y / 24.0))))));
        }
        return 1.0 - Math.Exp(-y);
    }

    private static double Exponent(double roughnessNm, double wavelengthNm)
    {
        var ratio = roughnessNm / wavelengthNm;
        return 16.0 * Math.PI * Math.PI * ratio * ratio;
    }
}
