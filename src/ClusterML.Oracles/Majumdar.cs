namespace ClusterML.Oracles;

/// <summary>Cross-plane suppression of a film's conductivity in the grey approximation (Majumdar, J. Heat Transfer 115, 7 (1993)).</summary>
public static class Majumdar
{
    /// <summary>k⊥/k_bulk = 1/(1 + 4Kn/3) for Knudsen number Kn = Λ/d ≥ 0.</summary>
    public static double CrossPlaneSuppression(double knudsen) => 1.0 / (1.0 + (4.0 * knudsen / 3.0));
}
