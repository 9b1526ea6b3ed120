namespace ClusterML.Cli.Analysis;

/// <summary>One hyperparameter's importance: the fraction (0–1) of the objective's variance it explains alone.</summary>
internal sealed record AxisImportance(string Axis, double Importance);

/// <summary>
/// The outcome of <see cref="HyperparameterImportance.Evaluate"/>: <see cref="Axes"/> sorted by importance (largest first,
/// summing to 1), or empty with <see cref="Message"/> saying why there is nothing to show (too few trials, one axis, a
/// constant objective). <see cref="TrialsUsed"/> counts the trials the forest was fitted on. Immutable.
/// </summary>
internal sealed record ImportanceReport(string Method, int TrialsUsed, int MinimumTrials, IReadOnlyList<AxisImportance> Axes, string? Message)
{
    /// <summary>Whether there are importances to show.</summary>
    public bool HasImportances => Axes.Count > 0;
}
