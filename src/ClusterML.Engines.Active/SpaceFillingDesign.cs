using ClusterML.Core.Campaigns;

namespace ClusterML.Engines.Active;

/// <summary>
/// The initial design drawn from the pool: Sobol points spread over the pool's bounding box (per column, on a log10 scale when
/// its values are positive and span at least 30×, as the surrogate transforms them), each replaced by the nearest pool
/// candidate not yet taken (in coordinates scaled to [0, 1] per column). So the design covers the space the pool covers and
/// every design point is a real candidate. Deterministic: the Sobol sequence is unscrambled.
/// </summary>
public static class SpaceFillingDesign
{
    /// <returns>Candidate indices, one per Sobol point, distinct, in Sobol order.</returns>
    public static long[] Pick(CandidatePool pool, int count, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(pool);
        if (count <= 0 || pool.Count == 0)
        {
            return [];
        }
        count = (int)Math.Min(count, pool.Count);
        var (min, max) = pool.Bounds(cancellationToken);
        var columns = min.Length;
        var log = Enumerable.Range(0, columns).Select(c => min[c] > 0 && max[c] / min[c] >= Surrogate.SurrogateDataset.AutoLogSpan).ToArray();
        double Scale(int c, double v)
        {
            var (lo, hi, x) = log[c] ? (Math.Log10(min[c]), Math.Log10(max[c]), Math.Log10(v)) : (min[c], max[c], v);
            return hi > lo ? (x - lo) / (hi - lo) : 0.5;
        }
        // More Sobol points than needed: two may share their nearest candidate, and the later one then goes without.
        var targets = SobolSequence.Points(Math.Min(SobolCap, (2 * count) + 8), Math.Min(columns, SobolSequence.MaxDimensions));
        // Each target keeps its few nearest candidates, so a clash falls back to the next one.
        const int Keep = 4;
        var shortlist = targets.Select(_ => new List<(double D, long Index)>(Keep + 1)).ToArray();
        foreach (var (start, rows) in pool.Chunks(cancellationToken))
        {
            for (var r = 0; r < rows.Length; r++)
            {
                var scaled = new double[columns];
                for (var c = 0; c < columns; c++)
                {
                    scaled[c] = Scale(c, rows[r][c]);
                }
                for (var t = 0; t < targets.Length; t++)
                {
                    var d = 0.0;
                    for (var c = 0; c < targets[t].Length; c++)
                    {
                        d += (scaled[c] - targets[t][c]) * (scaled[c] - targets[t][c]);
                    }
                    var list = shortlist[t];
                    if (list.Count < Keep || d < list[^1].D)
                    {
                        var at = list.FindIndex(e => e.D > d);
                        list.Insert(at < 0 ? list.Count : at, (d, start + r));
                        if (list.Count > Keep)
                        {
                            list.RemoveAt(Keep);
                        }
                    }
                }
            }
        }
        var picked = new List<long>(count);
        var taken = new HashSet<long>();
        foreach (var list in shortlist)
        {
            if (picked.Count == count)
            {
                break;
            }
            foreach (var (_, index) in list)
            {
                if (taken.Add(index))
                {
                    picked.Add(index);
                    break;
                }
            }
        }
        return [.. picked];
    }

    private const int SobolCap = 1 << 20;
}
