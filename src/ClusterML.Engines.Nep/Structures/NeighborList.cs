namespace ClusterML.Engines.Nep.Structures;

/// <summary>
/// Neighbours within a cutoff in a periodic triclinic cell, as compressed rows: the neighbours of atom i are entries
/// <see cref="Start"/>[i] … <see cref="Start"/>[i+1]−1 of <see cref="Index"/> (neighbour atom) and <see cref="Delta"/>
/// (r_j + shift − r_i, 3 per entry). Atoms are binned along the three cell vectors (bins no thinner than the cutoff when
/// the cell allows, so the search is O(N)); each bin offset is visited once with its periodic shift, so in cells thinner
/// than twice the cutoff every image within reach — an atom's own images included — is found exactly once.
/// </summary>
public sealed class NeighborList
{
    private NeighborList(int[] start, int[] index, double[] delta)
    {
        (Start, Index, Delta) = (start, index, delta);
    }

    public int[] Start { get; }

    public int[] Index { get; }

    public double[] Delta { get; }

    public int Count(int atom) => Start[atom + 1] - Start[atom];

    /// <summary>Bins per cutoff length along each cell vector: narrower bins mean fewer candidate pairs to reject.</summary>
    public const int BinsPerCutoff = 2;

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)] // hot from the first call: skip tier-0 code
    public static NeighborList Build(NepStructure structure, double cutoff, int threads = 1)
    {
        var n = structure.Count;
        var h = structure.Cell;
        var det = NepStructure.Determinant(h);
        if (Math.Abs(det) < 1e-12)
        {
            throw new ArgumentException("the cell has no volume", nameof(structure));
        }
        // Fractional coordinates s = r·H⁻¹ (H rows = cell vectors), wrapped into [0, 1).
        var inv = Inverse(h, det);
        var frac = new double[3 * n];
        for (var i = 0; i < n; i++)
        {
            for (var d = 0; d < 3; d++)
            {
                var s = (structure.Positions[3 * i] * inv[d]) + (structure.Positions[(3 * i) + 1] * inv[3 + d]) + (structure.Positions[(3 * i) + 2] * inv[6 + d]);
                frac[(3 * i) + d] = s - Math.Floor(s);
            }
        }
        var (ha, hb, hc) = structure.Heights();
        int[] bins =
        [
            Math.Max(1, (int)Math.Floor(BinsPerCutoff * ha / cutoff)),
            Math.Max(1, (int)Math.Floor(BinsPerCutoff * hb / cutoff)),
            Math.Max(1, (int)Math.Floor(BinsPerCutoff * hc / cutoff)),
        ];
        // A huge, sparse cell (or a tiny cutoff) would ask for more bins than an int can count; fewer, thicker bins give the
        // same neighbours (the reach grows to match), so the largest axis is halved until the bins are at most a few per atom.
        var binLimit = Math.Max(4096L, 8L * n);
        while ((long)bins[0] * bins[1] * bins[2] > binLimit)
        {
            var widest = bins[0] >= bins[1] && bins[0] >= bins[2] ? 0 : bins[1] >= bins[2] ? 1 : 2;
            bins[widest] = Math.Max(1, bins[widest] / 2);
        }
        double[] heights = [ha, hb, hc];
        var reach = new int[3];
        for (var d = 0; d < 3; d++)
        {
            reach[d] = (int)Math.Ceiling(cutoff / (heights[d] / bins[d]));
        }
        var binOf = new int[n];
        var totalBins = bins[0] * bins[1] * bins[2];
        var binCount = new int[totalBins + 1];
        var cellIndex = new int[3 * n];
        for (var i = 0; i < n; i++)
        {
            for (var d = 0; d < 3; d++)
            {
                cellIndex[(3 * i) + d] = Math.Min(bins[d] - 1, (int)(frac[(3 * i) + d] * bins[d]));
            }
            binOf[i] = cellIndex[3 * i] + (bins[0] * (cellIndex[(3 * i) + 1] + (bins[1] * cellIndex[(3 * i) + 2])));
            binCount[binOf[i] + 1]++;
        }
        for (var b = 0; b < totalBins; b++)
        {
            binCount[b + 1] += binCount[b];
        }
        var sorted = new int[n];
        var fill = (int[])binCount.Clone();
        for (var i = 0; i < n; i++)
        {
            sorted[fill[binOf[i]]++] = i;
        }

        var cutoff2 = cutoff * cutoff;
        // Wrapped Cartesian positions: the same point as the input modulo lattice vectors.
        var wrapped = new double[3 * n];
        for (var i = 0; i < n; i++)
        {
            for (var d = 0; d < 3; d++)
            {
                wrapped[(3 * i) + d] = (frac[3 * i] * h[d]) + (frac[(3 * i) + 1] * h[3 + d]) + (frac[(3 * i) + 2] * h[6 + d]);
            }
        }

        // Each thread lists a contiguous range of atoms; the ranges are then concatenated in order.
        threads = Math.Clamp(threads, 1, Math.Max(1, n / 256));
        var counts = new int[n];
        var parts = new (List<int> Index, List<double> Delta)[threads];
        [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
        void Range(int t)
        {
            var from = (int)((long)n * t / threads);
            var to = (int)((long)n * (t + 1) / threads);
            var index = new List<int>((to - from) * 64);
            var delta = new List<double>((to - from) * 192);
            for (var i = from; i < to; i++)
            {
                var before = index.Count;
                var (ci, cj, ck) = (cellIndex[3 * i], cellIndex[(3 * i) + 1], cellIndex[(3 * i) + 2]);
                for (var dc = -reach[2]; dc <= reach[2]; dc++)
                {
                    var (bc, sc) = Wrap(ck + dc, bins[2]);
                    for (var db = -reach[1]; db <= reach[1]; db++)
                    {
                        var (bb, sb) = Wrap(cj + db, bins[1]);
                        for (var da = -reach[0]; da <= reach[0]; da++)
                        {
                            var (ba, sa) = Wrap(ci + da, bins[0]);
                            var bin = ba + (bins[0] * (bb + (bins[1] * bc)));
                            var x = wrapped[3 * i] - ((sa * h[0]) + (sb * h[3]) + (sc * h[6]));
                            var y = wrapped[(3 * i) + 1] - ((sa * h[1]) + (sb * h[4]) + (sc * h[7]));
                            var z = wrapped[(3 * i) + 2] - ((sa * h[2]) + (sb * h[5]) + (sc * h[8]));
                            var self = sa == 0 && sb == 0 && sc == 0;
                            for (var p = binCount[bin]; p < binCount[bin + 1]; p++)
                            {
                                var j = sorted[p];
                                if (self && j == i)
                                {
                                    continue;
                                }
                                var dx = wrapped[3 * j] - x;
                                var dy = wrapped[(3 * j) + 1] - y;
                                var dz = wrapped[(3 * j) + 2] - z;
                                if ((dx * dx) + (dy * dy) + (dz * dz) < cutoff2)
                                {
                                    index.Add(j);
                                    delta.Add(dx);
                                    delta.Add(dy);
                                    delta.Add(dz);
                                }
                            }
                        }
                    }
                }
                counts[i] = index.Count - before;
            }
            parts[t] = (index, delta);
        }
        if (threads == 1)
        {
            Range(0);
        }
        else
        {
            Parallel.For(0, threads, new ParallelOptions { MaxDegreeOfParallelism = threads }, Range);
        }
        var start = new int[n + 1];
        for (var i = 0; i < n; i++)
        {
            start[i + 1] = start[i] + counts[i];
        }
        var allIndex = new int[start[n]];
        var allDelta = new double[3 * start[n]];
        var at = 0;
        foreach (var (index, delta) in parts)
        {
            index.CopyTo(allIndex, at);
            delta.CopyTo(allDelta, 3 * at);
            at += index.Count;
        }
        return new NeighborList(start, allIndex, allDelta);
    }

    /// <summary>The bin (b mod count) and how many cells that is away (the periodic shift).</summary>
    private static (int Bin, int Shift) Wrap(int b, int count)
    {
        var shift = (int)Math.Floor((double)b / count);
        return (b - (shift * count), shift);
    }

    private static double[] Inverse(double[] h, double det)
    {
        var inv = new double[9];
        inv[0] = ((h[4] * h[8]) - (h[5] * h[7])) / det;
        inv[1] = ((h[2] * h[7]) - (h[1] * h[8])) / det;
        inv[2] = ((h[1] * h[5]) - (h[2] * h[4])) / det;
        inv[3] = ((h[5] * h[6]) - (h[3] * h[8])) / det;
        inv[4] = ((h[0] * h[8]) - (h[2] * h[6])) / det;
        inv[5] = ((h[2] * h[3]) - (h[0] * h[5])) / det;
        inv[6] = ((h[3] * h[7]) - (h[4] * h[6])) / det;
        inv[7] = ((h[1] * h[6]) - (h[0] * h[7])) / det;
        inv[8] = ((h[0] * h[4]) - (h[1] * h[3])) / det;
        return inv;
    }
}
