using System.Globalization;
using ClusterML.Core.Campaigns;

namespace ClusterML.Cli.Output;

/// <summary>Where a trial sits in a Pareto plot: on the front, dominated, or infeasible (violates a constraint).</summary>
internal enum ParetoPointKind
{
    Front,
    Dominated,
    Infeasible,
}

/// <summary>One scored trial in a Pareto plot, in the objectives' own units.</summary>
internal sealed record ParetoPoint(string TrialId, double X, double Y, ParetoPointKind Kind);

/// <summary>
/// A Pareto plot of a multi-objective campaign: every scored trial on two objectives, the front (over all objectives, feasible
/// trials only) highlighted; with exactly two objectives the front is also <see cref="Line"/>, its points joined in order of x.
/// Two objectives give one <c>pareto_front.png</c>; three or more one <c>pareto_A_vs_B.png</c> per pair of objectives (the
/// front points of a pair's plot are those of the whole front, which need not look non-dominated in that projection, so they
/// are not joined).
/// </summary>
internal sealed record ParetoPlot(string File, string XLabel, string YLabel, IReadOnlyList<ParetoPoint> Points, IReadOnlyList<(double X, double Y)> Line)
{
    /// <summary>The plots of a ranking (none with one objective); trials with a non-finite objective value are left out.</summary>
    public static IReadOnlyList<ParetoPlot> Of(CampaignRanking ranking)
    {
        ArgumentNullException.ThrowIfNull(ranking);
        var objectives = ranking.Objectives.Objectives;
        if (objectives.Length < 2)
        {
            return [];
        }
        var plots = new List<ParetoPlot>();
        for (var a = 0; a < objectives.Length; a++)
        {
            for (var b = a + 1; b < objectives.Length; b++)
            {
                var (i, j) = (a, b);
                var points = ranking.Ordered.Where(t => t.Score is { } s && double.IsFinite(s.Values[i]) && double.IsFinite(s.Values[j]))
                    .OrderBy(t => t.Result.Index)
                    .Select(t => new ParetoPoint(t.Result.TrialId, Natural(objectives[i], t.Score!.Value.Values[i]), Natural(objectives[j], t.Score!.Value.Values[j]),
                        t.Infeasible ? ParetoPointKind.Infeasible : t.Front == 1 ? ParetoPointKind.Front : ParetoPointKind.Dominated))
                    .ToList();
                IReadOnlyList<(double X, double Y)> line = objectives.Length == 2
                    ? [.. points.Where(p => p.Kind == ParetoPointKind.Front).OrderBy(p => p.X).ThenBy(p => p.Y).Select(p => (p.X, p.Y))]
                    : [];
                var file = objectives.Length == 2 ? "pareto_front.png" : $"pareto_{objectives[i].Metric}_vs_{objectives[j].Metric}.png";
                plots.Add(new ParetoPlot(file, Label(objectives[i]), Label(objectives[j]), points, line));
            }
        }
        return plots;
    }

    private static double Natural(ObjectiveSpec objective, double minimised) => objective.Mode == MetricMode.Max ? -minimised : minimised;

    private static string Label(ObjectiveSpec objective) =>
        string.Create(CultureInfo.InvariantCulture, $"{objective.Metric} ({(objective.Mode == MetricMode.Max ? "higher" : "lower")} is better)");
}
