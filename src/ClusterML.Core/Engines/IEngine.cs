using ClusterML.Core.Specs;

namespace ClusterML.Core.Engines;

/// <summary>
/// Trains one trial. Synchronous; deterministic for a seed; knows nothing of actors, hosting or storage.
/// Implementations are stateless between calls and may be called from several threads at once for different trials.
/// </summary>
public interface IEngine
{
    /// <summary>True when this engine trains <paramref name="spec"/>'s kind of trial.</summary>
    bool Accepts(ITrialSpec spec);

    /// <summary>Validates <paramref name="spec"/> and trains it, writing artifacts under <see cref="RunContext.ArtifactDirectory"/> when given.</summary>
    /// <exception cref="Validation.InvalidInputException">The spec or its data is invalid.</exception>
    /// <exception cref="OperationCanceledException">When <paramref name="cancellationToken"/> fires between steps.</exception>
    TrainingOutcome Train(ITrialSpec spec, RunContext context, CancellationToken cancellationToken);

    /// <summary>Checks <paramref name="spec"/> without training (campaigns call it for every trial before anything runs).</summary>
    /// <exception cref="Validation.InvalidInputException">The spec is invalid.</exception>
    void Check(ITrialSpec spec)
    {
    }

    /// <summary>
    /// True when the engine trains in epochs and honours <see cref="RunContext.UntilEpoch"/> and <see cref="RunContext.StartFrom"/>
    /// (checkpoint and continue: population-based training needs it). A segment's outcome is that of the epochs trained so far.
    /// </summary>
    bool TrainsInSegments => false;
}
