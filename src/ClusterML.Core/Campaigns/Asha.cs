using System.Collections.Immutable;

namespace ClusterML.Core.Campaigns;

/// <summary>What <see cref="Asha"/> says about a trial that just reported a metric.</summary>
public enum AshaDecision
{
    /// <summary>Keep training.</summary>
    Continue,

    /// <summary>Stop the trial: it is not among the best at this rung.</summary>
    Stop,
}

/// <summary>
/// Asynchronous successive halving (ASHA; L. Li et al., "A System for Massively Parallel Hyperparameter Tuning", MLSys 2020)
/// as a pure function over an immutable <see cref="AshaState"/>. Deterministic for the order of the reports; thread-safe.
/// </summary>
/// <remarks>
/// Rungs sit at epochs r_k = grace·η^k, k = 0, 1, … (rounded to the nearest epoch when η is not whole), up to
/// <see cref="EarlyStoppingSpec.MaxEpochs"/> when set; with grace 10 and η = 3: 10, 30, 90, 270, …
/// A trial reporting its metric at a rung epoch is ranked among all n values recorded at that rung so far, itself included
/// (rank 1 = best by <see cref="EarlyStoppingSpec.Mode"/>; ties share the better rank). It continues iff its rank ≤
/// max(1, ⌊n/η⌋), so the first trial to reach a rung always continues and later ones must be in the top 1/η of those seen.
/// A NaN is recorded as the worst possible value and always stops. Reports at other epochs continue and change nothing.
/// A trial is judged once per rung: reporting again at the same rung (a retried attempt, a duplicate message) returns the
/// first decision and records nothing.
/// </remarks>
public static class Asha
{
    /// <summary>Records <paramref name="value"/> (the spec's metric) of <paramref name="trialId"/> at <paramref name="epoch"/> and decides.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The spec has grace period &lt; 1 or η &lt; 2 (the reader never produces these).</exception>
    public static (AshaState State, AshaDecision Decision) Report(AshaState state, EarlyStoppingSpec spec, string trialId, int epoch, double value)
    {
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(trialId);
        if (!IsRung(spec, epoch))
        {
            return (state, AshaDecision.Continue);
        }
        if (state.Decisions.TryGetValue((trialId, epoch), out var earlier))
        {
            return (state, earlier);
        }
        var maximize = spec.Mode == MetricMode.Max;
        var recorded = double.IsNaN(value) ? (maximize ? double.NegativeInfinity : double.PositiveInfinity) : value;
        var values = (state.Rungs.TryGetValue(epoch, out var existing) ? existing : []).Add(recorded);
        var better = values.Count(v => maximize ? v > recorded : v < recorded);
        var keep = Math.Max(1, (int)Math.Floor(values.Count / spec.ReductionFactor));
        var decision = !double.IsNaN(value) && better + 1 <= keep ? AshaDecision.Continue : AshaDecision.Stop;
        return (state.With(epoch, values, trialId, decision), decision);
    }

    /// <summary>
    /// The same as <see cref="Report(AshaState, EarlyStoppingSpec, string, int, double)"/> for callers that hold the policy's
    /// fields rather than an <see cref="EarlyStoppingSpec"/> (the coordinator's wire message).
    /// </summary>
    public static (AshaState State, AshaDecision Decision) Report(AshaState state, int gracePeriod, double reductionFactor, int? maxEpochs,
        bool maximize, string trialId, int epoch, double value) =>
        Report(state, new EarlyStoppingSpec("", maximize ? MetricMode.Max : MetricMode.Min, gracePeriod, reductionFactor, maxEpochs),
            trialId, epoch, value);

    /// <summary>True when <paramref name="epoch"/> is a rung epoch of <paramref name="spec"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The spec has grace period &lt; 1 or η &lt; 2.</exception>
    public static bool IsRung(EarlyStoppingSpec spec, int epoch) => RungEpochs(spec, epoch).LastOrDefault() == epoch && epoch > 0;

    /// <summary>True when <paramref name="epoch"/> is a rung epoch; false for invalid settings (grace &lt; 1, η &lt; 2).</summary>
    public static bool IsRung(int epoch, int gracePeriod, double reductionFactor, int? maxEpochs) =>
        gracePeriod >= 1 && reductionFactor >= 2 && double.IsFinite(reductionFactor)
        && IsRung(new EarlyStoppingSpec("", MetricMode.Min, gracePeriod, reductionFactor, maxEpochs), epoch);

    /// <summary>The rung epochs up to <paramref name="upTo"/> (and up to the spec's max_epochs), ascending.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The spec has grace period &lt; 1 or η &lt; 2.</exception>
    public static ImmutableArray<int> RungEpochs(EarlyStoppingSpec spec, int upTo)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentOutOfRangeException.ThrowIfLessThan(spec.GracePeriod, 1, nameof(spec));
        if (!(spec.ReductionFactor >= 2 && double.IsFinite(spec.ReductionFactor)))
        {
            throw new ArgumentOutOfRangeException(nameof(spec), spec.ReductionFactor, "the reduction factor must be a finite number ≥ 2");
        }
        var limit = Math.Min(upTo, spec.MaxEpochs ?? int.MaxValue);
        var rungs = ImmutableArray.CreateBuilder<int>();
        for (var k = 0; ; k++)
        {
            // Math.Pow rather than repeated multiplication: exact for whole η while grace·η^k < 2^53.
            var rung = Math.Round(spec.GracePeriod * Math.Pow(spec.ReductionFactor, k), MidpointRounding.AwayFromZero);
            if (rung > limit)
            {
                return rungs.ToImmutable();
            }
            rungs.Add((int)rung);
        }
    }
}
