namespace ClusterML.Core.Campaigns;

/// <summary>
/// The good/bad split of multi-objective TPE (MOTPE, Ozaki et al. 2020/2022, as Optuna 3.1's TPESampler does it with several
/// objectives) and of constrained TPE (Optuna's <c>constraints_func</c>). The Parzen estimators are then fitted as for one objective.
/// </summary>
/// <remarks>
/// With constraints, feasible trials come first: when fewer than γ(n) trials are feasible, the good group is the feasible
/// ones and then the least violating; otherwise it is the best γ(n) feasible trials by the objectives' split and every
/// infeasible trial is bad. With several objectives, trials are sorted into non-domination ranks and whole ranks fill the good
/// group while they fit; the rank at the cut contributes the points chosen greedily for the largest hypervolume
/// (reference: that rank's worst point moved out by 10 %). Running trials (constant liar) and stopped ones count as +∞ in
/// every objective. Unlike Optuna, the good estimator's components keep the usual weights (Optuna weighs them by hypervolume
/// contribution).
/// </remarks>
public static partial class TpeSampler
{
    private static bool NeedsMotpeSplit(IReadOnlyList<SearchObservation> observations) =>
        observations.Any(o => o.Values.Length > 1 || o.Violation > 0);

    /// <summary>
    /// The good group of a multi-objective or constrained split: of the trials <paramref name="considered"/> (indices into
    /// <paramref name="observations"/>), the <paramref name="goodCount"/> best, as indices into <paramref name="observations"/>.
    /// </summary>
    public static HashSet<int> MotpeGood(IReadOnlyList<SearchObservation> observations, IReadOnlyList<int> considered, int goodCount)
    {
        var violations = considered.Select(i => observations[i].Value is null ? 0 : observations[i].Violation).ToArray();
        // A stable order by violation: feasible ones (0) first, in trial order.
        var byViolation = Enumerable.Range(0, considered.Count).OrderBy(k => violations[k]).ThenBy(k => considered[k]).ToArray();
        if (goodCount >= byViolation.Length || violations[byViolation[goodCount]] > 0)
        {
            return [.. byViolation.Take(goodCount).Select(k => considered[k])];
        }
        var feasible = considered.Where((_, k) => violations[k] == 0).ToList();
        return SplitByObjectives(observations, feasible, goodCount);
    }

    /// <summary>The good group of feasible trials: by value for one objective, by rank and hypervolume for several.</summary>
    private static HashSet<int> SplitByObjectives(IReadOnlyList<SearchObservation> observations, IReadOnlyList<int> trials, int goodCount)
    {
        var objectives = observations.Max(o => Math.Max(1, o.Values.Length));
        var points = trials.Select(i => Vector(observations[i], objectives)).ToArray();
        if (objectives == 1)
        {
            return [.. Enumerable.Range(0, trials.Count).OrderBy(k => points[k][0]).ThenBy(k => trials[k]).Take(goodCount).Select(k => trials[k])];
        }
        var ranks = ParetoFront.Ranks(points);
        var good = new HashSet<int>();
        for (var rank = 0; good.Count < goodCount; rank++)
        {
            var members = Enumerable.Range(0, trials.Count).Where(k => ranks[k] == rank).ToList();
            if (good.Count + members.Count <= goodCount)
            {
                good.UnionWith(members.Select(k => trials[k]));
                continue;
            }
            // The rank at the cut: ties broken by greedy hypervolume subset selection.
            IReadOnlyList<double>[] rankPoints = [.. members.Select(k => points[k])];
            var chosen = ParetoFront.GreedySubset(rankPoints, goodCount - good.Count, ParetoFront.Reference(rankPoints));
            good.UnionWith(chosen.Select(c => trials[members[c]]));
        }
        return good;
    }

    /// <summary>An observation's objectives, lower is better; running trials and NaN as +∞.</summary>
    private static double[] Vector(SearchObservation observation, int objectives)
    {
        var vector = new double[objectives];
        for (var k = 0; k < objectives; k++)
        {
            var value = observation.Value is null ? double.PositiveInfinity
                : observation.Values.Length > k ? observation.Values[k]
                : k == 0 ? observation.Value.Value : double.PositiveInfinity;
            vector[k] = double.IsNaN(value) ? double.PositiveInfinity : value;
        }
        return vector;
    }
}
