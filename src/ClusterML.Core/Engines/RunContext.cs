namespace ClusterML.Core.Engines;

/// <summary>
/// Everything a training run takes from its surroundings: the seed (all randomness derives from it), the device
/// (<c>cpu</c>, <c>cuda</c>, <c>cuda:N</c>), where progress goes, and the folder for artifacts (null: keep nothing on disk).
/// </summary>
public sealed record RunContext(int Seed, string Device = "cpu", IProgress<TrainingProgress>? Progress = null, string? ArtifactDirectory = null);
