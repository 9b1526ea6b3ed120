using System.Collections.Immutable;
using ClusterML.Core.Campaigns;
using ClusterML.Core.Coordination;
using ClusterML.Core.Files;
using ClusterML.Core.Messages;
using ClusterML.Core.Results;
using MessagePack;

namespace ClusterML.Core.Tests.Coordination;

public sealed class CampaignBookObjectivesTests
{
    private static (CampaignBook Book, ImmutableArray<PlannedTrial> Trials) Book(string tail)
    {
        var text = $"engine: fd\nspace:\n  nx: {{type: int, low: 11, high: 81}}\nsearch: {{kind: tpe}}\nbudget: {{max_trials: 5}}\n{tail}";
        var plan = CampaignPlanner.Compact(CampaignPlanner.Plan(CampaignSpecReader.Parse(text, "/b.yaml"), "c", 0), text, "/b.yaml", new Dictionary<string, BlobRef>());
        var trials = CampaignPlanner.Trials(plan);
        var book = new CampaignBook();
        book.Submit(plan, trials);
        return (book, trials);
    }

    private static void Complete(CampaignBook book, PlannedTrial trial, double loss, Dictionary<string, double> metrics)
    {
        book.Apply(new TrialAttemptStarted("c", trial.TrialId, 1));
        var result = new TrialResult("c", trial.TrialId, trial.Index, trial.Parameters, 0, TrialStatus.Completed, loss, metrics, null, [], "n", 1, 0, 1000);
        book.Apply(new TrialFinished("c", trial.TrialId, "completed", loss, result));
    }

    [Fact]
    public void The_best_trial_should_be_the_feasible_one_with_the_best_objective_and_survive_a_snapshot()
    {
        var (book, trials) = Book("objective: {metric: test_r2, mode: max}\nconstraints:\n  - {metric: size, max: 10}\n");
        Complete(book, trials[0], 0.1, new() { ["test_r2"] = 0.80, ["size"] = 5 });   // lowest loss, not the best r²
        Complete(book, trials[1], 0.9, new() { ["test_r2"] = 0.95, ["size"] = 5 });   // the best
        Complete(book, trials[2], 0.5, new() { ["test_r2"] = 0.99, ["size"] = 50 });  // better r² but infeasible
        Complete(book, trials[3], 0.5, new() { ["size"] = 1 });                       // no test_r2: never best
        var status = book.ToStatus("c");
        Assert.Equal(("t0001", 0.9), (status.BestTrialId, status.BestLoss));

        // What TPE sees: the objective negated, the violation, and the trial without the metric as failed.
        var seen = book.Before(4).ToArray();
        Assert.Equal([-0.80, -0.95, -0.99], seen.Take(3).Select(s => s.Score!.Value.Values[0]));
        Assert.Equal(40, seen[2].Score!.Value.Violation);
        Assert.Equal((CampaignBook.Failed, (TrialScore?)null), (seen[3].Outcome, seen[3].Score));

        var back = MessagePackSerializer.Deserialize<CampaignSnapshot>(MessagePackSerializer.Serialize(book.ToSnapshot(0, false, [], AshaState.Empty)));
        var restored = CampaignBook.From(back, trials);
        Assert.Equal(status, restored.ToStatus("c"));
        Assert.Equal(seen.Select(s => (s.Outcome, s.Score?.Violation, s.Score?.Values[0])), restored.Before(4).Select(s => (s.Outcome, s.Score?.Violation, s.Score?.Values[0])));
    }

    [Fact]
    public void With_several_objectives_there_is_no_single_best_but_every_score_is_kept()
    {
        var (book, trials) = Book("objectives:\n  - {metric: a}\n  - {metric: wall_seconds}\n");
        Complete(book, trials[0], 0.1, new() { ["a"] = 1 });
        Assert.Equal(-1, book.BestIndex);
        Assert.Equal([1.0, 1.0], book.ScoreOf(0)!.Value.Values); // wall_seconds = (1000 − 0) ms
    }
}
