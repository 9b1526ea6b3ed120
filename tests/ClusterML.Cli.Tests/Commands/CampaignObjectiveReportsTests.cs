using System.Collections.Immutable;
using ClusterML.Cli.Output;
using ClusterML.Core.Campaigns;
using ClusterML.Core.Results;

namespace ClusterML.Cli.Tests.Commands;

/// <summary>Leaderboards, summaries and Pareto plots of campaigns with objectives and constraints.</summary>
public sealed class CampaignObjectiveReportsTests
{
    private static TrialResult Trial(string id, int index, double rmse, double seconds, double? energy = null, TrialStatus status = TrialStatus.Completed)
    {
        var metrics = new Dictionary<string, double> { ["test_rmse"] = rmse };
        if (energy is { } e)
        {
            metrics["energy_rmse"] = e;
        }
        return new TrialResult("c", id, index, ImmutableDictionary<string, string>.Empty.Add("width", (16 * (index + 1)).ToString(System.Globalization.CultureInfo.InvariantCulture)),
            1, status, 1.0 + index, metrics, null, [], "n", 1, 0, (long)(seconds * 1000));
    }

    private static readonly CampaignObjectives TwoObjectives = new(
        [new ObjectiveSpec("test_rmse", MetricMode.Min), new ObjectiveSpec("wall_seconds", MetricMode.Min)], [new ConstraintSpec("energy_rmse", null, 1e-3)]);

    // Front: t0 (0.1, 10 s), t1 (0.2, 5 s), t3 (0.3, 2 s); t2 (0.25, 8 s) is dominated by t1; t4 (0.05, 1 s) would dominate all
    // but violates energy_rmse ≤ 1e-3; t5 lacks energy_rmse; t6 failed.
    private static readonly TrialResult[] Results =
    [
        Trial("t0000", 0, 0.1, 10, 1e-4), Trial("t0001", 1, 0.2, 5, 1e-4), Trial("t0002", 2, 0.25, 8, 1e-4), Trial("t0003", 3, 0.3, 2, 1e-4),
        Trial("t0004", 4, 0.05, 1, 5e-3), Trial("t0005", 5, 0.01, 1), Trial("t0006", 6, 0, 0, status: TrialStatus.Failed),
    ];

    private static string[][] Rows(string csv) => [.. csv.Split(['\r', '\n'], StringSplitOptions.RemoveEmptyEntries).Select(line => line.Split(','))];

    [Fact]
    public void The_leaderboard_should_show_the_front_the_objectives_and_feasibility()
    {
        var text = new StringWriter();
        Tables.Write(text, CampaignReports.Leaderboard(Results, 10, exact: true, TwoObjectives), TableFormat.Csv);
        var rows = Rows(text.ToString());
        Assert.Equal(["rank", "front", "trial", "width", "loss", "test_rmse (min)", "wall_seconds (min)", "feasible", "status", "attempts", "artifacts"], rows[0]);
        // The front by the first objective, then the dominated trial, the infeasible one, the one lacking a metric, the failed one.
        Assert.Equal(["t0000", "t0001", "t0003", "t0002", "t0004", "t0005", "t0006"], rows.Skip(1).Select(r => r[2]));
        Assert.Equal(["1", "1", "1", "2", "infeasible", "–", "–"], rows.Skip(1).Select(r => r[1]));
        Assert.Equal(["yes", "yes", "yes", "yes", "no (+0.004)", "–", "–"], rows.Skip(1).Select(r => r[7]));
        Assert.Equal(["0.1", "10"], rows[1][5..7]);
        Assert.Equal("completed: no energy_rmse", rows[6][8]);

        var ranking = CampaignRanking.Of(Results, TwoObjectives);
        Assert.Null(ranking.Best); // no single best with two objectives
        Assert.Equal("Pareto front (test_rmse (min), wall_seconds (min)): 3 of 5 scored trials: t0000, t0001, t0003; 1 infeasible", ranking.Summary());
    }

    [Fact]
    public void One_objective_in_max_mode_should_rank_and_name_the_best_by_it()
    {
        var objectives = new CampaignObjectives([new ObjectiveSpec("test_rmse", MetricMode.Max)], []);
        var ranking = CampaignRanking.Of(Results, objectives);
        // Highest test_rmse first (t0003, 0.3); the loss (lowest for t0000) plays no part.
        Assert.Equal(["t0003", "t0002", "t0001"], ranking.Ordered.Take(3).Select(t => t.Result.TrialId));
        Assert.Equal("t0003", ranking.Best!.TrialId);
        Assert.Equal("Best: t0003 test_rmse 0.3 (loss 4) with width=64", ranking.Summary());
        // The default ranks by the final loss, as before objectives existed.
        Assert.Equal("t0000", CampaignRanking.Of(Results).Best!.TrialId);
        Assert.Equal("Best: t0000 loss 1 with width=16", CampaignRanking.Of(Results).Summary());
    }

    [Fact]
    public void Two_objectives_should_plot_every_scored_trial_with_the_front_joined_and_three_a_plot_per_pair()
    {
        var plots = ParetoPlot.Of(CampaignRanking.Of(Results, TwoObjectives));
        var plot = Assert.Single(plots);
        Assert.Equal("pareto_front.png", plot.File);
        Assert.Equal(["t0000", "t0001", "t0002", "t0003", "t0004"], plot.Points.Select(p => p.TrialId)); // t0005 has no score
        Assert.Equal([ParetoPointKind.Front, ParetoPointKind.Front, ParetoPointKind.Dominated, ParetoPointKind.Front, ParetoPointKind.Infeasible], plot.Points.Select(p => p.Kind));
        Assert.Equal([(0.1, 10.0), (0.2, 5.0), (0.3, 2.0)], plot.Line);

        var three = new CampaignObjectives([.. TwoObjectives.Objectives, new ObjectiveSpec("loss", MetricMode.Max)], []);
        var pairs = ParetoPlot.Of(CampaignRanking.Of(Results, three));
        Assert.Equal(["pareto_test_rmse_vs_wall_seconds.png", "pareto_test_rmse_vs_loss.png", "pareto_wall_seconds_vs_loss.png"], pairs.Select(p => p.File));
        Assert.All(pairs, p => Assert.Empty(p.Line));
        Assert.Equal(6.0, pairs[2].Points.Max(p => p.Y)); // loss shown in its own units, not negated
        Assert.Empty(ParetoPlot.Of(CampaignRanking.Of(Results)));
    }

    [Fact]
    public void One_objective_other_than_the_loss_should_be_the_y_of_the_parameter_plots()
    {
        var spec = CampaignSpecReader.Parse("engine: surrogate\nspace:\n  width: { type: int, low: 16, high: 112, step: 16 }\nsearch: {kind: grid}\n"
            + "objective: {metric: test_rmse, mode: max}\n", "p.yaml");
        var plan = CampaignPlotPlan.Of("surrogate", spec, Results, []);
        var plot = Assert.Single(plan.Parameters);
        Assert.Equal("test_rmse_vs_width.png", plot.File);
        Assert.Equal("test rmse (higher is better)", plot.YLabel);
        // Completed trials at their test_rmse (not their loss 1 + index); the failed one is left out.
        Assert.Equal([0.1, 0.2, 0.25, 0.3, 0.05, 0.01], plot.Points.Select(p => p.Y));
        // Without an objective the plots stay the loss's.
        Assert.Equal("loss_vs_width.png", Assert.Single(CampaignPlotPlan.Of("surrogate", null, Results, []).Parameters).File);
    }
}
