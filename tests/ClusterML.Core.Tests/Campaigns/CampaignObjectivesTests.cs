using System.Collections.Immutable;
using ClusterML.Core.Campaigns;
using ClusterML.Core.Results;
using ClusterML.Core.Validation;

namespace ClusterML.Core.Tests.Campaigns;

public sealed class CampaignObjectivesTests
{
    private const string Head = "engine: surrogate\nspace:\n  lr: {type: log-uniform, low: 1.0e-4, high: 1.0e-2}\nsearch: {kind: tpe}\nbudget: {max_trials: 10}\n";

    private static TrialResult Result(double? loss, IReadOnlyDictionary<string, double> metrics, TrialStatus status = TrialStatus.Completed, long started = 1_000, long ended = 3_500) =>
        new("c", "t0000", 0, ImmutableDictionary<string, string>.Empty, 1, status, loss, metrics, null, [], "n", 1, started, ended);

    [Fact]
    public void Without_objective_keys_a_campaign_should_minimise_the_loss_unconstrained()
    {
        var spec = CampaignSpecReader.Parse(Head, "/o.yaml");
        Assert.Equal([new ObjectiveSpec("loss", MetricMode.Min)], spec.Objectives);
        Assert.Empty(spec.Constraints);
        Assert.True(CampaignObjectives.Of(spec).IsDefault);
    }

    [Fact]
    public void Objective_objectives_and_constraints_should_be_read()
    {
        var single = CampaignSpecReader.Parse(Head + "objective: {metric: test_r2, mode: max}\n", "/o.yaml");
        Assert.Equal([new ObjectiveSpec("test_r2", MetricMode.Max)], single.Objectives);
        Assert.Equal([new ObjectiveSpec("test_rmse", MetricMode.Min)], CampaignSpecReader.Parse(Head + "objective: {metric: test_rmse}\n", "/o.yaml").Objectives);
        var several = CampaignSpecReader.Parse(Head + "objectives:\n  - {metric: force_rmse, mode: min}\n  - {metric: wall_seconds, mode: min}\n"
            + "constraints:\n  - {metric: energy_rmse, max: 1.0e-3}\n  - {metric: x, min: 0}\n  - {metric: y, min: -1, max: 1}\n", "/o.yaml");
        Assert.Equal([new ObjectiveSpec("force_rmse", MetricMode.Min), new ObjectiveSpec("wall_seconds", MetricMode.Min)], several.Objectives);
        Assert.Equal([new ConstraintSpec("energy_rmse", null, 1e-3), new ConstraintSpec("x", 0, null), new ConstraintSpec("y", -1, 1)], several.Constraints);
        Assert.True(CampaignObjectives.Of(several).IsMultiObjective);
    }

    [Theory]
    [InlineData("objective: {metric: loss, mode: maximum}\n", "objective.mode", 6, "'maximum' is not min or max")]
    [InlineData("objective: {mode: min}\n", "objective.metric", 6, "is required")]
    [InlineData("objective: {metric: loss, direction: min}\n", "objective.direction", 6, "not a known key")]
    [InlineData("objective: test_rmse\n", "objective", 6, "must be a mapping")]
    [InlineData("objectives:\n  - {metric: test_rmse, mode: min}\n", "objectives", 7, "at least two entries (got 1)")]
    [InlineData("objectives: {metric: test_rmse}\n", "objectives", 6, "must be a list")]
    [InlineData("objectives:\n  - {metric: a}\n  - {metric: b, mode: up}\n", "objectives[1].mode", 8, "'up' is not min or max")]
    [InlineData("objectives:\n  - {metric: a}\n  - {metric: a, mode: max}\n", "objectives[1].metric", 8, "repeats the metric 'a'")]
    [InlineData("objective: {metric: a}\nobjectives:\n  - {metric: a}\n  - {metric: b}\n", "objectives", 7, "exclude each other")]
    [InlineData("objectives:\n  - {metric: a}\n  - {metric: b}\nobjective: {metric: a}\n", "objective", 9, "exclude each other")]
    [InlineData("constraints:\n  - {metric: energy_rmse}\n", "constraints[0]", 7, "needs min, max or both")]
    [InlineData("constraints:\n  - {metric: e, min: 2, max: 1}\n", "constraints[0].max", 7, "must be at least min (2; got 1)")]
    [InlineData("constraints:\n  - {metric: e, max: small}\n", "constraints[0].max", 7, "must be a number")]
    [InlineData("constraints:\n  - {metric: e, below: 1}\n", "constraints[0].below", 7, "not a known key")]
    [InlineData("constraints: []\n", "constraints", 6, "non-empty list")]
    public void A_bad_objective_or_constraint_should_be_refused_naming_the_key_and_line(string tail, string field, int line, string problem)
    {
        var error = Assert.Throws<InvalidInputException>(() => CampaignSpecReader.Parse(Head + tail, "/x/o.yaml"));
        Assert.Equal((field, line, "/x/o.yaml"), (error.Field, error.Line, error.File));
        Assert.Contains(problem, error.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Gp_with_several_objectives_should_be_an_input_error()
    {
        var yaml = Head.Replace("kind: tpe", "kind: gp", StringComparison.Ordinal) + "objectives:\n  - {metric: a}\n  - {metric: b}\n";
        var error = Assert.Throws<InvalidInputException>(() => CampaignSpecReader.Parse(yaml, "/x/o.yaml"));
        Assert.Equal(("objectives", 7), (error.Field, error.Line));
        Assert.Contains("gp search optimises one objective", error.Problem, StringComparison.Ordinal);
        // One objective, any mode, and constraints are fine with gp; several objectives with grid, random and sobol too.
        CampaignSpecReader.Parse(Head.Replace("kind: tpe", "kind: gp", StringComparison.Ordinal) + "objective: {metric: a, mode: max}\nconstraints:\n  - {metric: b, max: 1}\n", "/o.yaml");
        foreach (var kind in new[] { "grid", "random", "sobol" })
        {
            Assert.Equal(2, CampaignSpecReader.Parse(Head.Replace("kind: tpe", $"kind: {kind}", StringComparison.Ordinal) + "objectives:\n  - {metric: a}\n  - {metric: b}\n", "/o.yaml").Objectives.Length);
        }
    }

    [Fact]
    public void A_trial_should_be_scored_by_loss_metrics_and_wall_seconds_with_max_negated()
    {
        var objectives = new CampaignObjectives([new("test_r2", MetricMode.Max), new("wall_seconds", MetricMode.Min), new("loss", MetricMode.Min)], []);
        var score = objectives.Score(Result(0.25, new Dictionary<string, double> { ["test_r2"] = 0.9, ["loss"] = 7 }))!.Value;
        // r2 negated; wall time (3500 − 1000) ms = 2.5 s; "loss" is the final loss even when a metric has that name.
        Assert.Equal([-0.9, 2.5, 0.25], score.Values);
        Assert.True(score.Feasible);
        Assert.Null(objectives.Score(Result(0.25, new Dictionary<string, double> { ["test_r2"] = 0.9 }, TrialStatus.Stopped)));
        Assert.Equal(double.PositiveInfinity, new CampaignObjectives([new("m", MetricMode.Max)], []).Score(Result(1, new Dictionary<string, double> { ["m"] = double.NaN }))!.Value.Values[0]);
    }

    [Fact]
    public void A_completed_trial_lacking_a_metric_should_have_no_score_and_name_what_is_missing()
    {
        var objectives = new CampaignObjectives([new("test_rmse", MetricMode.Min)], [new("energy_rmse", null, 1e-3)]);
        var result = Result(0.5, new Dictionary<string, double> { ["test_rmse"] = 0.1, ["train_rmse"] = 0.05 });
        Assert.Null(objectives.Score(result));
        Assert.Equal(["energy_rmse"], objectives.Missing(result));
        Assert.Equal(["loss", "wall_seconds", "test_rmse", "train_rmse"], CampaignObjectives.Reported(result));
        Assert.Equal(["loss"], CampaignObjectives.Default.Missing(Result(null, new Dictionary<string, double>())));
    }

    [Fact]
    public void Constraints_should_measure_violation_and_order_feasible_first_then_by_violation()
    {
        var objectives = new CampaignObjectives([ObjectiveSpec.Loss], [new("e", null, 1.0), new("x", 0, null)]);
        TrialScore Of(double loss, double e, double x) => objectives.Score(Result(loss, new Dictionary<string, double> { ["e"] = e, ["x"] = x }))!.Value;
        var feasibleWorse = Of(5, 1.0, 0);      // on both bounds: feasible
        var feasibleBetter = Of(3, 0.5, 2);
        var slightly = Of(1, 1.25, 0);          // violates e by 0.25
        var badly = Of(0.1, 1.5, -1);           // violates e by 0.5 and x by 1: 1.5
        Assert.Equal((0.0, 0.25, 1.5), (feasibleWorse.Violation, slightly.Violation, badly.Violation));
        TrialScore[] scores = [badly, feasibleWorse, slightly, feasibleBetter];
        var ordered = scores.Order(Comparer<TrialScore>.Create(CampaignObjectives.Compare)).ToArray();
        Assert.Equal([feasibleBetter, feasibleWorse, slightly, badly], ordered);
        Assert.Equal(double.PositiveInfinity, new ConstraintSpec("e", 0, 1).Violation(double.NaN));
    }

    [Fact]
    public void The_pareto_example_should_read_as_a_two_objective_constrained_tpe_campaign()
    {
        var spec = CampaignSpecReader.Read(Path.Combine(CampaignSpecReaderTests.RepoRoot(), "config", "campaigns", "surrogate-pareto.yaml"));
        Assert.Equal(SearchKind.Tpe, spec.Search.Kind);
        Assert.Equal([new ObjectiveSpec("test_rmse", MetricMode.Min), new ObjectiveSpec("wall_seconds", MetricMode.Min)], spec.Objectives);
        Assert.Equal([new ConstraintSpec("test_r2", 0.5, null)], spec.Constraints);
        Assert.True(spec.Budget.MaxTrials <= 24);
    }
}
