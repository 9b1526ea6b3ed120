namespace ClusterML.Engines.Pinn.Heat;

/// <summary>
/// A trained heat PINN with its history (every step), its prediction on the evaluation grid next to the FD reference, and
/// the metrics (<c>rel_l2_vs_analytic</c>, <c>rel_l2_vs_fd</c>, timings, and <c>alpha</c> with its error when inverse).
/// Owns the network: dispose it.
/// </summary>
public sealed class PinnHeatRun : IDisposable
{
    internal PinnHeatRun(PinnHeatSettings settings, HeatPinnNetwork network, IReadOnlyList<PinnEpoch> history, EvaluationGrid grid,
        double[] predicted, double[] fd, IReadOnlyDictionary<string, double> metrics)
    {
        (Settings, Network, History, Grid, Predicted, Fd, Metrics) = (settings, network, history, grid, predicted, fd, metrics);
    }

    public PinnHeatSettings Settings { get; }

    internal HeatPinnNetwork Network { get; }

    public IReadOnlyList<PinnEpoch> History { get; }

    public EvaluationGrid Grid { get; }

    public double[] Predicted { get; }

    public double[] Fd { get; }

    public IReadOnlyDictionary<string, double> Metrics { get; }

    /// <summary>When the run stopped before its last Adam epoch: the state to continue from (files by name); else null.</summary>
    public IReadOnlyDictionary<string, byte[]>? Segment { get; init; }

    /// <summary>α the run ended with (the problem's α in a forward run).</summary>
    public double Alpha => Network.Alpha;

    public void Dispose() => Network.Dispose();
}
