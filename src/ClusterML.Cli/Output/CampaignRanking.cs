using System.Globalization;
using ClusterML.Core.Campaigns;
using ClusterML.Core.Results;

namespace ClusterML.Cli.Output;

/// <summary>
/// One trial as the reports rank it: its <see cref="Score"/> (null: not completed, or lacking the <see cref="Missing"/> metrics),
/// and with several objectives its <see cref="Front"/>: 1 for the Pareto front of the feasible trials, 2 for the next
/// non-dominated layer, …; null when it has no score or is infeasible.
/// </summary>
internal sealed record RankedTrial(TrialResult Result, TrialScore? Score, int? Front, IReadOnlyList<string> Missing)
{
    public bool Infeasible => Score is { Feasible: false };
}

/// <summary>
/// A campaign's trials ranked by its objectives (<see cref="CampaignObjectives"/>), best first: feasible trials (one objective:
/// by value; several: by front, then the first objective), then infeasible ones by violation, then completed trials lacking a
/// metric, then stopped and failed ones (by final loss, then index). With the default objective this is the order by final loss.
/// </summary>
internal sealed class CampaignRanking
{
    private CampaignRanking(CampaignObjectives objectives, IReadOnlyList<RankedTrial> ordered) => (Objectives, Ordered) = (objectives, ordered);

    public CampaignObjectives Objectives { get; }

    /// <summary>Every trial, best first.</summary>
    public IReadOnlyList<RankedTrial> Ordered { get; }

    /// <summary>The Pareto front (several objectives; empty with one), in ranking order.</summary>
    public IReadOnlyList<RankedTrial> ParetoFront => [.. Ordered.Where(t => t.Front == 1)];

    /// <summary>With one objective the best feasible trial with a finite value (ties: lowest index), else null.</summary>
    public TrialResult? Best =>
        Objectives.IsMultiObjective ? null
        : Ordered.FirstOrDefault(t => t.Score is { Feasible: true } s && double.IsFinite(s.Values[0]))?.Result;

    public static CampaignRanking Of(IReadOnlyList<TrialResult> results, CampaignObjectives? objectives = null)
    {
        ArgumentNullException.ThrowIfNull(results);
        objectives ??= CampaignObjectives.Default;
        var scores = results.Select(objectives.Score).ToArray();
        var fronts = new int?[results.Count];
        if (objectives.IsMultiObjective)
        {
            var feasible = Enumerable.Range(0, results.Count).Where(i => scores[i] is { Feasible: true }).ToArray();
            var ranks = ClusterML.Core.Campaigns.ParetoFront.Ranks([.. feasible.Select(i => (IReadOnlyList<double>)scores[i]!.Value.Values)]);
            for (var k = 0; k < feasible.Length; k++)
            {
                fronts[feasible[k]] = ranks[k] + 1;
            }
        }
        var ordered = Enumerable.Range(0, results.Count)
            .Select(i => new RankedTrial(results[i], scores[i], fronts[i], results[i].Status == TrialStatus.Completed ? objectives.Missing(results[i]) : []))
            .OrderBy(t => t.Score is { } s ? (s.Feasible ? 0 : 1) : t.Result.Status == TrialStatus.Completed ? 2 : 3)
            .ThenBy(t => t.Front ?? 0)
            .ThenBy(t => t.Score is { Feasible: false } s ? s.Violation : 0)
            .ThenBy(t => t.Score is { } s ? s.Values[0] : t.Result.FinalLoss ?? double.PositiveInfinity)
            .ThenBy(t => t.Result.Index)
            .ToArray();
        return new CampaignRanking(objectives, ordered);
    }

    /// <summary>
    /// The summary line under the leaderboard: the best trial with its objective and hyperparameters, or with several
    /// objectives the Pareto front's size and members; null when no trial qualifies.
    /// </summary>
    public string? Summary()
    {
        if (Objectives.IsMultiObjective)
        {
            var front = ParetoFront;
            if (front.Count == 0)
            {
                return null;
            }
            var infeasible = Ordered.Count(t => t.Infeasible);
            return $"Pareto front ({Objectives}): {front.Count} of {Ordered.Count(t => t.Score is not null)} scored trials: "
                + string.Join(", ", front.Take(12).Select(t => t.Result.TrialId)) + (front.Count > 12 ? ", …" : "")
                + (infeasible > 0 ? $"; {infeasible} infeasible" : "");
        }
        if (Best is not { } best)
        {
            return null;
        }
        var objective = Objectives.Objectives[0];
        var value = CampaignObjectives.MetricValue(objective.Metric, best)!.Value.ToString("G6", CultureInfo.InvariantCulture);
        var loss = objective.Metric == CampaignObjectives.LossMetric || best.FinalLoss is not { } l ? "" : $" (loss {l.ToString("G6", CultureInfo.InvariantCulture)})";
        return $"Best: {best.TrialId} {objective.Metric} {value}{loss} with {string.Join(", ", best.Parameters.OrderBy(x => x.Key).Select(x => $"{x.Key}={CampaignReports.Shown(x.Value)}"))}";
    }
}
