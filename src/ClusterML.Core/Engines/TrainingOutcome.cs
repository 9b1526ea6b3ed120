namespace ClusterML.Core.Engines;

/// <summary>
/// The result of a trial: the final loss the search optimises (lower is better), the loss per epoch, a checkpoint that
/// restores the trained state, named final metrics (units in the names, e.g. <c>test_rmse</c> in target units) and the
/// paths of the artifacts written (relative to <see cref="RunContext.ArtifactDirectory"/>).
/// </summary>
public sealed record TrainingOutcome(
    double FinalLoss,
    IReadOnlyList<double> LossCurve,
    byte[] Checkpoint,
    IReadOnlyDictionary<string, double>? Metrics = null,
    IReadOnlyList<string>? Artifacts = null);
