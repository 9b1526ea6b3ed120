using ClusterML.Core.Engines;
using ClusterML.Engines.Nep.Model;
using ClusterML.Engines.Nep.Training;

namespace ClusterML.Engines.Nep.Active;

/// <summary>
/// A committee of K NEP models fitted to the same labelled frames with <see cref="NepAdamTrainer"/>: member k uses the seed
/// <c>Seeds.Derive(seed, k)</c> for its initial parameters (<see cref="NepInitializer"/>) and its batch order, so members
/// differ only by those. Fine-tuning continues member k from the previous committee's member k (its parameters and q_scaler,
/// as GPUMD's fine-tuning keeps the scaler). Members train one after another (the trainer sets torch's global thread count
/// and seed), each on <see cref="NepTrainingSettings.Threads"/> cores; deterministic for a seed.
/// </summary>
public static class NepCommittee
{
    /// <summary>
    /// <paramref name="settings"/> with the architecture of <paramref name="model"/> (NEP version, species, cutoffs, n_max,
    /// basis sizes, l_max, 4-/5-body terms, neurons), e.g. students shaped like their teacher. One cutoff pair only.
    /// </summary>
    /// <exception cref="ArgumentException">A model with per-species cutoffs or ZBL, which the trainer does not fit.</exception>
    public static NepTrainingSettings ArchitectureOf(NepModel model, NepTrainingSettings settings)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(settings);
        if (!model.UniformCutoff || model.Zbl is not null)
        {
            throw new ArgumentException("only models with one cutoff pair and no ZBL can be refitted", nameof(model));
        }
        return settings with
        {
            Version = model.Version, Species = model.Species, RadialCutoff = model.Cutoffs[0].Radial, AngularCutoff = model.Cutoffs[0].Angular,
            NMaxRadial = model.NMaxRadial, NMaxAngular = model.NMaxAngular, BasisRadial = model.BasisRadial, BasisAngular = model.BasisAngular,
            LMax = model.LMax, FourBody = model.Has4Body, FiveBody = model.Has5Body, Neurons = model.Neurons,
        };
    }

    /// <summary>
    /// Trains <paramref name="members"/> models on <paramref name="frames"/>: fresh ones (species <paramref name="species"/>,
    /// the architecture of <paramref name="settings"/>) or, with <paramref name="previous"/>, continued from its members for
    /// <paramref name="settings"/>' epochs (the caller gives fewer epochs for fine-tuning).
    /// </summary>
    /// <param name="settings">Architecture and optimiser (Adam); validated.</param>
    /// <param name="species">Species order of the frames' type indices.</param>
    /// <param name="frames">The labelled frames (at least one).</param>
    /// <param name="members">K ≥ 1.</param>
    /// <param name="seed">Member k trains with <c>Seeds.Derive(seed, k)</c>.</param>
    /// <param name="previous">The committee to fine-tune (K members), or null to start afresh.</param>
    /// <param name="cancellationToken">Checked between Adam steps.</param>
    /// <exception cref="ArgumentException">No frames, K &lt; 1, or a previous committee of another size.</exception>
    public static NepCommitteeRun Train(NepTrainingSettings settings, IReadOnlyList<string> species, IReadOnlyList<NepFrame> frames, int members, int seed,
        IReadOnlyList<NepModel>? previous = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(species);
        ArgumentNullException.ThrowIfNull(frames);
        ArgumentOutOfRangeException.ThrowIfLessThan(members, 1);
        if (frames.Count == 0)
        {
            throw new ArgumentException("a committee needs labelled frames", nameof(frames));
        }
        if (previous is not null && previous.Count != members)
        {
            throw new ArgumentException($"the previous committee has {previous.Count} members, not {members}", nameof(previous));
        }
        settings = settings.Validated();
        if (settings.Optimizer != "adam")
        {
            throw new ArgumentException("committees are trained with Adam", nameof(settings));
        }
        var models = new NepModel[members];
        var energy = new double[members];
        var force = new double[members];
        for (var k = 0; k < members; k++)
        {
            var memberSeed = Seeds.Derive(seed, k);
            var initial = previous?[k] ?? NepInitializer.Create(settings, species, frames, memberSeed);
            var run = NepAdamTrainer.Train(settings, initial, frames, null, memberSeed, cancellationToken: cancellationToken);
            (models[k], energy[k], force[k]) = (run.Model, run.Train.EnergyRmse, run.Train.ForceRmse);
        }
        return new NepCommitteeRun(models, energy, force);
    }
}
