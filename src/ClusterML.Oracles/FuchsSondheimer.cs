namespace ClusterML.Oracles;

/// <summary>
/// In-plane suppression of a film's conductivity by diffuse boundary scattering (Sondheimer, Adv. Phys. 1, 1 (1952)), per
/// phonon mode: S(Kn, p) = 1 − (3(1 − p)/(2δ)) ∫₀¹ (u − u³)(1 − e^{−δ/u})/(1 − p e^{−δ/u}) du with δ = 1/Kn, Kn = Λ/d the mode's
/// Knudsen number and p its specularity. S → 1 − 3(1 − p)Kn/8 for thick films and (3/(4Kn))(ln Kn + 0.4228) for thin, diffuse ones.
/// </summary>
public static class FuchsSondheimer
{
    private const int Bins = 800;

    /// <summary>S(Kn, p) by the midpoint rule in u (Kn &gt; 0, 0 ≤ p ≤ 1); 1 for p = 1.</summary>
    public static double Suppression(double knudsen, double specularity)
    {
        if (specularity >= 1.0)
        {
            return 1.0;
        }
        if (knudsen <= 0)
        {
            return 1.0;
        }
        var delta = 1.0 / knudsen;
        var sum = 0.0;
        for (var k = 0; k < Bins; k++)
        {
            var u = (k + 0.5) / Bins;
            var e = Math.Exp(-delta / u);
            sum += (u - (u * u * u)) * (1 - e) / (1 - (specularity * e));
        }
        var integral = sum / Bins;
        return 1.0 - (3.0 * (1.0 - specularity) * knudsen / 2.0 * integral);
    }
}

/// <summary>
/// S(Kn, p) tabulated on a grid and interpolated bilinearly: the thin-film oracle calls it thousands of times per row.
/// The axes are log10 Kn (1e-5…1e7, 40 points per decade; beyond, the thick and thin limits) and log10(1 − p) (1e-8…1,
/// 40 points per decade): long-wavelength phonons have p within 1e-4 of 1 and very large Kn, where S changes fastest with
/// 1 − p, so a linear axis in p would be far off. Interpolation error is below 2e-4 (checked by a test against
/// <see cref="FuchsSondheimer.Suppression"/>).
/// </summary>
internal sealed class FuchsSondheimerTable
{
    private const double LogMin = -5;
    private const double LogMax = 7;
    private const int PerDecade = 40;
    private const double QMin = -8;
    private const int QPerDecade = 40;
    private readonly double[,] _table;
    private readonly int _nq;

    public FuchsSondheimerTable()
    {
        var nk = (int)((LogMax - LogMin) * PerDecade) + 1;
        _nq = (int)(-QMin * QPerDecade) + 1;
        _table = new double[nk, _nq];
        Parallel.For(0, nk, i =>
        {
            var kn = Math.Pow(10, LogMin + ((double)i / PerDecade));
            for (var j = 0; j < _nq; j++)
            {
                var oneMinusP = Math.Pow(10, QMin + ((double)j / QPerDecade));
                _table[i, j] = FuchsSondheimer.Suppression(kn, 1 - oneMinusP);
            }
        });
    }

    public double Suppression(double knudsen, double specularity)
    {
        if (specularity >= 1.0)
        {
            return 1.0;
        }
        var log = Math.Log10(knudsen);
        if (log <= LogMin)
        {
            return 1.0 - (3.0 * (1.0 - specularity) * knudsen / 8.0);
        }
        var x = Math.Min((log - LogMin) * PerDecade, _table.GetLength(0) - 1.000001);
        var q = Math.Log10(1.0 - Math.Max(specularity, 0.0));
        var y = Math.Clamp((q - QMin) * QPerDecade, 0.0, _nq - 1.000001);
        var i = (int)x;
        var j = (int)y;
        var fx = x - i;
        var fy = y - j;
        return ((1 - fx) * (1 - fy) * _table[i, j]) + (fx * (1 - fy) * _table[i + 1, j])
            + ((1 - fx) * fy * _table[i, j + 1]) + (fx * fy * _table[i + 1, j + 1]);
    }
}
