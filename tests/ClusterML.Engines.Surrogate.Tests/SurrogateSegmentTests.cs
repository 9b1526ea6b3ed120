using ClusterML.Core.Engines;
using ClusterML.Core.Validation;
using ClusterML.Engines.Surrogate;

namespace ClusterML.Engines.Surrogate.Tests;

/// <summary>Training in segments (population-based training): stop after an epoch with the state saved, continue from it.</summary>
[Collection("Torch")]
public sealed class SurrogateSegmentTests : IDisposable
{
    private readonly SyntheticData _data = new();

    public void Dispose() => _data.Dispose();

    private static SurrogateSpec Spec(string path, int epochs = 10, double lr = 5e-3, int patience = 60) =>
        new(path, "y", [], [], EnsembleSize: 2, Epochs: epochs, Patience: patience, Width: 16, HiddenLayers: 2, LearningRate: lr, BatchSize: 32);

    private static SurrogateTrainingReport Run(SurrogateSpec spec, RunContext context) =>
        new SurrogateEngine().Run(spec, context, TestContext.Current.CancellationToken);

    [Fact]
    public void The_engine_should_say_it_trains_in_segments()
    {
        IEngine engine = new SurrogateEngine();
        Assert.True(engine.TrainsInSegments);
    }

    [Fact]
    public async Task Two_segments_should_give_exactly_the_model_of_one_uninterrupted_run()
    {
        var spec = Spec(_data.Smooth(200));
        var whole = Run(spec, new RunContext(11));

        var store = new InMemoryFitCheckpoints();
        var first = Run(spec, new RunContext(11, Checkpoints: store, FitId: "A", UntilEpoch: 5));
        var saved = await store.LatestAsync("A", TestContext.Current.CancellationToken);
        Assert.Equal(5, saved!.Epoch);
        Assert.Contains("member_0.state", saved.Files.Keys);
        Assert.Contains("member_1.state", saved.Files.Keys);
        Assert.Equal(5, first.Outcome.LossCurve.Count);
        Assert.Equal(whole.Outcome.LossCurve.Take(5), first.Outcome.LossCurve);
        Assert.Equal(5, first.Outcome.Metrics!["epoch"]);
        Assert.Equal(first.Metrics["validation_loss"], first.Outcome.FinalLoss);
        Assert.True(first.Outcome.Metrics.ContainsKey("test_rmse"));
        Assert.All(first.Members, m => Assert.Equal(5, m.Epochs));

        var second = Run(spec, new RunContext(11, Checkpoints: store, FitId: "B", StartFrom: "A"));
        Assert.Equal(1, store.Saves); // the last segment keeps nothing
        Assert.Equal(whole.Outcome.Checkpoint, second.Outcome.Checkpoint);
        Assert.Equal(whole.Outcome.FinalLoss, second.Outcome.FinalLoss);
        Assert.Equal(whole.Outcome.LossCurve, second.Outcome.LossCurve);
        Assert.Equal(whole.TestPrediction.Mean, second.TestPrediction.Mean);
        Assert.Equal(whole.Metrics["test_rmse"], second.Metrics["test_rmse"]);
        Assert.False(second.Outcome.Metrics!.ContainsKey("epoch"));
        Assert.NotEmpty(second.Importance);
    }

    [Fact]
    public void A_member_that_stopped_early_in_a_segment_should_stay_stopped_and_match_the_uninterrupted_run()
    {
        // A large learning rate and patience 2: a member stops within the first segment.
        var spec = Spec(_data.Smooth(200), epochs: 30, lr: 0.3, patience: 2);
        var whole = Run(spec, new RunContext(5));
        Assert.Contains(whole.Members, m => m.Epochs < 15);

        var store = new InMemoryFitCheckpoints();
        Run(spec, new RunContext(5, Checkpoints: store, FitId: "A", UntilEpoch: 15));
        var second = Run(spec, new RunContext(5, Checkpoints: store, FitId: "B", StartFrom: "A"));
        Assert.Equal(whole.Members.Select(m => m.Epochs), second.Members.Select(m => m.Epochs));
        Assert.Equal(whole.Outcome.Checkpoint, second.Outcome.Checkpoint);
        Assert.Equal(whole.Outcome.FinalLoss, second.Outcome.FinalLoss);
    }

    [Fact]
    public void A_changed_learning_rate_should_apply_from_the_next_epoch()
    {
        var spec = Spec(_data.Smooth(200));
        var store = new InMemoryFitCheckpoints();
        Run(spec, new RunContext(11, Checkpoints: store, FitId: "A", UntilEpoch: 5));
        var same = Run(spec, new RunContext(11, Checkpoints: store, FitId: "B", StartFrom: "A"));
        var faster = spec with { LearningRate = 2e-2 };
        var changed = Run(faster, new RunContext(11, Checkpoints: store, FitId: "C", StartFrom: "A"));
        Assert.NotEqual(same.Outcome.Checkpoint, changed.Outcome.Checkpoint);
        // The first five epochs are the checkpoint's; the rest differ.
        Assert.Equal(same.Outcome.LossCurve.Take(5), changed.Outcome.LossCurve.Take(5));
        Assert.NotEqual(same.Outcome.LossCurve.Skip(5), changed.Outcome.LossCurve.Skip(5));
        // Neither is the run with the new rate throughout.
        Assert.NotEqual(Run(faster, new RunContext(11)).Outcome.Checkpoint, changed.Outcome.Checkpoint);

        // The changed rate is the new schedule from epoch 6 on, however the rest is cut: 6–7 and 8–10 give 6–10 in one piece.
        Run(faster, new RunContext(11, Checkpoints: store, FitId: "D", StartFrom: "A", UntilEpoch: 7));
        var cut = Run(faster, new RunContext(11, Checkpoints: store, FitId: "E", StartFrom: "D"));
        Assert.Equal(changed.Outcome.Checkpoint, cut.Outcome.Checkpoint);

        // So does a changed weight decay.
        var decayed = Run(spec with { WeightDecay = 0.5 }, new RunContext(11, Checkpoints: store, FitId: "F", StartFrom: "A"));
        Assert.NotEqual(same.Outcome.Checkpoint, decayed.Outcome.Checkpoint);
    }

    [Fact]
    public void A_rate_of_almost_zero_from_the_next_epoch_should_freeze_the_network_from_there()
    {
        var spec = Spec(_data.Smooth(200));
        var store = new InMemoryFitCheckpoints();
        var first = Run(spec, new RunContext(11, Checkpoints: store, FitId: "A", UntilEpoch: 5));
        var frozen = Run(spec with { LearningRate = 1e-12 }, new RunContext(11, Checkpoints: store, FitId: "B", StartFrom: "A")).Outcome.LossCurve;
        var moving = Run(spec, new RunContext(11, Checkpoints: store, FitId: "C", StartFrom: "A")).Outcome.LossCurve;
        // Epoch 6 already trains at the new rate: the validation loss stays that of epoch 5 (float32 rounding aside).
        Assert.All(frozen.Skip(5), v => Assert.Equal(first.Outcome.LossCurve[4], v, 1e-6));
        Assert.True(Math.Abs(moving[5] - moving[4]) > 1e-4, $"{moving[4]} → {moving[5]}");
    }

    [Fact]
    public void Continuing_with_another_width_or_from_a_fit_without_checkpoint_should_be_refused()
    {
        var spec = Spec(_data.Smooth(200));
        var store = new InMemoryFitCheckpoints();
        Run(spec, new RunContext(11, Checkpoints: store, FitId: "A", UntilEpoch: 5));

        var wider = Assert.Throws<InvalidInputException>(() => Run(spec with { Width = 32 }, new RunContext(11, Checkpoints: store, FitId: "B", StartFrom: "A")));
        Assert.Equal("width", wider.Field);
        Assert.Contains("32", wider.Message);
        Assert.Contains("16", wider.Message);
        Assert.Equal("layers", Assert.Throws<InvalidInputException>(() => Run(spec with { HiddenLayers = 3 }, new RunContext(11, Checkpoints: store, FitId: "B", StartFrom: "A"))).Field);

        var missing = Assert.Throws<InvalidInputException>(() => Run(spec, new RunContext(11, Checkpoints: store, FitId: "B", StartFrom: "nowhere")));
        Assert.Equal("start_from", missing.Field);
        Assert.Contains("'nowhere' has no checkpoint", missing.Message);
        Assert.Equal("start_from", Assert.Throws<InvalidInputException>(() => Run(spec, new RunContext(11, StartFrom: "A"))).Field);
        Assert.Equal("until_epoch", Assert.Throws<InvalidInputException>(() => Run(spec, new RunContext(11, UntilEpoch: 5))).Field);
        // A checkpoint past where the run stops cannot be continued to it.
        Assert.Equal("start_from", Assert.Throws<InvalidInputException>(() => Run(spec, new RunContext(11, Checkpoints: store, FitId: "B", StartFrom: "A", UntilEpoch: 3))).Field);
    }
}
