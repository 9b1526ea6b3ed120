using System.Collections.Immutable;
using ClusterML.Core.Campaigns;
using ClusterML.Core.Coordination;
using ClusterML.Core.Files;
using ClusterML.Engines.FiniteDifferences;

namespace ClusterML.Core.Tests.Coordination;

public sealed class TrialProposerTests
{
    private static CampaignSubmittedPlan Plan(string search, string extra = "")
    {
        var text = $"engine: fd\nseed: 2\nbase: {{t_end: 0.01}}\nspace:\n  nx: {{type: int, low: 11, high: 81}}\n  r: {{type: uniform, low: 0.1, high: 0.4}}\nsearch: {{kind: {search}}}\nbudget: {{max_trials: 20}}\n{extra}";
        var spec = CampaignSpecReader.Parse(text, "/p.yaml");
        var plan = CampaignPlanner.Compact(CampaignPlanner.Plan(spec, "c1", 0), text, "/p.yaml", new Dictionary<string, BlobRef>());
        return new CampaignSubmittedPlan(plan, CampaignPlanner.Trials(plan));
    }

    private sealed record CampaignSubmittedPlan(ClusterML.Core.Messages.CampaignSubmitted Submitted, ImmutableArray<ClusterML.Core.Messages.PlannedTrial> Trials);

    [Fact]
    public void Only_model_based_searches_should_have_a_proposer()
    {
        Assert.Null(TrialProposer.For(Plan("random").Submitted));
        Assert.NotNull(TrialProposer.For(Plan("tpe").Submitted));
        Assert.NotNull(TrialProposer.For(Plan("gp").Submitted));
    }

    [Fact]
    public void Enqueued_trials_should_keep_their_planned_point_and_later_ones_be_proposed_and_rebuilt_from_the_journal()
    {
        var plan = Plan("tpe", "enqueue:\n  - {nx: 71, r: 0.15}\n");
        var proposer = TrialProposer.For(plan.Submitted)!;
        var first = proposer.Propose(0, [], plan.Trials[0].Parameters)!;
        Assert.Equal(("71", "0.15"), (first["nx"], first["r"]));

        // Trial 1 with trial 0 finished: a proposal (random during start-up), valid, rebuilt as an fd spec with its values.
        var second = proposer.Propose(1, [new TrialProposer.Seen(first, CampaignBook.Completed, 0.01)], plan.Trials[1].Parameters)!;
        var rebuilt = proposer.Trial(plan.Trials[1], second!, []);
        Assert.Equal((plan.Trials[1].TrialId, plan.Trials[1].Seed), (rebuilt.TrialId, rebuilt.Seed));
        var spec = Assert.IsType<FdHeatTrialSpec>(rebuilt.Spec);
        Assert.Equal(second["nx"], spec.Nx.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(second, rebuilt.Parameters);
        // Same inputs, same proposal: the coordinator's sequence is reproducible.
        Assert.Equal(second, proposer.Propose(1, [new TrialProposer.Seen(first, CampaignBook.Completed, 0.01)], plan.Trials[1].Parameters));
    }

    [Fact]
    public void A_warm_started_search_should_learn_from_the_earlier_trials_that_fit_its_space_before_its_own()
    {
        // An earlier campaign over a wider r range and an extra axis: losses are best near nx = 31, r = 0.3.
        var earlier = Enumerable.Range(0, 40).Select(i =>
        {
            var nx = 11 + (i * 7 % 71);
            var r = 0.05 + (i * 0.37 % 0.4);
            var loss = Math.Abs(nx - 31) / 70.0 + Math.Abs(r - 0.3);
            return new ClusterML.Core.Results.TrialResult("old", $"t{i:D4}", i,
                ImmutableDictionary<string, string>.Empty.Add("nx", $"{nx}").Add("r", r.ToString("R", System.Globalization.CultureInfo.InvariantCulture)).Add("scheme", "explicit"),
                i, i % 9 == 8 ? ClusterML.Core.Results.TrialStatus.Failed : ClusterML.Core.Results.TrialStatus.Completed, i % 9 == 8 ? null : loss,
                ImmutableDictionary<string, double>.Empty, null, [], "n", 1, 0, 1);
        }).ToList();
        var plan = Plan("tpe");
        var spec = CampaignSpecReader.Parse(plan.Submitted.SpecText!, "/p.yaml");
        var warm = TrialProposer.WarmStartFrom(spec, earlier);
        // Failed trials and points outside r ∈ [0.1, 0.4] are left out; the extra axis is ignored.
        var expected = earlier.Where(t => t.Status == ClusterML.Core.Results.TrialStatus.Completed
            && double.Parse(t.Parameters["r"], System.Globalization.CultureInfo.InvariantCulture) is >= 0.1 and <= 0.4).ToList();
        Assert.Equal(expected.Select(t => t.FinalLoss!.Value), warm.Select(w => w.Loss));
        Assert.All(warm, w => Assert.Equal(["nx", "r"], w.Parameters.Keys.Order(StringComparer.Ordinal)));
        Assert.True(warm.Count >= 20, $"{warm.Count} usable");

        // Without a warm start trial 0 is a random start-up point; with one it is proposed from the earlier results,
        // near their optimum, and the same again for the same inputs.
        var cold = TrialProposer.For(plan.Submitted)!;
        var hot = TrialProposer.For(plan.Submitted with { WarmStart = warm })!;
        var coldPoints = Enumerable.Range(0, 10).Select(i => cold.Propose(i, [], plan.Trials[i].Parameters)!).ToList();
        var hotPoints = Enumerable.Range(0, 10).Select(i => hot.Propose(i, [], plan.Trials[i].Parameters)!).ToList();
        static double Loss(ImmutableDictionary<string, string> p) =>
            Math.Abs(int.Parse(p["nx"], System.Globalization.CultureInfo.InvariantCulture) - 31) / 70.0
            + Math.Abs(double.Parse(p["r"], System.Globalization.CultureInfo.InvariantCulture) - 0.3);
        var coldMedian = coldPoints.Select(Loss).Order().ElementAt(5);
        var hotMedian = hotPoints.Select(Loss).Order().ElementAt(5);
        Assert.True(hotMedian < 0.6 * coldMedian, $"warm {hotMedian:F3} vs cold {coldMedian:F3}");
        Assert.Equal(hotPoints[3], hot.Propose(3, [], plan.Trials[3].Parameters));
    }
}
