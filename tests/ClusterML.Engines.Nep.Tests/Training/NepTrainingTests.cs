using ClusterML.Core.Validation;
using ClusterML.Engines.Nep.Evaluation;
using ClusterML.Engines.Nep.Model;
using ClusterML.Engines.Nep.Torch;
using ClusterML.Engines.Nep.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace ClusterML.Engines.Nep.Tests.Training;

[Collection("Torch")]
public sealed class NepTrainingTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("clusterml-nep-train-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private static NepTrainingSettings Tiny => new()
    {
        Species = ["Ar"], RadialCutoff = 5, AngularCutoff = 4, NMaxRadial = 3, NMaxAngular = 2, BasisRadial = 3, BasisAngular = 3, LMax = 2,
        Neurons = 6, Batch = 3, Epochs = 40, LearningRate = 2e-2, FinalLearningRate = 1e-3, Float64 = true, Threads = 1, CheckpointEvery = 5,
        Lambda1 = 1e-5, Lambda2 = 1e-5, LambdaV = 0.1,
    };

    [Fact]
    public void The_Morse_labels_should_be_consistent()
    {
        var frame = MorseFrames.Make(1, 3)[0];
        const double h = 1e-6;
        var plus = (double[])frame.Structure.Positions.Clone();
        var minus = (double[])frame.Structure.Positions.Clone();
        plus[4] += h;
        minus[4] -= h;
        var numeric = -(MorseFrames.Label(frame.Structure with { Positions = plus }).Energy - MorseFrames.Label(frame.Structure with { Positions = minus }).Energy) / (2 * h);
        Assert.Equal(numeric, frame.Forces[4], 1e-8);
    }

    [Fact]
    public void The_loss_gradient_should_match_finite_differences()
    {
        var frames = MorseFrames.Make(3, 1);
        var settings = Tiny;
        var model = NepInitializer.Create(settings, ["Ar"], frames, 5);
        using var torchModel = new NepTorchModel(model);
        using var batch = new NepTrainingBatch(frames, model, ScalarType.Float64);
        var terms = NepLoss.Compute(torchModel, batch, settings, 1e-3, 1e-3, createGraph: true);
        var parameters = torchModel.parameters().Where(p => p.requires_grad).ToArray();
        var grads = autograd.grad([terms.Total], parameters, retain_graph: false);
        foreach (var (tensorIndex, element) in new[] { (0, 3L), (0, 17L), (1, 2L), (2, 4L), (3, 0L), (4, 5L), (5, 7L) })
        {
            var parameter = parameters[tensorIndex];
            var flat = parameter.view(-1);
            double Loss(double shift)
            {
                using (no_grad())
                {
                    flat[element] += shift;
                }
                var value = NepLoss.Compute(torchModel, batch, settings, 1e-3, 1e-3, createGraph: false).Total.ToDouble();
                using (no_grad())
                {
                    flat[element] -= shift;
                }
                return value;
            }
            const double h = 1e-6;
            var numeric = (Loss(h) - Loss(-h)) / (2 * h);
            var analytic = grads[tensorIndex].view(-1)[element].ToDouble();
            Assert.True(Math.Abs(numeric - analytic) < 1e-6 * Math.Max(1, Math.Abs(numeric)), $"parameter {tensorIndex}[{element}]: autograd {analytic:G10}, numeric {numeric:G10}");
        }
    }

    [Fact]
    public void Adam_should_drive_energy_force_and_virial_errors_down_and_export_a_model_that_evaluates_the_same()
    {
        var frames = MorseFrames.Make(9, 2);
        var settings = Tiny;
        var initial = NepInitializer.Create(settings, ["Ar"], frames, 1);
        var before = NepPredictions.Of(initial, frames, 1);
        var run = NepAdamTrainer.Train(settings, initial, frames, null, 1);
        Assert.True(run.Train.EnergyRmse < before.EnergyRmse / 5, $"energy {before.EnergyRmse:E2} → {run.Train.EnergyRmse:E2}");
        Assert.True(run.Train.ForceRmse < before.ForceRmse / 3, $"force {before.ForceRmse:E2} → {run.Train.ForceRmse:E2}");
        Assert.True(run.Train.VirialRmse < before.VirialRmse / 3, $"virial {before.VirialRmse:E2} → {run.Train.VirialRmse:E2}");
        Assert.Equal(0, run.Train.Offset, 1e-12); // the offset is folded into b1 on export
        Assert.Equal(40, run.History.Count);

        // The exported nep.txt evaluates identically after a write and a read.
        var path = Path.Combine(_folder, "nep.txt");
        run.Model.Write(path);
        var back = new NepCalculator(NepModel.Read(path));
        for (var f = 0; f < frames.Count; f++)
        {
            Assert.Equal(run.Train.Energies[f], back.Compute(frames[f].Structure).Energy, 1e-12);
        }
    }

    [Fact]
    public void A_restart_should_continue_the_same_trajectory()
    {
        var frames = MorseFrames.Make(6, 4);
        var settings = Tiny with { Epochs = 6, CheckpointEvery = 3 };
        var initial = NepInitializer.Create(settings, ["Ar"], frames, 2);
        var straight = NepAdamTrainer.Train(settings, initial, frames, null, 2);

        // Interrupted (as by Ctrl-C) after epoch 3: the checkpoint of epoch 3 is left behind.
        var checkpoint = new NepCheckpoint(Path.Combine(_folder, "run"));
        using var cancel = new CancellationTokenSource();
        Assert.ThrowsAny<OperationCanceledException>(() => NepAdamTrainer.Train(settings, initial, frames, null, 2, checkpoint,
            progress: new Reporter(e => { if (e.Epoch == 3) { cancel.Cancel(); } }), cancellationToken: cancel.Token));
        var resumed = NepAdamTrainer.Train(settings, initial, frames, null, 2, checkpoint, restart: true);
        Assert.Equal(straight.Model.Parameters, resumed.Model.Parameters);
        Assert.Equal(6, resumed.History.Count);

        var other = settings with { Neurons = 7 };
        var changed = NepInitializer.Create(other, ["Ar"], frames, 2);
        var error = Assert.Throws<InvalidInputException>(() => NepAdamTrainer.Train(other, changed, frames, null, 2, checkpoint, restart: true));
        Assert.Equal("--restart", error.Field);
    }

    [Fact]
    public void SNES_should_lower_the_loss_and_restart_exactly()
    {
        var frames = MorseFrames.Make(6, 5);
        var settings = Tiny with { Optimizer = "snes", Population = 12, Epochs = 30, Batch = 6, CheckpointEvery = 15 };
        var initial = NepInitializer.Create(settings, ["Ar"], frames, 3);
        var run = NepSnesTrainer.Train(settings, initial, frames, null, 3);
        Assert.True(run.History[^1].Total < run.History[0].Total, $"{run.History[0].Total:E3} → {run.History[^1].Total:E3}");
        Assert.Equal(0, NepSnesTrainer.Utilities(50).Sum(), 1e-12);
        Assert.True(NepSnesTrainer.Utilities(50)[0] > NepSnesTrainer.Utilities(50)[1]);

        var checkpoint = new NepCheckpoint(Path.Combine(_folder, "snes"));
        NepSnesTrainer.Train(settings with { Epochs = 15 }, initial, frames, null, 3, checkpoint);
        Assert.True(File.Exists(Path.Combine(checkpoint.Folder, "nep.restart")));
        var resumed = NepSnesTrainer.Train(settings, initial, frames, null, 3, checkpoint, restart: true);
        Assert.Equal(run.Model.Parameters, resumed.Model.Parameters);
    }

    [Fact]
    public void Bad_training_inputs_should_be_refused_clearly()
    {
        var path = Path.Combine(_folder, "bad.xyz");
        File.WriteAllText(path, "1\nlattice=\"5 0 0 0 5 0 0 0 5\" properties=species:S:1:pos:R:3:force:R:3\nAr 0 0 0 0 0 0\n");
        var noEnergy = Assert.Throws<InvalidInputException>(() => NepDataset.Read(path, ["Ar"], "--train"));
        Assert.Equal("energy", noEnergy.Field);
        Assert.Contains("frame 0", noEnergy.Problem, StringComparison.Ordinal);

        File.WriteAllText(path, "1\nlattice=\"5 0 0 0 5 0 0 0 5\" energy=-1 properties=species:S:1:pos:R:3:force:R:3\nKr 0 0 0 0 0 0\n");
        Assert.Contains("'Kr' is not a species", Assert.Throws<InvalidInputException>(() => NepDataset.Read(path, ["Ar"], "--train")).Problem, StringComparison.Ordinal);

        var nepIn = Path.Combine(_folder, "nep.in");
        File.WriteAllText(nepIn, "type 1 Ar\nneuron 10\nforce_delta 2\n");
        var keyword = Assert.Throws<InvalidInputException>(() => NepInput.Apply(nepIn, new NepTrainingSettings()));
        Assert.Equal(("force_delta", 3), (keyword.Field, keyword.Line));
        File.WriteAllText(nepIn, "type 1 Ar\nneuron 10\nlambda_v 0.5\ngeneration 77\n");
        var applied = NepInput.Apply(nepIn, new NepTrainingSettings());
        Assert.Equal((10, 0.5, 77), (applied.Neurons, applied.LambdaV, applied.Epochs));
    }

    private sealed class Reporter(Action<NepEpoch> report) : IProgress<NepEpoch>
    {
        public void Report(NepEpoch value) => report(value);
    }
}
