using ClusterML.Core.Campaigns;

namespace ClusterML.Core.Tests.Campaigns;

public sealed class AshaTests
{
    private static readonly EarlyStoppingSpec MinSpec = new("validation_loss", MetricMode.Min, 10, 3, null);

    private static AshaDecision[] ReportAll(EarlyStoppingSpec spec, int epoch, double[] values)
    {
        var state = AshaState.Empty;
        var decisions = new AshaDecision[values.Length];
        for (var i = 0; i < values.Length; i++)
        {
            (state, decisions[i]) = Asha.Report(state, spec, $"t{i}", epoch, values[i]);
        }
        return decisions;
    }

    [Fact]
    public void Rungs_should_sit_at_grace_times_powers_of_eta_up_to_max_epochs()
    {
        Assert.Equal([10, 30, 90], Asha.RungEpochs(MinSpec with { MaxEpochs = 200 }, 1000));
        Assert.Equal([10, 30, 90, 270, 810], Asha.RungEpochs(MinSpec, 1000));
        // A non-whole η rounds each rung to the nearest epoch: 4·2.5^k = 4, 10, 25, 62.5, 156.25.
        Assert.Equal([4, 10, 25, 63, 156], Asha.RungEpochs(MinSpec with { GracePeriod = 4, ReductionFactor = 2.5 }, 200));
        Assert.Equal([10, 30, 90], Enumerable.Range(0, 300).Where(e => Asha.IsRung(MinSpec with { MaxEpochs = 200 }, e)));
        Assert.Equal([10, 30, 90], Enumerable.Range(0, 300).Where(e => Asha.IsRung(e, 10, 3, 200)));
    }

    [Fact]
    public void At_a_rung_only_the_top_third_so_far_should_continue()
    {
        // η = 3; nine trials reach epoch 10 in this order with these losses (lower is better).
        // n=1 keep 1 (5 ✓); n=2 keep 1 (4 best ✓); n=3 keep 1 (6 ✗); n=4 keep 1 (1 ✓); n=5 keep 1 (7 ✗);
        // n=6 keep 2 (3 is 2nd ✓); n=7 keep 2 (8 ✗); n=8 keep 2 (2 is 2nd ✓); n=9 keep 3 (9 ✗).
        Assert.Equal([AshaDecision.Continue, AshaDecision.Continue, AshaDecision.Stop, AshaDecision.Continue, AshaDecision.Stop,
            AshaDecision.Continue, AshaDecision.Stop, AshaDecision.Continue, AshaDecision.Stop], ReportAll(MinSpec, 10, [5, 4, 6, 1, 7, 3, 8, 2, 9]));
    }

    [Fact]
    public void The_first_trial_at_a_rung_should_continue_and_a_later_worse_one_should_stop()
    {
        // n = 2, η = 3: keep max(1, ⌊2/3⌋) = 1, so the second trial must be the best so far.
        Assert.Equal([AshaDecision.Continue, AshaDecision.Stop], ReportAll(MinSpec, 10, [100, 101]));
        Assert.Equal([AshaDecision.Continue, AshaDecision.Continue], ReportAll(MinSpec, 10, [100, 99]));
        // Ties share the better rank.
        Assert.Equal([AshaDecision.Continue, AshaDecision.Continue], ReportAll(MinSpec, 10, [100, 100]));
    }

    [Fact]
    public void Maximising_should_flip_the_ranking()
    {
        double[] losses = [5, 4, 6, 1, 7, 3, 8, 2, 9];
        var max = MinSpec with { Mode = MetricMode.Max };
        Assert.Equal(ReportAll(MinSpec, 10, losses), ReportAll(max, 10, [.. losses.Select(v => -v)]));
        Assert.Equal([AshaDecision.Continue, AshaDecision.Stop, AshaDecision.Continue], ReportAll(max, 10, [0.5, 0.4, 0.9]));
        Assert.Equal([AshaDecision.Continue, AshaDecision.Continue, AshaDecision.Stop], ReportAll(MinSpec, 10, [0.5, 0.4, 0.9]));
    }

    [Fact]
    public void Reports_at_epochs_that_are_not_rungs_should_continue_and_record_nothing()
    {
        var (state, _) = Asha.Report(AshaState.Empty, MinSpec, "a", 10, 1.0);
        foreach (var epoch in new[] { 1, 9, 11, 29, 31, 89 })
        {
            var (next, decision) = Asha.Report(state, MinSpec, "b", epoch, 1e9);
            Assert.Equal(AshaDecision.Continue, decision);
            Assert.Same(state, next);
        }
        var capped = MinSpec with { MaxEpochs = 50 };
        Assert.Equal(AshaDecision.Continue, Asha.Report(Asha.Report(AshaState.Empty, capped, "a", 90, 1).State, capped, "b", 90, 1e9).Decision);
    }

    [Fact]
    public void A_trial_should_be_judged_once_per_rung_and_each_rung_on_its_own_values()
    {
        var state = AshaState.Empty;
        (state, _) = Asha.Report(state, MinSpec, "a", 10, 1.0);
        (state, var first) = Asha.Report(state, MinSpec, "b", 10, 2.0);
        Assert.Equal(AshaDecision.Stop, first);
        // A retried attempt reporting a better value at the same rung gets the first decision, and nothing is recorded.
        var (again, second) = Asha.Report(state, MinSpec, "b", 10, 0.1);
        Assert.Equal(AshaDecision.Stop, second);
        Assert.Same(state, again);
        Assert.Equal([1.0, 2.0], state.Rungs[10]);
        Assert.Equal(AshaDecision.Stop, state.Decisions[("b", 10)]);
        // Rung 30 starts empty: the first trial there continues although it is worse than anything at rung 10.
        (state, var upper) = Asha.Report(state, MinSpec, "a", 30, 50.0);
        Assert.Equal(AshaDecision.Continue, upper);
        Assert.Equal([50.0], state.Rungs[30]);
    }

    [Fact]
    public void A_nan_metric_should_stop_the_trial_and_count_as_the_worst_value()
    {
        var state = AshaState.Empty;
        (state, var nan) = Asha.Report(state, MinSpec, "a", 10, double.NaN);
        Assert.Equal(AshaDecision.Stop, nan);
        (_, var next) = Asha.Report(state, MinSpec, "b", 10, 1e300);
        Assert.Equal(AshaDecision.Continue, next);
        Assert.Equal(double.NegativeInfinity, Asha.Report(AshaState.Empty, MinSpec with { Mode = MetricMode.Max }, "a", 10, double.NaN).State.Rungs[10][0]);
    }

    [Fact]
    public void The_policy_field_overload_should_decide_like_the_spec_overload()
    {
        double[] values = [0.3, 0.2, 0.5, 0.1, 0.4, 0.05];
        var state = AshaState.Empty;
        var decisions = new List<AshaDecision>();
        for (var i = 0; i < values.Length; i++)
        {
            (state, var d) = Asha.Report(state, 2, 2, null, true, $"t{i}", 2, values[i]);
            decisions.Add(d);
        }
        Assert.Equal(ReportAll(new EarlyStoppingSpec("m", MetricMode.Max, 2, 2, null), 2, values), decisions);
    }

    [Fact]
    public void An_invalid_policy_should_be_refused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => Asha.Report(AshaState.Empty, MinSpec with { ReductionFactor = 1.5 }, "a", 10, 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => Asha.Report(AshaState.Empty, MinSpec with { GracePeriod = 0 }, "a", 10, 1));
        Assert.False(Asha.IsRung(10, 10, 1, null));
    }
}
