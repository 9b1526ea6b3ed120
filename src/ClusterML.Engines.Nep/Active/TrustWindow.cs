namespace ClusterML.Engines.Nep.Active;

/// <summary>
/// DP-GEN's trust window on the committee's max force deviation σ_max (eV/Å): below <c>low</c> the committee agrees, so the
/// frame is taken as accurately described and not labelled; at or above <c>high</c> it disagrees so much that the frame is
/// likely unphysical (or the model failed there) and labelling it would waste the oracle; frames in [low, high) are the
/// candidates for labelling.
/// </summary>
public static class TrustWindow
{
    /// <summary>
    /// The candidates among <paramref name="deviations"/> not in <paramref name="excluded"/> (frames already labelled), at most
    /// <paramref name="max"/> of them. When more qualify, a uniformly random subset is taken (as DP-GEN does), not the
    /// highest deviations: the highest are often clustered near one kind of distortion and near the unphysical edge, and a
    /// random subset of the window keeps the batch diverse. Deterministic: candidates are ordered by frame index and
    /// shuffled by <c>new Random(seed)</c>; the result is sorted ascending.
    /// </summary>
    /// <param name="deviations">The pool's deviations (<see cref="CommitteeDeviation.Frame"/> identifies the frame).</param>
    /// <param name="low">Lower bound of the window (eV/Å, ≥ 0).</param>
    /// <param name="high">Upper bound (eV/Å, &gt; <paramref name="low"/>; +∞ for no upper bound).</param>
    /// <param name="max">The most frames to select (≥ 0).</param>
    /// <param name="seed">Decides the subset when more than <paramref name="max"/> qualify.</param>
    /// <param name="excluded">Frame indices never selected nor counted (already labelled), or null.</param>
    /// <exception cref="ArgumentOutOfRangeException">A bound is NaN or negative, high ≤ low, or max &lt; 0.</exception>
    public static TrustWindowSelection Select(IReadOnlyList<CommitteeDeviation> deviations, double low, double high, int max, int seed,
        IReadOnlySet<int>? excluded = null)
    {
        ArgumentNullException.ThrowIfNull(deviations);
        if (double.IsNaN(low) || low < 0 || double.IsInfinity(low))
        {
            throw new ArgumentOutOfRangeException(nameof(low), low, "the lower bound must be a finite number ≥ 0 eV/Å");
        }
        if (double.IsNaN(high) || high <= low)
        {
            throw new ArgumentOutOfRangeException(nameof(high), high, "the upper bound must exceed the lower bound");
        }
        ArgumentOutOfRangeException.ThrowIfNegative(max);
        int accurate = 0, failed = 0, skipped = 0;
        var candidates = new List<int>();
        foreach (var d in deviations)
        {
            if (excluded is not null && excluded.Contains(d.Frame))
            {
                skipped++;
            }
            else if (!(d.MaxForce >= low))
            {
                // A NaN deviation means a member blew up there: that frame is failed, never accurate.
                if (double.IsNaN(d.MaxForce))
                {
                    failed++;
                }
                else
                {
                    accurate++;
                }
            }
            else if (d.MaxForce >= high)
            {
                failed++;
            }
            else
            {
                candidates.Add(d.Frame);
            }
        }
        candidates.Sort();
        var chosen = candidates.ToArray();
        if (chosen.Length > max)
        {
            new Random(seed).Shuffle(chosen);
            chosen = chosen[..max];
            Array.Sort(chosen);
        }
        return new TrustWindowSelection(chosen, accurate, candidates.Count, failed, skipped);
    }
}
