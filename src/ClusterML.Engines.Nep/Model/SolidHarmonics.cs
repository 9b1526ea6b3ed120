namespace ClusterML.Engines.Nep.Model;

/// <summary>
/// Real solid harmonics S_lm(r) (Racah-normalised, S_lm(r̂) = √(4π/(2l+1)) Y_lm(r̂)) and their gradients, l ≤ 8, by the
/// standard recurrences; index l² + l + m. Orthonormal real spherical harmonics of a direction are then
/// Y_lm(r̂) = √((2l+1)/4π) S_lm(r)/r^l. The sum Σ_m A_lm² over this basis is NEP's 3-body invariant q_nl.
/// </summary>
internal static class SolidHarmonics
{
    public const int MaxL = 8;

    public static int Count(int lMax) => (lMax + 1) * (lMax + 1);

    public static int Index(int l, int m) => (l * l) + l + m;

    /// <summary>Values and gradients (∂/∂x, ∂/∂y, ∂/∂z) of S_lm at (x, y, z) for l ≤ <paramref name="lMax"/>.</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)] // hot from the first call: skip tier-0 code
    public static void Evaluate(double x, double y, double z, int lMax, Span<double> s, Span<double> gx, Span<double> gy, Span<double> gz)
    {
        var r2 = (x * x) + (y * y) + (z * z);
        s[0] = 1;
        gx[0] = gy[0] = gz[0] = 0;
        for (var l = 0; l < lMax; l++)
        {
            // Sectoral terms S_{l+1,±(l+1)} from S_{l,±l}.
            var top = Index(l, l);
            var bottom = Index(l, -l);
            var factor = Math.Sqrt((l == 0 ? 2.0 : 1.0) * ((2 * l) + 1) / ((2.0 * l) + 2));
            var w = l == 0 ? 0.0 : 1.0;
            var pos = Index(l + 1, l + 1);
            var neg = Index(l + 1, -(l + 1));
            s[pos] = factor * ((x * s[top]) - (w * y * s[bottom]));
            gx[pos] = factor * (s[top] + (x * gx[top]) - (w * y * gx[bottom]));
            gy[pos] = factor * ((x * gy[top]) - (w * (s[bottom] + (y * gy[bottom]))));
            gz[pos] = factor * ((x * gz[top]) - (w * y * gz[bottom]));
            s[neg] = factor * ((y * s[top]) + (w * x * s[bottom]));
            gx[neg] = factor * ((y * gx[top]) + (w * (s[bottom] + (x * gx[bottom]))));
            gy[neg] = factor * (s[top] + (y * gy[top]) + (w * x * gy[bottom]));
            gz[neg] = factor * ((y * gz[top]) + (w * x * gz[bottom]));
            // The rest: S_{l+1,m} = ((2l+1) z S_lm − √((l+m)(l−m)) r² S_{l−1,m}) / √((l+m+1)(l−m+1)), |m| ≤ l.
            for (var m = -l; m <= l; m++)
            {
                var target = Index(l + 1, m);
                var current = Index(l, m);
                var a = (2.0 * l) + 1;
                var b = Math.Sqrt((double)(l + m) * (l - m));
                var d = 1 / Math.Sqrt((double)(l + m + 1) * (l - m + 1));
                double p = 0, px = 0, py = 0, pz = 0;
                if (b != 0)
                {
                    var previous = Index(l - 1, m);
                    p = s[previous];
                    px = gx[previous];
                    py = gy[previous];
                    pz = gz[previous];
                }
                s[target] = d * ((a * z * s[current]) - (b * r2 * p));
                gx[target] = d * ((a * z * gx[current]) - (b * ((2 * x * p) + (r2 * px))));
                gy[target] = d * ((a * z * gy[current]) - (b * ((2 * y * p) + (r2 * py))));
                gz[target] = d * ((a * (s[current] + (z * gz[current]))) - (b * ((2 * z * p) + (r2 * pz))));
            }
        }
    }

    /// <summary>
    /// The symmetric tensor T of NEP's 4-body invariant in the real l = 2 basis: q_222 = Σ_ijk T_ijk a_i a_j a_k equals
    /// Σ_{m1+m2+m3=0} (2 2 2; m1 m2 m3) A_m1 A_m2 A_m3 for the complex coefficients A of the same expansion.
    /// </summary>
    public static double[,,] FourBodyTensor { get; } = BuildFourBodyTensor();

    private static double[,,] BuildFourBodyTensor()
    {
        // Complex Y_2m in terms of the real basis (Condon–Shortley): Y_m = (−1)^m (R_c + iR_s)/√2, Y_−m = (R_c − iR_s)/√2, Y_0 = R_0,
        // where R_c is the real function with +m (cos) and R_s the one with −m (sin). Any consistent phase gives the same q_222.
        var u = new System.Numerics.Complex[5, 5]; // u[m+2, real index]
        for (var m = -2; m <= 2; m++)
        {
            var mm = Math.Abs(m);
            if (m == 0)
            {
                u[2, 2] = 1;
                continue;
            }
            var norm = 1 / Math.Sqrt(2);
            var cos = mm + 2;
            var sin = -mm + 2;
            if (m > 0)
            {
                var sign = mm % 2 == 0 ? 1.0 : -1.0;
                u[m + 2, cos] = sign * norm;
                u[m + 2, sin] = new System.Numerics.Complex(0, sign * norm);
            }
            else
            {
                u[m + 2, cos] = norm;
                u[m + 2, sin] = new System.Numerics.Complex(0, -norm);
            }
        }
        var t = new double[5, 5, 5];
        for (var i = 0; i < 5; i++)
        {
            for (var j = 0; j < 5; j++)
            {
                for (var k = 0; k < 5; k++)
                {
                    var sum = System.Numerics.Complex.Zero;
                    for (var m1 = -2; m1 <= 2; m1++)
                    {
                        for (var m2 = -2; m2 <= 2; m2++)
                        {
                            var m3 = -m1 - m2;
                            if (Math.Abs(m3) > 2)
                            {
                                continue;
                            }
                            sum += Wigner3j(2, 2, 2, m1, m2, m3) * u[m1 + 2, i] * u[m2 + 2, j] * u[m3 + 2, k];
                        }
                    }
                    t[i, j, k] = sum.Real;
                }
            }
        }
        return t;
    }

    /// <summary>Wigner 3j symbol by Racah's formula.</summary>
    public static double Wigner3j(int j1, int j2, int j3, int m1, int m2, int m3)
    {
        if (m1 + m2 + m3 != 0 || Math.Abs(m1) > j1 || Math.Abs(m2) > j2 || Math.Abs(m3) > j3 || j3 < Math.Abs(j1 - j2) || j3 > j1 + j2)
        {
            return 0;
        }
        static double F(int n) => n < 0 ? double.NaN : Enumerable.Range(1, n).Aggregate(1.0, (a, b) => a * b);
        var triangle = F(j1 + j2 - j3) * F(j1 - j2 + j3) * F(-j1 + j2 + j3) / F(j1 + j2 + j3 + 1);
        var pre = Math.Sqrt(triangle * F(j1 + m1) * F(j1 - m1) * F(j2 + m2) * F(j2 - m2) * F(j3 + m3) * F(j3 - m3));
        var sum = 0.0;
        for (var k = 0; k <= j1 + j2 + j3; k++)
        {
            int[] args = [k, j1 + j2 - j3 - k, j1 - m1 - k, j2 + m2 - k, j3 - j2 + m1 + k, j3 - j1 - m2 + k];
            if (args.Any(a => a < 0))
            {
                continue;
            }
            sum += (k % 2 == 0 ? 1 : -1) / args.Aggregate(1.0, (a, b) => a * F(b));
        }
        var phase = ((j1 - j2 - m3) % 2 + 2) % 2 == 0 ? 1 : -1;
        return phase * pre * sum;
    }
}
