namespace ClusterML.Engines.FiniteDifferences;

/// <summary>
/// Crank–Nicolson: −(r/2) T_{i−1}^{n+1} + (1 + r) T_i^{n+1} − (r/2) T_{i+1}^{n+1} = (r/2) T_{i−1}^n + (1 − r) T_i^n + (r/2) T_{i+1}^n,
/// with the Dirichlet values on both sides.
/// <para>
/// Rannacher start-up: the seed problem starts with a jump (the corner x = L, t = 0), and plain Crank–Nicolson damps the
/// grid-scale modes of a jump hardly at all when r is large (amplification → −1), which costs it its second order. As is
/// standard (Rannacher 1984; Giles &amp; Carter 2006), the first <see cref="StartupSteps"/> steps are each replaced by two
/// backward-Euler half steps. Backward Euler with Δt/2 has exactly the Crank–Nicolson left-hand matrix, so both share one
/// factorisation.
/// </para>
/// <para>
/// The matrix is constant, so the Thomas algorithm's modified super-diagonal and pivots are computed once; each solve is one
/// forward sweep (building the right-hand side on the fly) and one back substitution, with no allocation. The matrix is
/// strictly diagonally dominant, so no pivoting is needed.
/// </para>
/// </summary>
internal sealed class CrankNicolsonHeatStepper : IHeatStepper
{
    /// <summary>Steps replaced by two backward-Euler half steps each.</summary>
    public const int StartupSteps = 2;

    private readonly double[] _field;
    private readonly double[] _upper;      // c'_i of the Thomas algorithm
    private readonly double[] _inversePivot;
    private readonly double[] _rhs;        // d'_i
    private readonly double _half;
    private long _taken;

    public CrankNicolsonHeatStepper(ReadOnlySpan<double> initial, double r)
    {
        _field = initial.ToArray();
        var n = _field.Length;
        _half = r / 2.0;
        _upper = new double[n];
        _inversePivot = new double[n];
        _rhs = new double[n];
        var diagonal = 1.0 + r;
        for (var i = 1; i < n - 1; i++)
        {
            var pivot = diagonal - (i > 1 ? _half * _half * _inversePivot[i - 1] : 0.0); // b − a·c'_{i−1} with a = c = −r/2
            _inversePivot[i] = 1.0 / pivot;
            _upper[i] = -_half / pivot;
        }
    }

    public ReadOnlySpan<double> Current => _field;

    public void Advance(long steps)
    {
        for (long s = 0; s < steps; s++, _taken++)
        {
            if (_taken < StartupSteps)
            {
                Solve(neighbourWeight: 0.0, centreWeight: 1.0);
                Solve(neighbourWeight: 0.0, centreWeight: 1.0);
            }
            else
            {
                Solve(neighbourWeight: _half, centreWeight: 1.0 - (2.0 * _half));
            }
        }
    }

    /// <summary>
    /// Solves (I − (r/2)·D₂) T_new = w_n (T_{i−1} + T_{i+1}) + w_c T_i with the boundary values held:
    /// w_n = r/2, w_c = 1 − r is a Crank–Nicolson step; w_n = 0, w_c = 1 a backward-Euler half step.
    /// </summary>
    private void Solve(double neighbourWeight, double centreWeight)
    {
        var t = _field;
        var last = t.Length - 1;
        var h = _half;
        // Forward sweep; the new level's boundary values (equal to the old ones) move to the right-hand side.
        var previous = 0.0;
        for (var i = 1; i < last; i++)
        {
            var d = (neighbourWeight * (t[i - 1] + t[i + 1])) + (centreWeight * t[i]);
            if (i == 1)
            {
                d += h * t[0];
            }
            if (i == last - 1)
            {
                d += h * t[last];
            }
            previous = (d + (h * previous)) * _inversePivot[i];
            _rhs[i] = previous;
        }
        // Back substitution overwrites the field; the old values were all consumed by the forward sweep.
        var x = 0.0;
        for (var i = last - 1; i >= 1; i--)
        {
            x = _rhs[i] - (_upper[i] * x);
            t[i] = x;
        }
    }
}
