using System.Collections.Immutable;
using ClusterML.Core.Campaigns;
using ClusterML.Core.Coordination;
using ClusterML.Core.Files;
using ClusterML.Core.Validation;

namespace ClusterML.Core.Tests.Campaigns;

public sealed class PbtTests
{
    private static readonly ImmutableArray<ParameterSpace> Space =
    [
        new LogUniformSpace("lr", 1e-4, 1e-1),
        new IntSpace("width", 8, 64, 8),
        new ChoiceSpace("activation", [new CampaignValue.Text("tanh"), new CampaignValue.Text("silu"), new CampaignValue.Text("relu")]),
        new UniformSpace("dropout", 0.0, 0.5),
    ];

    private static PbtSpec Spec(double resample = 0.25, double quantile = 0.25) => new(10, quantile, resample, [1.2, 0.8], 100, 1);

    private static ImmutableDictionary<string, CampaignValue> Point(double lr, long width, string activation, double dropout) =>
        ImmutableDictionary<string, CampaignValue>.Empty.Add("lr", new CampaignValue.Real(lr)).Add("width", new CampaignValue.Integer(width))
            .Add("activation", new CampaignValue.Text(activation)).Add("dropout", new CampaignValue.Real(dropout));

    [Fact]
    public void The_worst_quarter_should_continue_from_the_best_quarter_and_the_rest_from_themselves()
    {
        // Eight members; losses 0.8 (m0) … 0.1 (m7), and m3 failed.
        var members = Enumerable.Range(0, 8).Select(m => new Pbt.Member($"t{m:D4}", Point(1e-3 * (m + 1), 8 * (m % 8 + 1), "silu", 0.1),
            m == 3 ? null : 0.8 - (0.1 * m))).ToList();
        var steps = Pbt.Next(Spec(), Space, members, seed: 5, generation: 1);
        // ⌈8 × 0.25⌉ = 2: the bottom is the failed m3 and the worst finished m0; the top is m7 and m6.
        Assert.Equal([0, 3], steps.Select((s, m) => (s, m)).Where(x => x.s.Exploited).Select(x => x.m));
        Assert.All(steps.Where(s => s.Exploited), s => Assert.Contains(s.From, new[] { "t0006", "t0007" }));
        foreach (var m in new[] { 1, 2, 4, 5, 6, 7 })
        {
            Assert.Equal((members[m].TrialId, members[m].Values), (steps[m].From, steps[m].Values));
        }
        // Reproducible from the seed and generation; another generation draws differently somewhere.
        Assert.Equal(steps.Select(s => (s.From, Show(s.Values))), Pbt.Next(Spec(), Space, members, 5, 1).Select(s => (s.From, Show(s.Values))));
        var others = Enumerable.Range(2, 20).Select(g => Pbt.Next(Spec(), Space, members, 5, g)).ToList();
        Assert.Contains(others, o => Show(o[0].Values) != Show(steps[0].Values));
    }

    [Fact]
    public void Explored_values_should_stay_in_the_space_and_perturbations_be_the_factors()
    {
        var donor = Point(1e-3, 32, "silu", 0.45);
        var random = new Random(1);
        var perturbed = Enumerable.Range(0, 400).Select(_ => Pbt.Explore(Spec(resample: 0), Space, donor, random)).ToList();
        Assert.All(perturbed, p => Assert.Contains(((CampaignValue.Real)p["lr"]).Value, new[] { 1.2e-3, 0.8e-3 }));
        // 32 × 1.2 = 38.4 → 40, 32 × 0.8 = 25.6 → 24 (the step is 8); dropout 0.45 × 1.2 clipped to 0.5.
        Assert.Equal([24L, 40L], perturbed.Select(p => ((CampaignValue.Integer)p["width"]).Value).Distinct().Order());
        Assert.Equal([0.36, 0.5], perturbed.Select(p => Math.Round(((CampaignValue.Real)p["dropout"]).Value, 12)).Distinct().Order());
        Assert.Equal(["relu", "tanh"], perturbed.Select(p => p["activation"].ToString()).Distinct().Order(StringComparer.Ordinal));

        var resampled = Enumerable.Range(0, 400).Select(_ => Pbt.Explore(Spec(resample: 1), Space, donor, random)).ToList();
        Assert.True(resampled.Select(p => p["width"]).Distinct().Count() >= 6);
        foreach (var p in perturbed.Concat(resampled))
        {
            foreach (var axis in Space)
            {
                Assert.NotNull(CampaignSpecReader.Within(axis, p[axis.Name]));
            }
        }
    }

    private const string Yaml = """
        engine: surrogate
        seed: 3
        base: { epochs: 25, data: films.csv, target: k, inputs: [a, b] }
        space:
          lr: { type: log-uniform, low: 1.0e-4, high: 1.0e-2 }
        search: { kind: random }
        budget: { max_trials: 4 }
        schedule:
          kind: pbt
          perturbation_interval: 10
        """;

    [Fact]
    public void A_pbt_campaign_should_plan_every_members_segments_and_refuse_what_cannot_work()
    {
        var spec = CampaignSpecReader.Parse(Yaml, "/p.yaml");
        Assert.Equal((10, 0.25, 0.25, 25, 3), (spec.Pbt!.PerturbationInterval, spec.Pbt.QuantileFraction, spec.Pbt.ResampleProbability, spec.Pbt.Epochs, spec.Pbt.Generations));

        (string Yaml, string Field, string Problem)[] bad =
        [
            (Yaml.Replace("random", "tpe", StringComparison.Ordinal), "schedule", "grid, random or sobol"),
            (Yaml.Replace("epochs: 25, ", "", StringComparison.Ordinal), "schedule", "base.epochs"),
            (Yaml.Replace("perturbation_interval: 10", "perturbation_interval: 30", StringComparison.Ordinal), "schedule.perturbation_interval", "at most base.epochs"),
            (Yaml + "\n  quantile_fraction: 0.7", "schedule.quantile_fraction", "(0, 0.5]"),
            (Yaml + "\n  perturbation_factors: [1.2, -1]", "schedule.perturbation_factors", "positive"),
            (Yaml + "\nearly_stopping: { metric: loss, mode: min, grace_period: 2, reduction_factor: 3 }", "schedule", "exclude each other"),
        ];
        foreach (var (yaml, field, problem) in bad)
        {
            var error = Assert.Throws<InvalidInputException>(() => CampaignSpecReader.Parse(yaml, "/p.yaml"));
            Assert.Equal(field, error.Field);
            Assert.Contains(problem, error.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void The_proposer_should_hold_a_generation_until_the_one_before_has_finished_and_send_the_worst_member_to_the_best_checkpoint()
    {
        var spec = CampaignSpecReader.Parse(Yaml, "/p.yaml");
        var plan = CampaignPlanner.Compact(CampaignPlanner.Plan(spec, "c", 0), Yaml, "/p.yaml", new Dictionary<string, BlobRef>());
        var trials = CampaignPlanner.Trials(plan);
        Assert.Equal(12, trials.Length); // 4 members × 3 segments (10, 20, 25 epochs)
        Assert.Equal([10, 20, 25], trials.Where((_, i) => i % 4 == 1).Select(t => t.UntilEpoch!.Value));
        Assert.Equal([null, "t0001", "t0005"], trials.Where((_, i) => i % 4 == 1).Select(t => t.StartFrom));
        Assert.Equal(trials[1].Seed, trials[9].Seed); // a member keeps its seed across segments
        Assert.Equal(("1", "2"), (trials[9].Parameters[Pbt.MemberKey], trials[9].Parameters[Pbt.GenerationKey]));

        var proposer = TrialProposer.For(plan)!;
        Assert.True(proposer.Ready(3, _ => false));
        Assert.False(proposer.Ready(4, i => i != 2));
        Assert.True(proposer.Ready(4, i => i < 4));

        // Generation 0: member 2 best, member 0 worst (⌈4 × 0.25⌉ = 1).
        double[] losses = [0.9, 0.5, 0.1, 0.4];
        var seen = trials.Take(4).Select((t, i) => new TrialProposer.Seen(t.Parameters, CampaignBook.Completed, losses[i])).ToList();
        var worst = proposer.Propose(4, seen, trials[4].Parameters)!;
        Assert.Equal("t0002", worst[Pbt.FromKey]);
        Assert.NotEqual(trials[0].Parameters["lr"], worst["lr"]);
        var rebuilt = proposer.Trial(trials[4], worst, []);
        Assert.Equal(("t0002", 20, trials[4].Seed), (rebuilt.StartFrom, rebuilt.UntilEpoch, rebuilt.Seed));
        var kept = proposer.Propose(5, seen, trials[5].Parameters)!;
        Assert.Equal(("t0001", trials[1].Parameters["lr"]), (kept[Pbt.FromKey], kept["lr"]));
    }

    private static string Show(ImmutableDictionary<string, CampaignValue> values) =>
        string.Join(",", values.OrderBy(v => v.Key, StringComparer.Ordinal).Select(v => $"{v.Key}={v.Value}"));
}
