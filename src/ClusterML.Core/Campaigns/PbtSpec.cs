using System.Collections.Immutable;

namespace ClusterML.Core.Campaigns;

/// <summary>
/// Population-based training (<c>schedule: {kind: pbt, …}</c>; Jaderberg et al. 2017, with Ray Tune's defaults): the search's
/// points are the population; each member trains <see cref="Epochs"/> epochs in segments of <see cref="PerturbationInterval"/>,
/// and after each segment the worst <see cref="QuantileFraction"/> of the members continue from the checkpoint of a random
/// member of the best quantile with that member's hyperparameters perturbed (each numeric one multiplied by one of
/// <see cref="PerturbationFactors"/>, a choice moved to a neighbouring value) or, with <see cref="ResampleProbability"/>,
/// drawn anew from the space. Synchronous: a generation starts when the one before has finished, so the decisions (and the
/// whole campaign) are reproducible from the seed. <see cref="Line"/> is the YAML line of <c>schedule</c>.
/// </summary>
public sealed record PbtSpec(int PerturbationInterval, double QuantileFraction, double ResampleProbability, ImmutableArray<double> PerturbationFactors, int Epochs, int Line)
{
    /// <summary>Segments each member trains: ⌈epochs / interval⌉.</summary>
    public int Generations => (Epochs + PerturbationInterval - 1) / PerturbationInterval;

    /// <summary>The last epoch of generation <paramref name="generation"/> (0-based).</summary>
    public int UntilEpoch(int generation) => Math.Min(Epochs, (generation + 1) * PerturbationInterval);
}
