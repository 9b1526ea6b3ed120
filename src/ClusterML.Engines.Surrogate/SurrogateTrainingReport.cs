using ClusterML.Core.Engines;

namespace ClusterML.Engines.Surrogate;

/// <summary>
/// Everything a surrogate training run produced, for reports and plots: the per-member results, the held-out test set
/// with the ensemble's predictions (raw units), interpretation, the metrics, and the engine outcome.
/// </summary>
public sealed record SurrogateTrainingReport(
    SurrogateMetadata Metadata,
    IReadOnlyList<MemberResult> Members,
    double[][] TestInputs,
    double[] TestTruth,
    SurrogatePrediction TestPrediction,
    IReadOnlyList<FeatureImportance> Importance,
    IReadOnlyList<PartialDependence> PartialDependence,
    IReadOnlyDictionary<string, double?> Metrics,
    IReadOnlyList<IReadOnlyDictionary<string, double>> MemberMetrics,
    TrainingOutcome Outcome);
