using System.Collections.Immutable;
using ClusterML.Core.Engines;
using ClusterML.Core.Validation;
using ClusterML.Engines.Pinn.Heat;

namespace ClusterML.Engines.Pinn.Tests.Heat;

/// <summary>Training in segments (population-based training): stop after an Adam epoch with the state saved, continue from it.</summary>
[Collection("Torch")]
public sealed class PinnSegmentTests
{
    // Soft conditions with annealing every 7 epochs and refined resampling every 10: every piece of state a segment must carry.
    private static PinnHeatTrialSpec Spec(int lbfgs = 3) => new(ImmutableDictionary<string, string>.Empty
        .Add("epochs", "40").Add("lbfgs_steps", $"{lbfgs}").Add("collocation", "200").Add("boundary_points", "50").Add("constraints", "soft")
        .Add("anneal_every", "7").Add("resample_every", "10").Add("report_every", "20").Add("threads", "1"));

    private static PinnHeatTrialSpec With(PinnHeatTrialSpec spec, string key, string value) => spec with { Settings = spec.Settings.SetItem(key, value) };

    private static TrainingOutcome Train(PinnHeatTrialSpec spec, RunContext context) => new PinnHeatEngine().Train(spec, context, CancellationToken.None);

    [Fact]
    public void The_engine_should_say_it_trains_in_segments()
    {
        IEngine engine = new PinnHeatEngine();
        Assert.True(engine.TrainsInSegments);
    }

    [Fact]
    public async Task Two_segments_should_give_exactly_the_result_of_one_uninterrupted_run()
    {
        var spec = Spec();
        var whole = Train(spec, new RunContext(3));

        var store = new InMemoryFitCheckpoints();
        var first = Train(spec, new RunContext(3, Checkpoints: store, FitId: "A", UntilEpoch: 15));
        var saved = await store.LatestAsync("A", CancellationToken.None);
        Assert.Equal(15, saved!.Epoch);
        Assert.Equal(15, first.LossCurve.Count); // no L-BFGS before the last segment
        Assert.Equal(whole.LossCurve.Take(15), first.LossCurve);
        Assert.Equal(first.Metrics!["rel_l2_vs_analytic"], first.FinalLoss);
        Assert.Equal(15, first.Metrics["epoch"]);
        Assert.Equal(0, first.Metrics["lbfgs_steps"]);
        Assert.True(first.FinalLoss > 0);

        var second = Train(spec, new RunContext(3, Checkpoints: store, FitId: "B", StartFrom: "A"));
        Assert.Equal(1, store.Saves);
        Assert.Equal(43, second.LossCurve.Count);
        Assert.Equal(whole.LossCurve, second.LossCurve);
        Assert.Equal(whole.FinalLoss, second.FinalLoss);
        Assert.Equal(whole.Metrics!["rel_l2_vs_fd"], second.Metrics!["rel_l2_vs_fd"]);
        Assert.Equal(25, second.Metrics["adam_steps"]);
        Assert.Equal(3, second.Metrics["lbfgs_steps"]);

        // Three pieces (15, 16–30 across the resampling at 20 and 30, the rest) are the same too.
        Train(spec, new RunContext(3, Checkpoints: store, FitId: "C", StartFrom: "A", UntilEpoch: 30));
        var third = Train(spec, new RunContext(3, Checkpoints: store, FitId: "D", StartFrom: "C"));
        Assert.Equal(whole.LossCurve, third.LossCurve);
        Assert.Equal(whole.FinalLoss, third.FinalLoss);
    }

    [Fact]
    public void A_changed_learning_rate_should_apply_from_the_next_epoch()
    {
        var spec = Spec(lbfgs: 0);
        var store = new InMemoryFitCheckpoints();
        Train(spec, new RunContext(3, Checkpoints: store, FitId: "A", UntilEpoch: 15));
        var same = Train(spec, new RunContext(3, Checkpoints: store, FitId: "B", StartFrom: "A"));
        var faster = With(spec, "lr", "0.01");
        var changed = Train(faster, new RunContext(3, Checkpoints: store, FitId: "C", StartFrom: "A"));
        Assert.Equal(same.LossCurve.Take(16), changed.LossCurve.Take(16)); // epoch 16's loss is computed before its step
        Assert.NotEqual(same.LossCurve[16], changed.LossCurve[16]);
        Assert.NotEqual(same.FinalLoss, changed.FinalLoss);

        // The new rate's decay schedule from epoch 16 on, however the rest is cut.
        Train(faster, new RunContext(3, Checkpoints: store, FitId: "D", StartFrom: "A", UntilEpoch: 25));
        var cut = Train(faster, new RunContext(3, Checkpoints: store, FitId: "E", StartFrom: "D"));
        Assert.Equal(changed.LossCurve, cut.LossCurve);
        Assert.Equal(changed.FinalLoss, cut.FinalLoss);
    }

    [Fact]
    public void Continuing_with_another_width_or_from_a_fit_without_checkpoint_should_be_refused()
    {
        var spec = Spec(lbfgs: 0);
        var store = new InMemoryFitCheckpoints();
        Train(spec, new RunContext(3, Checkpoints: store, FitId: "A", UntilEpoch: 5));

        var wider = Assert.Throws<InvalidInputException>(() => Train(With(spec, "width", "16"), new RunContext(3, Checkpoints: store, FitId: "B", StartFrom: "A")));
        Assert.Equal("width", wider.Field);
        Assert.Contains("'A'", wider.Message);
        Assert.Equal("layers", Assert.Throws<InvalidInputException>(() => Train(With(spec, "layers", "2"), new RunContext(3, Checkpoints: store, FitId: "B", StartFrom: "A"))).Field);

        var missing = Assert.Throws<InvalidInputException>(() => Train(spec, new RunContext(3, Checkpoints: store, FitId: "B", StartFrom: "nowhere")));
        Assert.Equal("start_from", missing.Field);
        Assert.Contains("'nowhere' has no checkpoint", missing.Message);
        Assert.Equal("until_epoch", Assert.Throws<InvalidInputException>(() => Train(spec, new RunContext(3, UntilEpoch: 5))).Field);
        Assert.Equal("start_from", Assert.Throws<InvalidInputException>(() => Train(spec, new RunContext(3, Checkpoints: store, FitId: "B", StartFrom: "A", UntilEpoch: 3))).Field);
    }
}
