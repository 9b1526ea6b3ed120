namespace ClusterML.Oracles;

/// <summary>
/// In-plane suppression of a film's conductivity by its boundaries (Fuchs–Sondheimer; Sondheimer, Adv. Phys. 1, 1 (1952)),
/// for one phonon mode of Knudsen number Kn = Λ/d (mean free path over thickness, δ = 1/Kn) and boundary specularity p:
/// <code>
/// S(Kn, p) = k_film/k_bulk = 1 − (3(1 − p)/(2δ)) ∫₀¹ (u − u³) (1 − e^{−δ/u}) / (1 − p e^{−δ/u}) du
/// </code>
/// (the usual t-integral ∫₁^∞ (1/t³ − 1/t⁵)… dt with t = 1/u). S ∈ (0, 1]; S → 1 − 3(1 − p)Kn/8 for thick films and, for
/// diffuse walls (p = 0), → (3/(4Kn))(ln Kn + 0.4228) for thin ones; p = 1 gives 1.
/// </summary>
/// <remarks>
/// Two midpoint rules with <see cref="Bins"/> bins, chosen by δ = 1/Kn:
/// <list type="bullet">
/// <item>δ ≥ <see cref="ThickDelta"/> (Kn ≤ 0.025): e^{−δ/u} &lt; 5e-18 on the whole interval and the closed form 1 − 3(1 − p)/(8δ)
/// is the exact value.</item>
/// <item><see cref="ThinDelta"/> ≤ δ &lt; <see cref="ThickDelta"/>: the integral above in s = √u (u = s², du = 2s ds), which puts
/// more points near u = 0 than a uniform u grid.</item>
/// <item>δ &lt; <see cref="ThinDelta"/> (Kn &gt; 100): S is small and "1 − integral" would cancel catastrophically (a fixed grid
/// also stops resolving u ~ δ, where the thin-film physics is: a uniform 400-bin u grid gives 0.00055 instead of 0.00072 at
/// Kn = 10⁴, and S &lt; 0 beyond Kn ≈ 10⁷; the s grid beyond 3·10⁶). Using (3/(2δ))∫₀¹(u − u³)(δ/u) du = 1, S is rewritten as the integral of a
/// non-negative integrand, S = (3/(2δ)) ∫₀¹ (u − u³) h du with h = δ/u − (1 − p) g = [(1 − p)(y − a) + p a y]/(1 − p + p a),
/// y = δ/u, a = 1 − e^{−y}, and integrated in ln u from u₀ = 10⁻⁴ δ to 1 (below u₀, a = 1 and the integral is closed-form).
/// The grid follows δ, so S keeps its relative accuracy (≈ 1e-4) at any Kn, and S &gt; 0 always. Near-specular walls
/// (1 − p ≲ δ) leave S close to 1 even at large Kn; there a relative error is the worse choice and, when this form gives
/// S ≥ 0.5, the s-form above is used instead (no cancellation to fear when S is of order 1).</item>
/// </list>
/// </remarks>
public static class FuchsSondheimer
{
    /// <summary>Midpoint bins of the u-integral.</summary>
    public const int Bins = 400;

    /// <summary>δ = 1/Kn from which the thick-film closed form is exact to double precision.</summary>
    public const double ThickDelta = 40.0;

    /// <summary>δ = 1/Kn below which the thin-film form (integrand ≥ 0, log grid) is used.</summary>
    public const double ThinDelta = 0.01;

    /// <summary>The thin-film form is kept only for S below this (near-specular walls can leave S ≈ 1 at large Kn).</summary>
    private const double ThinFormBelow = 0.5;

    /// <summary>The log grid starts at u₀ = this × δ, where 1 − e^{−δ/u} = 1 exactly.</summary>
    private const double LogGridStart = 1e-4;

    // u_k = s_k², 1/u_k and the weights 2 s_k (u_k − u_k³) Δs of the midpoint rule in s; they do not depend on Kn or p.
    private static readonly double[] InverseU = new double[Bins];
    private static readonly double[] Weight = new double[Bins];

    static FuchsSondheimer()
    {
        for (var k = 0; k < Bins; k++)
        {
            var s = (k + 0.5) / Bins;
            var u = s * s;
            InverseU[k] = 1.0 / u;
            Weight[k] = 2.0 * s * (u - (u * u * u)) / Bins;
        }
    }

    /// <summary>S(Kn, p) for Kn &gt; 0 and 0 ≤ p ≤ 1 (p is clamped to that range).</summary>
    public static double Suppression(double knudsen, double specularity)
    {
        var p = Math.Clamp(specularity, 0.0, 1.0);
        return Suppression(knudsen, p, 1.0 - p);
    }

    /// <summary>S(Kn, p) with the diffuse fraction q = 1 − p passed separately, so that it keeps its digits when p → 1.</summary>
    internal static double Suppression(double knudsen, double specularity, double diffuse)
    {
        if (diffuse <= 0.0)
        {
            return 1.0;
        }
        var delta = 1.0 / knudsen;
        if (delta >= ThickDelta)
        {
            return 1.0 - (3.0 * diffuse / (8.0 * delta));
        }
        if (delta < ThinDelta)
        {
            // The thin form's error is relative (≈ 1e-4 of S), the other's absolute (≈ 1e-5): keep the thin one only where S is small.
            var thin = ThinSuppression(delta, specularity, diffuse);
            if (thin < ThinFormBelow)
            {
                return thin;
            }
        }
        var sum = 0.0;
        for (var k = 0; k < Bins; k++)
        {
            var y = delta * InverseU[k];
            // a = 1 − e^{−y}; the denominator 1 − p e^{−y} is written q + p a so that it is exact when both are small.
            var a = y >= ThickDelta ? 1.0 : Specularity.OneMinusExpNegative(y);
            sum += Weight[k] * a / (diffuse + (specularity * a));
        }
        return 1.0 - (1.5 * diffuse * knudsen * sum);
    }

    /// <summary>S = (3/(2δ)) ∫₀¹ (u − u³) h du, h ≥ 0 (see the remarks), midpoint rule in ln u.</summary>
    private static double ThinSuppression(double delta, double specularity, double diffuse)
    {
        var u0 = LogGridStart * delta;
        // Below u₀: a = 1, so h = δ/u − (1 − p), and ∫₀^{u₀} (u − u³) h du is exact.
        var below = (delta * (u0 - (u0 * u0 * u0 / 3.0))) - (diffuse * ((u0 * u0 / 2.0) - (u0 * u0 * u0 * u0 / 4.0)));
        var dz = -Math.Log(u0) / Bins;
        // Midpoints u_k = u₀ e^{(k + 1/2) dz} by a running product (one exponential per call, not per bin; 400 products
        // accumulate ~1e-14 of relative error).
        var step = Math.Exp(dz);
        var u = u0 * Math.Exp(0.5 * dz);
        var sum = 0.0;
        for (var k = 0; k < Bins; k++, u *= step)
        {
            var y = delta / u;
            var a = Specularity.OneMinusExpNegative(y);
            // y − a = y²/2 − y³/6 + …, by its series where the difference would lose digits.
            var yMinusA = y < 1e-3 ? y * y * (0.5 - (y * ((1.0 / 6.0) - (y / 24.0)))) : y - a;
            var h = ((diffuse * yMinusA) + (specularity * a * y)) / (diffuse + (specularity * a));
            sum += (u - (u * u * u)) * h * u; // du = u dz
        }
        return 1.5 / delta * (below + (sum * dz));
    }
}
