namespace ClusterML.Oracles;

/// <summary>
/// Cross-plane suppression of a film's conductivity by its two boundaries in the grey approximation of Majumdar
/// (J. Heat Transfer 115, 7 (1993)): k⊥/k_bulk = 1/(1 + 4Kn/3), with Kn = Λ/d the Knudsen number (mean free path over
/// thickness), an approximate solution of the equation of phonon radiative transfer between diffuse walls: it tends to 1 for
/// thick films and to the ballistic 3/(4Kn) for thin ones. The thin-film oracle applies it per phonon frequency, Λ = Λ(ω).
/// </summary>
public static class Majumdar
{
    /// <summary>k⊥/k_bulk ∈ (0, 1] for Kn ≥ 0 (dimensionless).</summary>
    public static double CrossPlaneSuppression(double knudsen) => 1.0 / (1.0 + (4.0 * knudsen / 3.0));
}
