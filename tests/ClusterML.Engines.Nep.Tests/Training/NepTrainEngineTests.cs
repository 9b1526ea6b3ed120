using System.Collections.Immutable;
using ClusterML.Core.Engines;
using ClusterML.Core.Specs;
using ClusterML.Core.Validation;
using ClusterML.Engines.Nep.Training;
using ClusterML.Engines.Nep.Xyz;

namespace ClusterML.Engines.Nep.Tests.Training;

[Collection("Torch")]
public sealed class NepTrainEngineTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("clusterml-nep-engine-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public void The_engine_should_train_report_RMSEs_per_epoch_write_model_nep_txt_and_check_settings()
    {
        var frames = MorseFrames.Make(6, 8);
        var path = Path.Combine(_folder, "train.xyz");
        ExtendedXyzWriter.WriteFile(path, frames.Select(f => new XyzFrame(f.Index, f.Structure.Cell, [.. Enumerable.Repeat("Ar", f.Atoms)], f.Structure.Positions, f.Forces, f.Energy, f.Virial)));
        var settings = ImmutableDictionary<string, string>.Empty.Add("type", "Ar").Add("cutoff_radial", "5").Add("cutoff_angular", "4").Add("n_max_radial", "2")
            .Add("n_max_angular", "2").Add("basis_radial", "2").Add("basis_angular", "2").Add("l_max", "2").Add("neuron", "4").Add("epochs", "5").Add("batch", "3").Add("threads", "1");
        var spec = new NepTrainTrialSpec(path, null, settings);
        var reports = new List<TrainingProgress>();
        var outcome = new NepTrainEngine().Train(spec, new RunContext(1, Progress: new Sink(reports.Add), ArtifactDirectory: Path.Combine(_folder, "artifacts")), CancellationToken.None);
        Assert.Equal([1, 2, 3, 4, 5], reports.Select(r => r.Epoch));
        Assert.All(reports, r => Assert.True(r.Metrics!["rmse_f"] > 0 && r.Metrics.ContainsKey("rmse_v")));
        Assert.Equal(outcome.Metrics!["rmse_f_train"], outcome.FinalLoss);
        Assert.True(File.Exists(Path.Combine(_folder, "artifacts", "model", "nep.txt")));
        Assert.Equal(["model"], outcome.Artifacts);

        IEngine engine = new NepTrainEngine();
        Assert.Equal("depth", Assert.Throws<InvalidInputException>(() => engine.Check(spec with { Settings = settings.Add("depth", "2") })).Field);
        Assert.Equal("neuron", Assert.Throws<InvalidInputException>(() => engine.Check(spec with { Settings = settings.SetItem("neuron", "many") })).Field);
        using var cancel = new CancellationTokenSource();
        cancel.Cancel();
        Assert.ThrowsAny<OperationCanceledException>(() => new NepTrainEngine().Train(spec, new RunContext(1), cancel.Token));
    }

    [Theory]
    [InlineData("adam")]
    [InlineData("snes")]
    public async Task A_later_attempt_should_continue_from_the_kept_checkpoint_and_end_with_the_model_of_an_undisturbed_run(string optimizer)
    {
        var frames = MorseFrames.Make(6, 8);
        var path = Path.Combine(_folder, "train.xyz");
        ExtendedXyzWriter.WriteFile(path, frames.Select(f => new XyzFrame(f.Index, f.Structure.Cell, [.. Enumerable.Repeat("Ar", f.Atoms)], f.Structure.Positions, f.Forces, f.Energy, f.Virial)));
        var settings = ImmutableDictionary<string, string>.Empty.Add("type", "Ar").Add("cutoff_radial", "5").Add("cutoff_angular", "4").Add("n_max_radial", "2")
            .Add("n_max_angular", "2").Add("basis_radial", "2").Add("basis_angular", "2").Add("l_max", "2").Add("neuron", "4").Add("epochs", "6").Add("batch", "3")
            .Add("threads", "1").Add("checkpoint_every", "2").Add("optimizer", optimizer).Add("population", "8");
        var spec = new NepTrainTrialSpec(path, null, settings);

        var undisturbed = new InMemoryFitCheckpoints();
        var whole = new NepTrainEngine().Train(spec, new RunContext(3, ArtifactDirectory: Path.Combine(_folder, "whole"), Checkpoints: undisturbed, FitId: "c.t1"), CancellationToken.None);
        Assert.Equal(3, undisturbed.Saves); // epochs 2, 4 and 6
        Assert.Null(await undisturbed.LatestAsync("c.t1", CancellationToken.None)); // forgotten once the trial has its result
        Assert.False(whole.Metrics!.ContainsKey("resumed_epoch"));

        // The first attempt dies after epoch 3: the checkpoint of epoch 2 is what the coordinator kept.
        var kept = new InMemoryFitCheckpoints();
        using var kill = new CancellationTokenSource();
        var first = new List<int>();
        Assert.ThrowsAny<OperationCanceledException>(() => new NepTrainEngine().Train(spec,
            new RunContext(3, Progress: new Sink(p => { first.Add(p.Epoch); if (p.Epoch == 3) { kill.Cancel(); } }), Checkpoints: kept, FitId: "c.t1"), kill.Token));
        Assert.Equal([1, 2, 3], first);
        var checkpoint = await kept.LatestAsync("c.t1", CancellationToken.None);
        Assert.Equal(2, checkpoint!.Epoch);
        Assert.Contains("nep.restart.json", checkpoint.Files.Keys);

        var second = new List<int>();
        var resumed = new NepTrainEngine().Train(spec, new RunContext(3, Progress: new Sink(p => second.Add(p.Epoch)), ArtifactDirectory: Path.Combine(_folder, "resumed"),
            Checkpoints: kept, FitId: "c.t1"), CancellationToken.None);
        Assert.Equal([3, 4, 5, 6], second);
        Assert.Equal(2, resumed.Metrics!["resumed_epoch"]);
        Assert.Equal(whole.LossCurve, resumed.LossCurve);
        Assert.Equal(whole.FinalLoss, resumed.FinalLoss);
        Assert.Equal(File.ReadAllText(Path.Combine(_folder, "whole", "model", "nep.txt")), File.ReadAllText(Path.Combine(_folder, "resumed", "model", "nep.txt")));

        // Another fit id starts from scratch.
        var other = new List<int>();
        new NepTrainEngine().Train(spec with { Settings = settings.SetItem("epochs", "1") }, new RunContext(3, Progress: new Sink(p => other.Add(p.Epoch)), Checkpoints: kept, FitId: "c.t2"),
            CancellationToken.None);
        Assert.Equal([1], other);
    }

    private sealed class Sink(Action<TrainingProgress> report) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress value) => report(value);
    }
}
