namespace ClusterML.Oracles;

/// <summary>
/// <see cref="FuchsSondheimer.Suppression(double, double)"/> tabulated once and interpolated, for the thin-film oracle, which
/// needs it at every one of 2000 frequencies per row (the direct integral costs 400 exponentials; 2000 rows would take
/// seconds). ln S is interpolated bilinearly in (log₁₀ Kn, log₁₀(1 − p)), 40 nodes per decade on both axes, over
/// Kn ∈ [10⁻², 10⁹] and 1 − p ∈ [10⁻⁸, 1]: in those coordinates ln S is smooth and nearly linear (S ∝ ln Kn/Kn for thin films),
/// and long-wavelength phonons have 1 − p down to ~10⁻⁷, where a linear axis in p would be far too coarse. Relative
/// interpolation error is below 1e-3 of S (tested against the direct integral). Outside the table the direct integral is
/// used, and below Kn = 1/<see cref="FuchsSondheimer.ThickDelta"/> its exact closed form. Immutable once built; thread-safe.
/// </summary>
internal sealed class FuchsSondheimerTable
{
    public const double LogKnMin = -2.0;
    public const double LogKnMax = 9.0;
    public const double LogDiffuseMin = -8.0;
    public const int NodesPerDecade = 40;

    private static readonly Lazy<FuchsSondheimerTable> Lazy = new(() => new FuchsSondheimerTable());

    private readonly int _knNodes;
    private readonly int _diffuseNodes;
    private readonly double[] _logS;

    private FuchsSondheimerTable()
    {
        _knNodes = (int)Math.Round((LogKnMax - LogKnMin) * NodesPerDecade) + 1;
        _diffuseNodes = (int)Math.Round(-LogDiffuseMin * NodesPerDecade) + 1;
        _logS = new double[_knNodes * _diffuseNodes];
        // Each node is independent and computed the same way on any thread, so the table is identical however it is built.
        Parallel.For(0, _knNodes, i =>
        {
            var knudsen = Math.Pow(10.0, LogKnMin + ((double)i / NodesPerDecade));
            for (var j = 0; j < _diffuseNodes; j++)
            {
                var diffuse = Math.Pow(10.0, LogDiffuseMin + ((double)j / NodesPerDecade));
                var s = FuchsSondheimer.Suppression(knudsen, 1.0 - diffuse, diffuse);
                _logS[(i * _diffuseNodes) + j] = Math.Log(Math.Max(s, 1e-300));
            }
        });
    }

    /// <summary>The table, built on first use (141 000 integrals: about 1 s of CPU time, spread over the cores).</summary>
    public static FuchsSondheimerTable Shared => Lazy.Value;

    /// <summary>S(Kn, p) given p and q = 1 − p (q computed without cancellation by the caller).</summary>
    public double Suppression(double knudsen, double specularity, double diffuse)
    {
        if (diffuse <= 0.0)
        {
            return 1.0;
        }
        if (knudsen * FuchsSondheimer.ThickDelta <= 1.0)
        {
            return 1.0 - (3.0 * diffuse * knudsen / 8.0);
        }
        var x = (Math.Log10(knudsen) - LogKnMin) * NodesPerDecade;
        var y = (Math.Log10(diffuse) - LogDiffuseMin) * NodesPerDecade;
        if (x >= _knNodes - 1 || y < 0.0)
        {
            return FuchsSondheimer.Suppression(knudsen, specularity, diffuse);
        }
        // q = 1 falls exactly on the last node; step back into the last cell so that j + 1 exists.
        var i = Math.Min((int)x, _knNodes - 2);
        var j = Math.Min((int)y, _diffuseNodes - 2);
        var fx = x - i;
        var fy = y - j;
        var row = i * _diffuseNodes;
        var next = row + _diffuseNodes;
        var logS = ((1.0 - fx) * (((1.0 - fy) * _logS[row + j]) + (fy * _logS[row + j + 1])))
            + (fx * (((1.0 - fy) * _logS[next + j]) + (fy * _logS[next + j + 1])));
        return Math.Exp(logS);
    }
}
