using System.Collections.Immutable;

namespace ClusterML.Core.Campaigns;

/// <summary>
/// What a model-based search knows of one trial: its hyperparameters and its objective (lower is better), or null while it runs.
/// With several objectives <see cref="Values"/> holds them all (each lower is better; <see cref="Value"/> is the first); with
/// constraints <see cref="Violation"/> is how far the trial lies outside them (0: feasible).
/// </summary>
public sealed record SearchObservation(IReadOnlyDictionary<string, CampaignValue> Parameters, double? Value)
{
    /// <summary>Every objective, lower is better, for a multi-objective search; empty for one objective (then <see cref="Value"/> is it).</summary>
    public ImmutableArray<double> Values { get; init; } = [];

    /// <summary>The sum of the trial's constraint violations, ≥ 0; 0 when feasible, unconstrained or running.</summary>
    public double Violation { get; init; }
}
