using System.Numerics;
using System.Runtime.InteropServices;
using BenchmarkDotNet.Attributes;
using ClusterML.Engines.FiniteDifferences;

namespace ClusterML.Benchmarks;

/// <summary>
/// One explicit FTCS step over Nx points against copies of the same array measured in the same run.
/// An FTCS step reads one array and writes another, as a copy does, so the copy's time is the bandwidth bound of the
/// step. <see cref="CopyLoop"/> (a SIMD load/store loop, the same access pattern as the stencil) is the baseline;
/// <see cref="CopyMemmove"/> is the runtime's memmove, which may use non-temporal stores on large arrays and so beat
/// any read-one-write-one loop. Nx = 1e3 stays in L1/L2; Nx = 1e7 (2 × 80 MB) streams from DRAM.
/// </summary>
[SimpleJob(launchCount: 1, warmupCount: 5, iterationCount: 15)]
public class FdStepBenchmarks
{
    private double[] _current = [];
    private double[] _next = [];

    [Params(1_000, 10_000_000)]
    public int Nx { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _current = new double[Nx];
        _next = new double[Nx];
        var random = new Random(1);
        for (var i = 0; i < Nx; i++)
        {
            _current[i] = random.NextDouble();
        }
        _current.AsSpan().CopyTo(_next);
    }

    [Benchmark(Baseline = true)]
    public void CopyLoop()
    {
        ref var src = ref MemoryMarshal.GetArrayDataReference(_current);
        ref var dst = ref MemoryMarshal.GetArrayDataReference(_next);
        var width = Vector<double>.Count;
        var i = 0;
        for (; i + width <= _current.Length; i += width)
        {
            Vector.LoadUnsafe(ref src, (nuint)i).StoreUnsafe(ref dst, (nuint)i);
        }
        for (; i < _current.Length; i++)
        {
            _next[i] = _current[i];
        }
    }

    [Benchmark]
    public void CopyMemmove() => _current.AsSpan().CopyTo(_next);

    [Benchmark]
    public void ExplicitStep() => ExplicitHeatStepper.Sweep(_current, _next, 0.4);

    [Benchmark]
    public void ExplicitStepScalar()
    {
        var c = _current;
        var n = _next;
        const double r = 0.4, centre = 1 - (2 * r);
        for (var i = 1; i < c.Length - 1; i++)
        {
            n[i] = (centre * c[i]) + (r * (c[i - 1] + c[i + 1]));
        }
    }
}
