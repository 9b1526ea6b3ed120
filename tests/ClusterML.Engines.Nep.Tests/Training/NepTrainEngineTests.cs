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

    private sealed class Sink(Action<TrainingProgress> report) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress value) => report(value);
    }
}
