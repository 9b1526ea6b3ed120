using System.Collections.Immutable;

namespace ClusterML.Core.Campaigns;

/// <summary>What ASHA says about a trial that just reported.</summary>
public enum AshaDecision
{
    Continue,
    Stop,
}

/// <summary>The values recorded at each rung epoch so far, and which (trial, rung) pairs were judged. Immutable.</summary>
public sealed record AshaState(ImmutableDictionary<int, ImmutableList<double>> Rungs, ImmutableHashSet<string> Judged)
{
    public static AshaState Empty { get; } = new(ImmutableDictionary<int, ImmutableList<double>>.Empty, ImmutableHashSet<string>.Empty);
}

/// <summary>
/// Asynchronous successive halving (ASHA; Li et al., MLSys 2020) as a pure function. Rungs sit at epochs
/// r_k = round(grace · η^k), k = 0, 1, … (up to max_epochs when set). A trial reporting its metric at a rung epoch is
/// ranked against every value recorded at that rung so far, itself included; it continues when its rank is at most
/// max(1, ⌊n/η⌋), so the first trial at a rung always continues and later ones must beat most of those before them.
/// Other epochs always continue; each trial is judged once per rung. Deterministic for the order of reports.
/// </summary>
public static class Asha
{
    public static (AshaState State, AshaDecision Decision) Report(AshaState state, int gracePeriod, double reductionFactor, int? maxEpochs,
        bool maximize, string trialId, int epoch, double value)
    {
        ArgumentNullException.ThrowIfNull(state);
        if (!IsRung(epoch, gracePeriod, reductionFactor, maxEpochs) || !double.IsFinite(value))
        {
            return (state, AshaDecision.Continue);
        }
        var key = $"{trialId}@{epoch}";
        if (state.Judged.Contains(key))
        {
            return (state, AshaDecision.Continue);
        }
        var values = (state.Rungs.TryGetValue(epoch, out var existing) ? existing : []).Add(value);
        var better = values.Count(v => maximize ? v > value : v < value);
        var keep = Math.Max(1, (int)Math.Floor(values.Count / reductionFactor));
        var next = new AshaState(state.Rungs.SetItem(epoch, values), state.Judged.Add(key));
        return (next, better + 1 <= keep ? AshaDecision.Continue : AshaDecision.Stop);
    }

    /// <summary>True when <paramref name="epoch"/> is one of the rung epochs.</summary>
    public static bool IsRung(int epoch, int gracePeriod, double reductionFactor, int? maxEpochs)
    {
        if (gracePeriod < 1 || reductionFactor < 2 || epoch < gracePeriod || (maxEpochs is { } max && epoch > max))
        {
            return false;
        }
        for (var rung = (double)gracePeriod; rung <= epoch + 0.5; rung *= reductionFactor)
        {
            if ((int)Math.Round(rung) == epoch)
            {
                return true;
            }
        }
        return false;
    }
}
