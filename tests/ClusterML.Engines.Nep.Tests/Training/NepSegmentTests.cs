using System.Collections.Immutable;
using ClusterML.Core.Engines;
using ClusterML.Core.Validation;
using ClusterML.Engines.Nep.Training;
using ClusterML.Engines.Nep.Xyz;

namespace ClusterML.Engines.Nep.Tests.Training;

/// <summary>Training in segments (population-based training): stop after an epoch with the state saved, continue from it.</summary>
[Collection("Torch")]
public sealed class NepSegmentTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("clusterml-nep-segments-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private NepTrainTrialSpec Spec(string optimizer = "adam", int epochs = 10)
    {
        var path = Path.Combine(_folder, "train.xyz");
        if (!File.Exists(path))
        {
            var frames = MorseFrames.Make(6, 8);
            ExtendedXyzWriter.WriteFile(path, frames.Select(f => new XyzFrame(f.Index, f.Structure.Cell, [.. Enumerable.Repeat("Ar", f.Atoms)], f.Structure.Positions, f.Forces, f.Energy, f.Virial)));
        }
        var settings = ImmutableDictionary<string, string>.Empty.Add("type", "Ar").Add("cutoff_radial", "5").Add("cutoff_angular", "4").Add("n_max_radial", "2")
            .Add("n_max_angular", "2").Add("basis_radial", "2").Add("basis_angular", "2").Add("l_max", "2").Add("neuron", "4").Add("epochs", $"{epochs}").Add("batch", "3")
            .Add("threads", "1").Add("optimizer", optimizer).Add("population", "8").Add("checkpoint_every", "3");
        return new NepTrainTrialSpec(path, null, settings);
    }

    private static NepTrainTrialSpec With(NepTrainTrialSpec spec, string key, string value) => spec with { Settings = spec.Settings.SetItem(key, value) };

    private TrainingOutcome Train(NepTrainTrialSpec spec, RunContext context) => new NepTrainEngine().Train(spec, context, TestContext.Current.CancellationToken);

    private string Model(string name) => File.ReadAllText(Path.Combine(_folder, name, "model", "nep.txt"));

    [Fact]
    public void The_engine_should_say_it_trains_in_segments()
    {
        IEngine engine = new NepTrainEngine();
        Assert.True(engine.TrainsInSegments);
    }

    [Theory]
    [InlineData("adam")]
    [InlineData("snes")]
    public async Task Two_segments_should_give_exactly_the_model_of_one_uninterrupted_run(string optimizer)
    {
        var spec = Spec(optimizer);
        var whole = Train(spec, new RunContext(3, ArtifactDirectory: Path.Combine(_folder, "whole")));

        var store = new InMemoryFitCheckpoints();
        var progress = new List<int>();
        var first = Train(spec, new RunContext(3, Progress: new Sink(p => progress.Add(p.Epoch)), Checkpoints: store, FitId: "A", UntilEpoch: 5));
        Assert.Equal([1, 2, 3, 4, 5], progress);
        var saved = await store.LatestAsync("A", TestContext.Current.CancellationToken);
        Assert.Equal(5, saved!.Epoch); // kept: the fit goes on
        Assert.Contains(NepTrainEngine.ShapeFile, saved.Files.Keys);
        Assert.Equal(whole.LossCurve.Take(5), first.LossCurve);
        Assert.Equal(5, first.Metrics!["epoch"]);
        Assert.Equal(first.Metrics["rmse_f_train"], first.FinalLoss);

        progress.Clear();
        var second = Train(spec, new RunContext(3, Progress: new Sink(p => progress.Add(p.Epoch)), ArtifactDirectory: Path.Combine(_folder, "second"),
            Checkpoints: store, FitId: "B", StartFrom: "A"));
        Assert.Equal([6, 7, 8, 9, 10], progress);
        Assert.Equal(whole.LossCurve, second.LossCurve);
        Assert.Equal(whole.FinalLoss, second.FinalLoss);
        Assert.Equal(Model("whole"), Model("second"));
        Assert.Equal(5, second.Metrics!["resumed_epoch"]);
        Assert.False(second.Metrics.ContainsKey("epoch"));
        Assert.Null(await store.LatestAsync("B", TestContext.Current.CancellationToken)); // the finished fit is forgotten
        Assert.NotNull(await store.LatestAsync("A", TestContext.Current.CancellationToken)); // the one it started from is not its to forget
    }

    [Fact]
    public void A_changed_learning_rate_should_apply_from_the_next_epoch()
    {
        var spec = Spec();
        var store = new InMemoryFitCheckpoints();
        Train(spec, new RunContext(3, Checkpoints: store, FitId: "A", UntilEpoch: 5));
        var same = Train(spec, new RunContext(3, ArtifactDirectory: Path.Combine(_folder, "same"), Checkpoints: store, FitId: "B", StartFrom: "A"));
        var faster = With(spec, "lr", "0.05");
        var changed = Train(faster, new RunContext(3, ArtifactDirectory: Path.Combine(_folder, "changed"), Checkpoints: store, FitId: "C", StartFrom: "A"));
        Assert.Equal(same.LossCurve.Take(5), changed.LossCurve.Take(5));
        Assert.NotEqual(same.LossCurve.Skip(5), changed.LossCurve.Skip(5));
        Assert.NotEqual(Model("same"), Model("changed"));

        // The new rate's schedule from epoch 6 on, however the rest is cut: 6–7 then 8–10 give 6–10 in one piece.
        Train(faster, new RunContext(3, Checkpoints: store, FitId: "D", StartFrom: "A", UntilEpoch: 7));
        Train(faster, new RunContext(3, ArtifactDirectory: Path.Combine(_folder, "cut"), Checkpoints: store, FitId: "E", StartFrom: "D"));
        Assert.Equal(Model("changed"), Model("cut"));
    }

    [Fact]
    public async Task A_fit_should_prefer_its_own_checkpoint_only_when_it_is_further_on_than_the_one_it_starts_from()
    {
        var spec = Spec();
        var store = new InMemoryFitCheckpoints();
        Train(spec, new RunContext(3, Checkpoints: store, FitId: "A", UntilEpoch: 5));
        Train(spec, new RunContext(3, ArtifactDirectory: Path.Combine(_folder, "reference"), Checkpoints: store, FitId: "R", StartFrom: "A"));

        // B trained its own first segment (another rate), then exploits A: A's state, not B's own of the same epoch.
        Train(With(spec, "lr", "0.05"), new RunContext(3, Checkpoints: store, FitId: "B", UntilEpoch: 5));
        Train(spec, new RunContext(3, ArtifactDirectory: Path.Combine(_folder, "exploit"), Checkpoints: store, FitId: "B", StartFrom: "A"));
        Assert.Equal(Model("reference"), Model("exploit"));

        // An attempt of C (from A) dies after epoch 7: its own checkpoint of epoch 6 is further on, and the next attempt continues it.
        using var kill = new CancellationTokenSource();
        Assert.ThrowsAny<OperationCanceledException>(() => new NepTrainEngine().Train(spec,
            new RunContext(3, Progress: new Sink(p => { if (p.Epoch == 7) { kill.Cancel(); } }), Checkpoints: store, FitId: "C", StartFrom: "A"), kill.Token));
        Assert.Equal(6, (await store.LatestAsync("C", TestContext.Current.CancellationToken))!.Epoch);
        var epochs = new List<int>();
        var retried = Train(spec, new RunContext(3, Progress: new Sink(p => epochs.Add(p.Epoch)), ArtifactDirectory: Path.Combine(_folder, "retried"),
            Checkpoints: store, FitId: "C", StartFrom: "A"));
        Assert.Equal([7, 8, 9, 10], epochs);
        Assert.Equal(6, retried.Metrics!["resumed_epoch"]);
        Assert.Equal(Model("reference"), Model("retried"));
    }

    [Fact]
    public void Continuing_with_another_network_or_from_a_fit_without_checkpoint_should_be_refused()
    {
        var spec = Spec();
        var store = new InMemoryFitCheckpoints();
        Train(spec, new RunContext(3, Checkpoints: store, FitId: "A", UntilEpoch: 2));

        var wider = Assert.Throws<InvalidInputException>(() => Train(With(spec, "neuron", "6"), new RunContext(3, Checkpoints: store, FitId: "B", StartFrom: "A")));
        Assert.Equal("neuron", wider.Field);
        Assert.Contains("'A'", wider.Message);
        Assert.Equal("optimizer", Assert.Throws<InvalidInputException>(() => Train(With(spec, "optimizer", "snes"), new RunContext(3, Checkpoints: store, FitId: "B", StartFrom: "A"))).Field);

        var missing = Assert.Throws<InvalidInputException>(() => Train(spec, new RunContext(3, Checkpoints: store, FitId: "B", StartFrom: "nowhere")));
        Assert.Equal("start_from", missing.Field);
        Assert.Contains("'nowhere' has no checkpoint", missing.Message);
        Assert.Equal("start_from", Assert.Throws<InvalidInputException>(() => Train(spec, new RunContext(3, StartFrom: "A"))).Field);
        Assert.Equal("until_epoch", Assert.Throws<InvalidInputException>(() => Train(spec, new RunContext(3, UntilEpoch: 5))).Field);
    }

    private sealed class Sink(Action<TrainingProgress> report) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress value) => report(value);
    }
}
