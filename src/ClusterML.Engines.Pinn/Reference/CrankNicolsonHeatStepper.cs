namespace ClusterML.Engines.Pinn.Reference;

/// <summary>
/// Crank–Nicolson: −(r/2) T_{i−1}^{n+1} + (1 + r) T_i^{n+1} − (r/2) T_{i+1}^{n+1} = (r/2) T_{i−1}^n + (1 − r) T_i^n + (r/2) T_{i+1}^n,
/// with the Dirichlet values on both sides. The matrix is constant, so the Thomas algorithm's modified super-diagonal
/// and pivots are computed once; each step is one forward sweep (building the right-hand side on the fly) and one
/// back substitution, with no allocation. The matrix is strictly diagonally dominant, so no pivoting is needed.
/// </summary>
internal sealed class CrankNicolsonHeatStepper : IHeatStepper
{
    private readonly double[] _field;
    private readonly double[] _upper;      // c'_i of the Thomas algorithm
    private readonly double[] _inversePivot;
    private readonly double[] _rhs;        // d'_i
    private readonly double _half;
    private readonly double _diagonalRhs;

    public CrankNicolsonHeatStepper(ReadOnlySpan<double> initial, double r)
    {
        _field = initial.ToArray();
        var n = _field.Length;
        _half = r / 2.0;
        _diagonalRhs = 1.0 - r;
        _upper = new double[n];
        _inversePivot = new double[n];
        _rhs = new double[n];
        var sub = -_half;
        var diagonal = 1.0 + r;
        var super = -_half;
        for (var i = 1; i < n - 1; i++)
        {
            var pivot = diagonal - (i > 1 ? sub * _upper[i - 1] : 0.0);
            _inversePivot[i] = 1.0 / pivot;
            _upper[i] = super / pivot;
        }
    }

    public ReadOnlySpan<double> Current => _field;

    public void Advance(long steps)
    {
        var t = _field;
        var last = t.Length - 1;
        var h = _half;
        var sub = -h;
        for (long s = 0; s < steps; s++)
        {
            // Forward sweep: d_i from the old field (boundary terms of the new level moved to the right-hand side).
            var previous = 0.0;
            for (var i = 1; i < last; i++)
            {
                var d = (h * t[i - 1]) + (_diagonalRhs * t[i]) + (h * t[i + 1]);
                if (i == 1)
                {
                    d += h * t[0];
                }
                if (i == last - 1)
                {
                    d += h * t[last];
                }
                previous = (d - (i > 1 ? sub * previous : 0.0)) * _inversePivot[i];
                _rhs[i] = previous;
            }
            // Back substitution overwrites the field; the old values at i-1, i, i+1 were already consumed above.
            var x = 0.0;
            for (var i = last - 1; i >= 1; i--)
            {
                x = _rhs[i] - (i < last - 1 ? _upper[i] * x : 0.0);
                t[i] = x;
            }
        }
    }
}
