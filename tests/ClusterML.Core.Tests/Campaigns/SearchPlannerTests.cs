using ClusterML.Core.Campaigns;
using ClusterML.Core.Coordination;
using ClusterML.Core.Specs;
using ClusterML.Core.Validation;

namespace ClusterML.Core.Tests.Campaigns;

public sealed class SearchPlannerTests
{
    private static CampaignSpec Spec(string space, string search, string budget = "") =>
        CampaignSpecReader.Parse($"engine: fd\nseed: 9\nspace:\n{space}search: {search}\n{budget}", "/tmp/c/spec.yaml");

    [Fact]
    public void A_grid_should_be_the_cartesian_product_in_written_order()
    {
        var spec = Spec("  nx: {type: choice, values: [21, 41]}\n  r: {type: uniform, low: 0.1, high: 0.5}\n", "{kind: grid, points_per_axis: 3}");
        var trials = SearchPlanner.Expand(spec);
        Assert.Equal(6, trials.Length);
        Assert.Equal(["21:0.1", "21:0.3", "21:0.5", "41:0.1", "41:0.3", "41:0.5"],
            trials.Select(t => $"{t.Parameters["nx"]}:{Math.Round(double.Parse(t.Parameters["r"].ToString(), System.Globalization.CultureInfo.InvariantCulture), 12)}"));
        Assert.Equal(["t0000", "t0001"], trials.Take(2).Select(t => t.TrialId));
        Assert.Equal(4, SearchPlanner.Expand(spec with { Budget = spec.Budget with { MaxTrials = 4 } }).Length);
    }

    [Fact]
    public void Log_uniform_grid_values_should_be_geometric_and_int_axes_should_use_every_step()
    {
        var spec = Spec("  lr: {type: log-uniform, low: 0.001, high: 0.1}\n  n: {type: int, low: 2, high: 8, step: 3}\n", "{kind: grid}");
        var lrs = SearchPlanner.Expand(spec).Select(t => t.Parameters["lr"].TryGetDouble(out var v) ? v : 0).Distinct().ToArray();
        Assert.Equal([0.001, 0.01, 0.1], lrs.Select(v => Math.Round(v, 12)));
        Assert.Equal(["2", "5", "8"], SearchPlanner.Expand(spec).Select(t => t.Parameters["n"].ToString()).Distinct());
    }

    [Fact]
    public void Random_search_should_be_reproducible_and_inside_the_ranges()
    {
        var spec = Spec("  r: {type: uniform, low: 0.1, high: 0.5}\n  lr: {type: log-uniform, low: 0.001, high: 0.1}\n  k: {type: int, low: 1, high: 4}\n", "{kind: random}", "budget: {max_trials: 50}\n");
        var a = SearchPlanner.Expand(spec);
        var b = SearchPlanner.Expand(spec);
        Assert.Equal(a.Select(t => string.Join(";", t.Parameters.OrderBy(p => p.Key).Select(p => p.Value.ToString()))), b.Select(t => string.Join(";", t.Parameters.OrderBy(p => p.Key).Select(p => p.Value.ToString()))));
        Assert.Equal(a.Select(t => t.Seed), b.Select(t => t.Seed));
        Assert.Equal(50, a.Select(t => t.Seed).Distinct().Count());
        Assert.All(a, t =>
        {
            t.Parameters["r"].TryGetDouble(out var r);
            t.Parameters["lr"].TryGetDouble(out var lr);
            Assert.InRange(r, 0.1, 0.5);
            Assert.InRange(lr, 0.001, 0.1);
            Assert.IsType<CampaignValue.Integer>(t.Parameters["k"]);
        });
        var other = SearchPlanner.Expand(spec with { Seed = 10 });
        Assert.NotEqual(a[0].Parameters["r"], other[0].Parameters["r"]);
    }

    [Fact]
    public void Sobol_points_should_match_the_known_sequence_and_be_stratified()
    {
        var points = SobolSequence.Points(16, 2);
        Assert.Equal([0.5, 0.5], points[0]);
        Assert.Equal([0.75, 0.25], points[1]);
        Assert.Equal([0.25, 0.75], points[2]);
        Assert.Equal([0.375, 0.375], points[3]);
        // The first 15 points plus 0 fill each of 16 equal bins once, in every dimension (a (0,m,s)-net property per axis).
        var ten = SobolSequence.Points(15, 10);
        for (var d = 0; d < 10; d++)
        {
            var bins = ten.Select(p => (int)(p[d] * 16)).Append(0).Order().ToArray();
            Assert.Equal(Enumerable.Range(0, 16), bins);
        }
        // Two-dimensional projections of the first 2^k points put exactly one point in each of the 4×4 cells of 16 points.
        var first16 = SobolSequence.Points(15, 3).Append([0.0, 0.0, 0.0]).ToArray();
        Assert.Equal(16, first16.Select(p => ((int)(p[1] * 4), (int)(p[2] * 4))).Distinct().Count());
    }

    [Fact]
    public void The_planner_should_build_typed_engine_specs_and_refuse_unknown_settings()
    {
        var spec = Spec("  nx: {type: choice, values: [21, 41]}\n", "{kind: grid}") with
        {
            Base = System.Collections.Immutable.ImmutableDictionary<string, CampaignValue>.Empty.Add("t_end", new CampaignValue.Real(0.5)).Add("scheme", new CampaignValue.Text("crank-nicolson")),
        };
        var plan = CampaignPlanner.Plan(spec, "c1", 0);
        var fd = Assert.IsType<FdHeatTrialSpec>(plan.Trials[1].Spec);
        Assert.Equal((41, 0.5, "crank-nicolson"), (fd.Nx, fd.TEnd, fd.Scheme));
        Assert.Equal("41", plan.Trials[1].Parameters["nx"]);

        var bad = spec with { Base = spec.Base.Add("alpah", new CampaignValue.Real(1)) };
        var error = Assert.Throws<InvalidInputException>(() => CampaignPlanner.Plan(bad, "c1", 0));
        Assert.Equal("alpah", error.Field);
        Assert.Contains("not a setting of this engine", error.Message, StringComparison.Ordinal);
    }
}
