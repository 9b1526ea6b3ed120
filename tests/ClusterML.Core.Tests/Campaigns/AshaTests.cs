using ClusterML.Core.Campaigns;

namespace ClusterML.Core.Tests.Campaigns;

public sealed class AshaTests
{
    [Fact]
    public void Rungs_should_sit_at_grace_times_powers_of_eta_up_to_max_epochs()
    {
        var rungs = Enumerable.Range(1, 300).Where(e => Asha.IsRung(e, 10, 3, 200)).ToArray();
        Assert.Equal([10, 30, 90], rungs);
    }

    [Fact]
    public void At_a_rung_only_the_top_third_so_far_should_continue()
    {
        // η = 3; nine trials reach epoch 10 in this order with these losses (lower is better).
        double[] losses = [5, 4, 6, 1, 7, 3, 8, 2, 9];
        var state = AshaState.Empty;
        var decisions = new List<AshaDecision>();
        for (var i = 0; i < losses.Length; i++)
        {
            (state, var decision) = Asha.Report(state, 10, 3, null, false, $"t{i}", 10, losses[i]);
            decisions.Add(decision);
        }
        // n=1 keep 1 (5 ✓); n=2 keep 1 (4 best ✓); n=3 keep 1 (6 ✗); n=4 keep 1 (1 ✓); n=5 keep 1 (7 ✗);
        // n=6 keep 2 (3 is 2nd ✓); n=7 keep 2 (8 ✗); n=8 keep 2 (2 is 2nd ✓); n=9 keep 3 (9 ✗).
        Assert.Equal([AshaDecision.Continue, AshaDecision.Continue, AshaDecision.Stop, AshaDecision.Continue, AshaDecision.Stop,
            AshaDecision.Continue, AshaDecision.Stop, AshaDecision.Continue, AshaDecision.Stop], decisions);
    }

    [Fact]
    public void Maximising_should_flip_the_ranking_and_other_epochs_should_continue()
    {
        var state = AshaState.Empty;
        (state, _) = Asha.Report(state, 2, 2, null, true, "a", 2, 0.9);
        (state, var low) = Asha.Report(state, 2, 2, null, true, "b", 2, 0.1);
        (_, var high) = Asha.Report(state, 2, 2, null, true, "c", 2, 0.95);
        Assert.Equal((AshaDecision.Stop, AshaDecision.Continue), (low, high));
        Assert.Equal(AshaDecision.Continue, Asha.Report(state, 2, 2, null, true, "b", 3, 0.0).Decision);
    }
}
