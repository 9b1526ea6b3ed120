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
        var first = proposer.Propose(0, [], plan.Trials[0].Parameters);
        Assert.Equal(("71", "0.15"), (first["nx"], first["r"]));

        // Trial 1 with trial 0 finished: a proposal (random during start-up), valid, rebuilt as an fd spec with its values.
        var second = proposer.Propose(1, [new TrialProposer.Seen(first, CampaignBook.Completed, 0.01)], plan.Trials[1].Parameters);
        var rebuilt = proposer.Trial(plan.Trials[1], second);
        Assert.Equal((plan.Trials[1].TrialId, plan.Trials[1].Seed), (rebuilt.TrialId, rebuilt.Seed));
        var spec = Assert.IsType<FdHeatTrialSpec>(rebuilt.Spec);
        Assert.Equal(second["nx"], spec.Nx.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(second, rebuilt.Parameters);
        // Same inputs, same proposal: the coordinator's sequence is reproducible.
        Assert.Equal(second, proposer.Propose(1, [new TrialProposer.Seen(first, CampaignBook.Completed, 0.01)], plan.Trials[1].Parameters));
    }
}
