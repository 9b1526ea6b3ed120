using System.Collections.Immutable;

namespace ClusterML.Core.Campaigns;

/// <summary>
/// What <see cref="Asha"/> remembers: the metric values recorded at each rung epoch, and the decision taken for each
/// (trial, rung). Immutable: <see cref="Asha.Report(AshaState, EarlyStoppingSpec, string, int, double)"/> returns a new state;
/// start from <see cref="Empty"/>. Holds nothing that is not derived from the reports, so a coordinator can rebuild it by
/// replaying them in their original order.
/// </summary>
public sealed record AshaState
{
    private AshaState(ImmutableDictionary<int, ImmutableList<double>> rungs, ImmutableDictionary<(string TrialId, int Epoch), AshaDecision> decisions)
    {
        Rungs = rungs;
        Decisions = decisions;
    }

    /// <summary>No reports yet.</summary>
    public static AshaState Empty { get; } = new(ImmutableDictionary<int, ImmutableList<double>>.Empty,
        ImmutableDictionary<(string TrialId, int Epoch), AshaDecision>.Empty);

    /// <summary>The values recorded at each rung epoch, in the order they arrived (a NaN is recorded as the worst value, ±∞).</summary>
    public ImmutableDictionary<int, ImmutableList<double>> Rungs { get; }

    /// <summary>The decision taken for each trial at each rung it reached.</summary>
    public ImmutableDictionary<(string TrialId, int Epoch), AshaDecision> Decisions { get; }

    /// <summary>A state restored from a snapshot's rungs (values in arrival order) and decisions.</summary>
    public static AshaState From(IReadOnlyDictionary<int, double[]> rungs, IEnumerable<(string TrialId, int Epoch, AshaDecision Decision)> decisions) =>
        new(rungs.ToImmutableDictionary(r => r.Key, r => r.Value.ToImmutableList()),
            decisions.ToImmutableDictionary(d => (d.TrialId, d.Epoch), d => d.Decision));

    internal AshaState With(int epoch, ImmutableList<double> values, string trialId, AshaDecision decision) =>
        new(Rungs.SetItem(epoch, values), Decisions.Add((trialId, epoch), decision));
}
