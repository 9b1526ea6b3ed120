using System.Collections.Immutable;
using ClusterML.Core.Campaigns;
using ClusterML.Core.Coordination;
using ClusterML.Core.Engines;
using ClusterML.Core.Files;
using ClusterML.Core.Results;

namespace ClusterML.Core.Tests.Campaigns;

public sealed class MotpeTests
{
    private static readonly ParameterSpace[] Zdt1Space = [.. Enumerable.Range(0, 4).Select(i => new UniformSpace($"x{i}", 0, 1))];

    /// <summary>ZDT1 with 4 variables: f1 = x0, g = 1 + 3·(x1 + x2 + x3), f2 = g·(1 − √(f1/g)); the front is x1 = x2 = x3 = 0, f2 = 1 − √f1.</summary>
    private static double[] Zdt1(IReadOnlyDictionary<string, CampaignValue> p)
    {
        var x = Enumerable.Range(0, 4).Select(i => ((CampaignValue.Real)p[$"x{i}"]).Value).ToArray();
        var g = 1 + (9.0 / 3 * (x[1] + x[2] + x[3]));
        return [x[0], g * (1 - Math.Sqrt(x[0] / g))];
    }

    private static double Hypervolume(int seed, int trials, TpeOptions options)
    {
        var observations = new List<SearchObservation>();
        for (var k = 0; k < trials; k++)
        {
            var proposal = TpeSampler.Propose(Zdt1Space, observations, Seeds.Derive(seed, 3000 + k), options);
            var values = Zdt1(proposal);
            observations.Add(new SearchObservation(proposal, values[0]) { Values = [.. values] });
        }
        return ParetoFront.Hypervolume([.. observations.Select(o => (IReadOnlyList<double>)[.. o.Values])], [1.1, 11]);
    }

    private static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : 0.5 * (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]);
    }

    [Fact]
    // Medians at 60 trials (reference (1.1, 11), at most 12.1): MOTPE 10.95, random 9.67.
    public void On_ZDT1_motpe_should_reach_a_larger_hypervolume_than_random_search_over_9_seeds()
    {
        const int trials = 60;
        var motpe = Enumerable.Range(1, 9).Select(seed => Hypervolume(seed, trials, TpeOptions.Default)).ToArray();
        // Random search: the same sampler with every trial a start-up (uniform) trial.
        var random = Enumerable.Range(1, 9).Select(seed => Hypervolume(seed, trials, TpeOptions.Default with { StartupTrials = trials + 1 })).ToArray();
        Assert.True(Median(motpe) > Median(random) + 0.5, $"MOTPE median hypervolume {Median(motpe):F3}, random {Median(random):F3}");
    }

    [Fact]
    public void The_good_group_should_fill_whole_ranks_and_break_the_cut_by_hypervolume()
    {
        // Rank 0: (1,3) (2,2) (3,1); rank 1: (2,4) (4,2) (3,3). γ = 2 of 6… forced here: good count 4 → rank 0 and one of rank 1.
        double[][] values = [[2, 4], [1, 3], [4, 2], [2, 2], [3, 3], [3, 1]];
        var observations = values.Select(v => new SearchObservation(ImmutableDictionary<string, CampaignValue>.Empty, v[0]) { Values = [.. v] }).ToList();
        var good = TpeSampler.MotpeGood(observations, [.. Enumerable.Range(0, 6)], 4);
        // Rank 1 = (2,4), (4,2), (3,3); reference = worst (4,4)·1.1 = (4.4, 4.4): alone (3,3) covers 1.96, (2,4) 0.96, (4,2) 0.96.
        Assert.Equal([1, 3, 4, 5], good.Order());
        Assert.Equal([1, 3], TpeSampler.MotpeGood(observations, [.. Enumerable.Range(0, 6)], 2).Order()); // greedy within rank 0: (2,2), then (1,3)
    }

    [Fact]
    public void With_constraints_feasible_trials_should_come_first_then_the_least_violating()
    {
        SearchObservation Obs(double value, double violation) => new(ImmutableDictionary<string, CampaignValue>.Empty, value) { Violation = violation };
        // Trials 0, 2 infeasible (violations 0.5 and 0.1); 1, 3, 4 feasible with values 3, 1, 2.
        List<SearchObservation> observations = [Obs(0.01, 0.5), Obs(3, 0), Obs(0.02, 0.1), Obs(1, 0), Obs(2, 0)];
        int[] all = [0, 1, 2, 3, 4];
        Assert.Equal([3, 4], TpeSampler.MotpeGood(observations, all, 2).Order()); // the best feasible, never the infeasible with smaller values
        Assert.Equal([1, 2, 3, 4], TpeSampler.MotpeGood(observations, all, 4).Order()); // all feasible, then the least violating
    }

    [Theory]
    [InlineData("tpe", 5)]
    [InlineData("gp", 3)]
    public void A_max_objective_should_lead_the_model_based_search_to_the_maximum_not_the_minimum(string kind, int seedCount)
    {
        // f(r, nx) = −(r − 0.3)² − ((nx − 40)/100)²: the maximum is inside (r = 0.3, nx = 40), the minima at corners.
        static double F(IReadOnlyDictionary<string, string> p) =>
            -Math.Pow(double.Parse(p["r"], System.Globalization.CultureInfo.InvariantCulture) - 0.3, 2) - Math.Pow((int.Parse(p["nx"], System.Globalization.CultureInfo.InvariantCulture) - 40) / 100.0, 2);
        double[] Run(string mode, int seed)
        {
            var text = $"engine: fd\nseed: {seed}\nspace:\n  nx: {{type: int, low: 11, high: 81}}\n  r: {{type: uniform, low: 0.1, high: 0.4}}\n"
                + $"search: {{kind: {kind}, startup_trials: 8}}\nbudget: {{max_trials: 30}}\nobjective: {{metric: f, mode: {mode}}}\n";
            var spec = CampaignSpecReader.Parse(text, "/m.yaml");
            var plan = CampaignPlanner.Compact(CampaignPlanner.Plan(spec, "c", 0), text, "/m.yaml", new Dictionary<string, BlobRef>());
            var trials = CampaignPlanner.Trials(plan);
            var proposer = TrialProposer.For(plan)!;
            var objectives = CampaignObjectives.Of(spec);
            var seen = new List<TrialProposer.Seen>();
            var values = new List<double>();
            for (var k = 0; k < 30; k++)
            {
                var point = proposer.Propose(k, seen, trials[k].Parameters)!;
                var f = F(point);
                var result = new TrialResult("c", trials[k].TrialId, k, point, 0, TrialStatus.Completed, 123.0, new Dictionary<string, double> { ["f"] = f }, null, [], "n", 1, 0, 1);
                // The loss is the same for every trial: only the objective can steer the search.
                seen.Add(new TrialProposer.Seen(point, CampaignBook.Completed, 123.0) { Score = objectives.Score(result) });
                values.Add(f);
            }
            return [.. values];
        }
        var seeds = Enumerable.Range(1, seedCount).ToArray();
        // The model-based half of each run: mean f, higher when maximising than when minimising, for every seed.
        foreach (var seed in seeds)
        {
            var max = Run("max", seed)[15..].Average();
            var min = Run("min", seed)[15..].Average();
            Assert.True(max > min + 0.01, $"seed {seed}: mean f {max:F4} maximising, {min:F4} minimising");
        }
        Assert.True(Median(seeds.Select(s => Run("max", s).Max())) > -0.002, "the best f found when maximising is near 0");
    }
}
