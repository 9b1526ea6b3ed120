namespace ClusterML.Core.Engines;

/// <summary>
/// Everything a training run takes from its surroundings: the seed (all randomness derives from it), the device
/// (<c>cpu</c>, <c>cuda</c>, <c>cuda:N</c>), where progress goes, the folder for artifacts (null: keep nothing on disk), and
/// the cluster's fit shards for a run that spreads its data over the workers (null: everything in this process), and where
/// the run's checkpoints outlive it (<paramref name="Checkpoints"/>, under <paramref name="FitId"/>, the same for every
/// attempt of a trial: an attempt continues from the last checkpoint of the one before; null: no checkpoints kept).
/// <para>
/// A run can be one segment of a longer training (population-based training): <paramref name="UntilEpoch"/> stops it after
/// that epoch of the spec's full schedule (its <c>epochs</c> stay the whole run's, so learning-rate schedules are the same as
/// in one piece) with its state saved under <paramref name="FitId"/>; <paramref name="StartFrom"/> names the fit whose newest
/// checkpoint (weights and optimiser state, from any trial) it continues from, with the spec's current hyperparameters.
/// Engines that train in epochs implement both (<see cref="IEngine.TrainsInSegments"/>).
/// </para>
/// </summary>
public sealed record RunContext(int Seed, string Device = "cpu", IProgress<TrainingProgress>? Progress = null, string? ArtifactDirectory = null, IShardGroups? Shards = null,
    IFitCheckpoints? Checkpoints = null, string? FitId = null, int? UntilEpoch = null, string? StartFrom = null);
