namespace ClusterML.Core.Engines;

/// <summary>
/// One progress report: <see cref="Epoch"/> of <see cref="Epochs"/> (1-based) of <see cref="Stage"/> (e.g. "member 2/5"),
/// with the losses in the engine's training units (dimensionless for standardised targets), and any further per-epoch
/// numbers the engine tracks (a PINN's loss components and current error), which campaigns record and can early-stop on.
/// </summary>
public sealed record TrainingProgress(string Stage, int Epoch, int Epochs, double TrainLoss, double? ValidationLoss,
    IReadOnlyDictionary<string, double>? Metrics = null);
