using System.Collections.Immutable;
using System.Globalization;
using ClusterML.Core.Campaigns;
using ClusterML.Core.Coordination;
using ClusterML.Core.Engines;
using ClusterML.Core.Specs;
using ClusterML.Core.Validation;
using ClusterML.Engines.FiniteDifferences;

namespace ClusterML.Core.Tests.Campaigns;

public sealed class SearchPlannerTests
{
    private static CampaignSpec Spec(string space, string search, string budget = "") =>
        CampaignSpecReader.Parse($"engine: fd\nseed: 9\nspace:\n{space}search: {search}\n{budget}", "/tmp/c/spec.yaml");

    private static double Number(TrialPlan trial, string name) =>
        trial.Parameters[name].TryGetDouble(out var value) ? value : throw new InvalidOperationException($"{name} is not a number");

    private static string Describe(TrialPlan trial) =>
        string.Join(";", trial.Parameters.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"{p.Key}={p.Value}"));

    [Fact]
    public void A_grid_should_be_the_cartesian_product_in_written_order()
    {
        var spec = Spec("  nx: {type: choice, values: [21, 41]}\n  r: {type: uniform, low: 0.1, high: 0.5}\n", "{kind: grid, points_per_axis: 3}");
        var trials = SearchPlanner.Expand(spec);
        // Tolerance 1e-12: 0.1 + 0.4·k/2 carries one rounding of the double arithmetic.
        Assert.Equal(["21:0.1", "21:0.3", "21:0.5", "41:0.1", "41:0.3", "41:0.5"],
            trials.Select(t => $"{t.Parameters["nx"]}:{Math.Round(Number(t, "r"), 12).ToString(CultureInfo.InvariantCulture)}"));
        Assert.Equal([0, 1, 2, 3, 4, 5], trials.Select(t => t.Index));
        Assert.IsType<CampaignValue.Integer>(trials[0].Parameters["nx"]);
        Assert.Equal((0.1, 0.5), (Number(trials[0], "r"), Number(trials[2], "r")));
    }

    [Fact]
    public void A_grid_should_have_the_product_of_the_axis_sizes_and_be_cut_to_max_trials_in_order()
    {
        const string Space = "  a: {type: choice, values: [x, y, z]}\n  b: {type: int, low: 1, high: 4}\n  c: {type: log-uniform, low: 1.0e-3, high: 1.0e-1}\n";
        var full = SearchPlanner.Expand(Spec(Space, "{kind: grid}"));
        Assert.Equal(3 * 4 * 3, full.Length);
        Assert.Equal(full.Length, full.Select(Describe).Distinct().Count());
        Assert.Equal(["a=x;b=1;c=0.001", "a=x;b=1;c=0.01", "a=x;b=1;c=0.1", "a=x;b=2;c=0.001"],
            full.Take(4).Select(t => $"a={t.Parameters["a"]};b={t.Parameters["b"]};c={Math.Round(Number(t, "c"), 15).ToString(CultureInfo.InvariantCulture)}"));
        Assert.Equal("a=z;b=4;c=0.1", Describe(full[^1]));

        var cut = SearchPlanner.Expand(Spec(Space, "{kind: grid}", "budget: {max_trials: 10}\n"));
        Assert.Equal(full.Take(10).Select(Describe), cut.Select(Describe));
        Assert.Equal(36, SearchPlanner.Expand(Spec(Space, "{kind: grid}", "budget: {max_trials: 1000}\n")).Length);
    }

    [Fact]
    public void Grid_values_should_print_as_the_decimals_they_stand_for()
    {
        // 0.1 + 0.1·1/16 is 0.10625000000000001 in double arithmetic (and 7/16 gives 0.14375000000000002); results and
        // tables should say 0.10625 and 0.14375.
        var trials = SearchPlanner.Expand(Spec("  alpha: {type: uniform, low: 0.1, high: 0.2}\n", "{kind: grid, points_per_axis: 17}"));
        Assert.Equal(("0.10625", "0.14375"), (trials[1].Parameters["alpha"].ToString(), trials[7].Parameters["alpha"].ToString()));
        Assert.All(trials, t => Assert.True(t.Parameters["alpha"].ToString().Length <= 7, t.Parameters["alpha"].ToString()));
        var logs = SearchPlanner.Expand(Spec("  lr: {type: log-uniform, low: 0.001, high: 0.1}\n", "{kind: grid, points_per_axis: 3}"));
        Assert.Equal("0.01", logs[1].Parameters["lr"].ToString());
    }

    [Fact]
    public void Log_uniform_grid_values_should_be_geometric_and_int_axes_should_use_every_step()
    {
        var spec = Spec("  lr: {type: log-uniform, low: 0.001, high: 0.1}\n  n: {type: int, low: 2, high: 9, step: 3}\n", "{kind: grid, points_per_axis: 5}");
        var trials = SearchPlanner.Expand(spec);
        var lrs = trials.Select(t => Number(t, "lr")).Distinct().ToArray();
        Assert.Equal(5, lrs.Length);
        Assert.Equal((0.001, 0.1), (lrs[0], lrs[^1]));
        for (var i = 1; i < lrs.Length; i++)
        {
            // Equal ratios 10^(1/2) between neighbours; 1e-12 allows for exp/log rounding.
            Assert.Equal(Math.Sqrt(10), lrs[i] / lrs[i - 1], 1e-12);
        }
        Assert.Equal(["2", "5", "8"], trials.Select(t => t.Parameters["n"].ToString()).Distinct());
    }

    [Fact]
    public void Random_search_should_be_reproducible_inside_the_ranges_and_seeded_as_documented()
    {
        var spec = Spec("  r: {type: uniform, low: 0.1, high: 0.5}\n  lr: {type: log-uniform, low: 0.001, high: 0.1}\n  k: {type: int, low: 1, high: 10, step: 3}\n  c: {type: choice, values: [a, b]}\n",
            "{kind: random}", "budget: {max_trials: 400}\n");
        var a = SearchPlanner.Expand(spec);
        Assert.Equal(400, a.Length);
        Assert.Equal(a.Select(Describe), SearchPlanner.Expand(spec).Select(Describe));
        Assert.All(a, t =>
        {
            Assert.InRange(Number(t, "r"), 0.1, 0.5);
            Assert.InRange(Number(t, "lr"), 0.001, 0.1);
            Assert.Contains(t.Parameters["k"], new CampaignValue[] { new CampaignValue.Integer(1), new CampaignValue.Integer(4), new CampaignValue.Integer(7), new CampaignValue.Integer(10) });
            Assert.Contains(t.Parameters["c"], new CampaignValue[] { new CampaignValue.Text("a"), new CampaignValue.Text("b") });
        });
        Assert.Equal(4, a.Select(t => t.Parameters["k"]).Distinct().Count());

        // The documented stream: one NextDouble per axis, axis by axis, from Random(Seeds.Derive(seed, 7)).
        var random = new Random(Seeds.Derive(9, 7));
        var u = Enumerable.Range(0, 4).Select(_ => random.NextDouble()).ToArray();
        Assert.Equal(0.1 + (u[0] * 0.4), Number(a[0], "r"), 1e-15);
        Assert.Equal(Math.Exp(Math.Log(0.001) + (u[1] * (Math.Log(0.1) - Math.Log(0.001)))), Number(a[0], "lr"), 1e-15);
        Assert.Equal(new CampaignValue.Integer(1 + (3 * (long)Math.Floor(u[2] * 4))), a[0].Parameters["k"]);

        Assert.NotEqual(a.Select(Describe), SearchPlanner.Expand(spec with { Seed = 10 }).Select(Describe));
    }

    [Fact]
    public void Random_log_uniform_draws_should_be_uniform_in_the_logarithm()
    {
        var spec = Spec("  lr: {type: log-uniform, low: 1.0e-4, high: 1.0}\n", "{kind: random}", "budget: {max_trials: 4000}\n");
        var decades = SearchPlanner.Expand(spec).GroupBy(t => (int)Math.Floor(Math.Log10(Number(t, "lr")))).ToDictionary(g => g.Key, g => g.Count());
        // Four decades, 1000 draws expected in each; ±15 % is over 4 standard deviations of a binomial(4000, 1/4).
        Assert.Equal([-4, -3, -2, -1], decades.Keys.Order());
        Assert.All(decades.Values, n => Assert.InRange(n, 850, 1150));
    }

    [Fact]
    public void Sobol_search_should_map_the_sequence_onto_each_axis()
    {
        var spec = Spec("  u: {type: uniform, low: 0.0, high: 2.0}\n  c: {type: choice, values: [a, b, c]}\n  n: {type: int, low: 21, high: 201, step: 20}\n",
            "{kind: sobol}", "budget: {max_trials: 32}\n");
        var trials = SearchPlanner.Expand(spec);
        var points = SobolSequence.Points(32, 3);
        for (var i = 0; i < trials.Length; i++)
        {
            Assert.Equal(2 * points[i][0], Number(trials[i], "u"));
            Assert.Equal(new CampaignValue.Text(((char)('a' + (int)Math.Floor(points[i][1] * 3))).ToString()), trials[i].Parameters["c"]);
            Assert.Equal(new CampaignValue.Integer(21 + (20 * (long)Math.Floor(points[i][2] * 10))), trials[i].Parameters["n"]);
        }
        // The zero point is skipped: the first trial sits in the middle of every axis.
        Assert.Equal("c=b;n=121;u=1", Describe(trials[0]));
        // 32 points stratify a 10-value int axis almost evenly: each value 3 or 4 times.
        Assert.All(trials.GroupBy(t => t.Parameters["n"]), g => Assert.InRange(g.Count(), 3, 4));
        Assert.Equal(trials.Select(Describe), SearchPlanner.Expand(spec).Select(Describe));
    }

    [Fact]
    public void Sobol_search_should_cover_21_axes_inside_their_ranges()
    {
        var axes = string.Concat(Enumerable.Range(0, 21).Select(i => $"  p{i}: {{type: log-uniform, low: 1.0e-3, high: 1.0e+3}}\n"));
        var trials = SearchPlanner.Expand(Spec(axes, "{kind: sobol}", "budget: {max_trials: 64}\n"));
        Assert.Equal(64, trials.Length);
        Assert.All(trials, t => Assert.All(t.Parameters.Values, v => Assert.InRange(v.TryGetDouble(out var x) ? x : -1, 1e-3, 1e3)));
        Assert.Equal(64, trials.Select(Describe).Distinct().Count());
    }

    [Fact]
    public void Trial_ids_and_seeds_should_be_stable_and_zero_padded()
    {
        var spec = Spec("  x: {type: int, low: 0, high: 10000}\n", "{kind: grid}");
        var trials = SearchPlanner.Expand(spec);
        Assert.Equal(10001, trials.Length);
        // 10 001 trials need five digits, and every id of a campaign has the same width.
        Assert.Equal(("t00000", "t00001", "t10000"), (trials[0].TrialId, trials[1].TrialId, trials[^1].TrialId));
        Assert.All(trials, t => Assert.Equal(6, t.TrialId.Length));
        Assert.All(trials.Take(50), t => Assert.Equal(Seeds.Derive(9, 1000 + t.Index), t.Seed));

        var small = SearchPlanner.Expand(Spec("  x: {type: int, low: 0, high: 11}\n", "{kind: grid}"));
        Assert.Equal(["t0000", "t0001", "t0002"], small.Take(3).Select(t => t.TrialId));
        Assert.Equal("t0011", small[^1].TrialId);
        Assert.Equal(small.Select(t => (t.TrialId, t.Seed)), SearchPlanner.Expand(Spec("  x: {type: int, low: 0, high: 11}\n", "{kind: grid}")).Select(t => (t.TrialId, t.Seed)));
        Assert.Equal(small.Length, small.Select(t => t.Seed).Distinct().Count());
    }

    [Fact]
    public void Specs_that_break_the_readers_invariants_should_be_refused()
    {
        var spec = Spec("  x: {type: int, low: 0, high: 3}\n", "{kind: grid}");
        Assert.Throws<ArgumentException>(() => SearchPlanner.Expand(spec with { Search = new SearchSpec(SearchKind.Random, 3) }));
        Assert.Throws<ArgumentException>(() => SearchPlanner.Expand(spec with { Space = [] }));
        Assert.Throws<ArgumentException>(() => SearchPlanner.Expand(spec with { Budget = new BudgetSpec(0, 0, null) }));
    }

    [Fact]
    public void The_planner_should_build_typed_engine_specs_and_refuse_unknown_settings()
    {
        var spec = Spec("  nx: {type: choice, values: [21, 41]}\n", "{kind: grid}") with
        {
            Base = ImmutableDictionary<string, CampaignValue>.Empty.Add("t_end", new CampaignValue.Real(0.5)).Add("scheme", new CampaignValue.Text("crank-nicolson")),
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
