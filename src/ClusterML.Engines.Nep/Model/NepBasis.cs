namespace ClusterML.Engines.Nep.Model;

/// <summary>
/// NEP's radial basis (nep.md §a.2): f_c(r) = ½[1 + cos(πr/r_c)], f_k(r) = ½[T_k(x) + 1] f_c(r) with x = 2(r/r_c − 1)² − 1,
/// and their derivatives (T_k' = k U_{k−1}).
/// </summary>
internal static class NepBasis
{
    /// <summary>Fills f_0…f_K and f_0'…f_K' at r (zero beyond r_c).</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)] // hot from the first call: skip tier-0 code
    public static void Evaluate(double r, double rc, Span<double> f, Span<double> df)
    {
        if (r >= rc)
        {
            f.Clear();
            df.Clear();
            return;
        }
        var angle = Math.PI * r / rc;
        var fc = 0.5 * (1 + Math.Cos(angle));
        var dfc = -0.5 * Math.PI / rc * Math.Sin(angle);
        var u = (r / rc) - 1;
        var x = (2 * u * u) - 1;
        var dx = 4 * u / rc;
        // T_k and T_k' by the three-term recurrences T_{k+1} = 2xT_k − T_{k−1}, U_{k} = 2xU_{k−1} − U_{k−2}, T_k' = kU_{k−1}.
        double tPrev = 1, t = x, uPrev = 1, uCur = 2 * x; // T0, T1, U0, U1
        for (var k = 0; k < f.Length; k++)
        {
            double tk, dtk;
            switch (k)
            {
                case 0:
                    (tk, dtk) = (1, 0);
                    break;
                case 1:
                    (tk, dtk) = (x, 1);
                    break;
                default:
                    var tNext = (2 * x * t) - tPrev;
                    (tPrev, t) = (t, tNext);
                    tk = t;
                    dtk = k * uCur; // U_{k−1}
                    var uNext = (2 * x * uCur) - uPrev;
                    (uPrev, uCur) = (uCur, uNext);
                    break;
            }
            f[k] = 0.5 * (tk + 1) * fc;
            df[k] = (0.5 * dtk * dx * fc) + (0.5 * (tk + 1) * dfc);
        }
    }
}
