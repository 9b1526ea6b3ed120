using System.Numerics;
using System.Runtime.InteropServices;

namespace ClusterML.Engines.FiniteDifferences;

/// <summary>
/// FTCS: T_i^{n+1} = T_i^n + r (T_{i+1}^n − 2T_i^n + T_{i−1}^n), written as (1 − 2r) T_i + r (T_{i−1} + T_{i+1}).
/// Two buffers are swapped each step; boundary values are set once in both and never written again.
/// The sweep is SIMD (<see cref="Vector{T}"/>) with a scalar tail; both do the same operations in the same order, so the
/// result is bit-identical to a scalar loop and does not depend on the machine's vector width.
/// </summary>
internal sealed class ExplicitHeatStepper : IHeatStepper
{
    private double[] _current;
    private double[] _next;
    private readonly double _r;

    public ExplicitHeatStepper(ReadOnlySpan<double> initial, double r)
    {
        _current = initial.ToArray();
        _next = initial.ToArray();
        _r = r;
    }

    public ReadOnlySpan<double> Current => _current;

    public void Advance(long steps)
    {
        for (long n = 0; n < steps; n++)
        {
            Sweep(_current, _next, _r);
            (_current, _next) = (_next, _current);
        }
    }

    /// <summary>One FTCS step from <paramref name="current"/> into the interior of <paramref name="next"/>.</summary>
    public static void Sweep(ReadOnlySpan<double> current, Span<double> next, double r)
    {
        var last = current.Length - 1;
        var centre = 1.0 - (2.0 * r);
        ref var src = ref MemoryMarshal.GetReference(current);
        ref var dst = ref MemoryMarshal.GetReference(next);
        var i = 1;
        if (Vector.IsHardwareAccelerated)
        {
            var width = Vector<double>.Count;
            var vr = new Vector<double>(r);
            var vc = new Vector<double>(centre);
            for (; i + width <= last; i += width)
            {
                var left = Vector.LoadUnsafe(ref src, (nuint)(i - 1));
                var middle = Vector.LoadUnsafe(ref src, (nuint)i);
                var right = Vector.LoadUnsafe(ref src, (nuint)(i + 1));
                ((vc * middle) + (vr * (left + right))).StoreUnsafe(ref dst, (nuint)i);
            }
        }
        for (; i < last; i++)
        {
            next[i] = (centre * current[i]) + (r * (current[i - 1] + current[i + 1]));
        }
    }
}
