using System.Globalization;
using ClusterML.Core.Results;

namespace ClusterML.Cli.Tests.Commands;

public sealed class NepCommandTests : IDisposable
{
    private readonly CliRun _cli = new();

    public void Dispose() => _cli.Dispose();

    private string TinyModel() => NepFixtures.TinyModel(_cli.Path("nep.txt"));

    private string Frames()
    {
        var path = _cli.Path("frames.xyz");
        File.WriteAllText(path, """
            2
            Lattice="5.43 0 0 0 5.43 0 0 0 5.43" energy=-10.0 Properties=species:S:1:pos:R:3:force:R:3 config_type=test
            Si 0.0 0.0 0.0 0 0 0
            Si 1.4 1.3 1.2 0 0 0
            2
            lattice="5.0 0.2 0 0 5.2 0 0.1 0 5.1" Properties=species:S:1:pos:R:3
            Si 0.1 0.0 0.0
            Si 1.3 1.4 1.1
            """);
        return path;
    }

    [Fact]
    public async Task Nep_eval_should_write_energies_virials_forces_and_per_atom_columns()
    {
        var output = _cli.Path("out.xyz");
        var (code, stdout, stderr) = await _cli.RunAsync("nep", "eval", "--model", TinyModel(), "--input", Frames(), "--output", output, "--per-atom");
        Assert.True(code == 0, stderr);
        Assert.Contains("atom-evaluations per second", stdout, StringComparison.Ordinal);
        var lines = File.ReadAllLines(output);
        Assert.Equal(8, lines.Length);
        Assert.Contains("properties=species:S:1:pos:R:3:forces:R:3:energies:R:1:virials:R:9", lines[1], StringComparison.Ordinal);
        Assert.Contains("config_type=test", lines[1], StringComparison.Ordinal);
        Assert.DoesNotContain("energy=-10", lines[1], StringComparison.Ordinal); // the reference energy is replaced by the model's
        var atom = lines[2].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(1 + 3 + 3 + 1 + 9, atom.Length);
        // Newton's third law for two atoms: the forces are opposite.
        var other = lines[3].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        for (var d = 0; d < 3; d++)
        {
            Assert.Equal(-double.Parse(atom[4 + d], CultureInfo.InvariantCulture), double.Parse(other[4 + d], CultureInfo.InvariantCulture), 1e-12);
        }
    }

    [Fact]
    public async Task Bad_inputs_should_exit_2_naming_file_line_and_field()
    {
        var frames = _cli.Path("bad.xyz");
        File.WriteAllText(frames, "2\nlattice=\"5 0 0 0 5 0 0 0 5\" properties=species:S:1:pos:R:3\nSi 0 0 0\nGe 1 1 1\n");
        var (code, _, stderr) = await _cli.RunAsync("nep", "eval", "--model", TinyModel(), "--input", frames, "--output", _cli.Path("o.xyz"));
        Assert.Equal(2, code);
        Assert.Contains("'Ge' is not a species of the model", stderr, StringComparison.Ordinal);
        Assert.False(File.Exists(_cli.Path("o.xyz")));

        File.WriteAllText(frames, "2\nlattice=\"5 0 0 0 5 0\" properties=species:S:1:pos:R:3\nSi 0 0 0\nSi 1 1 1\n");
        (code, _, stderr) = await _cli.RunAsync("nep", "eval", "--model", TinyModel(), "--input", frames, "--output", _cli.Path("o.xyz"));
        Assert.Equal(2, code);
        Assert.Contains("bad.xyz:2: lattice", stderr, StringComparison.Ordinal);

        (code, _, stderr) = await _cli.RunAsync("nep", "train", "--train", Frames(), "--device", "cuda", "--out", _cli.Path("gpu"));
        Assert.Equal(2, code);
        Assert.Contains("CUDA was requested but is not available", stderr, StringComparison.Ordinal);

        var model = _cli.Path("broken.txt");
        File.WriteAllText(model, "nep4 1 Si\ncutoff 4 3 20 10\nn_max 1 1\nbasis_size 1 1\nl_max 2 2 0\nANN 3 0\n0.1\n");
        (code, _, stderr) = await _cli.RunAsync("nep", "eval", "--model", model, "--input", Frames(), "--output", _cli.Path("o.xyz"));
        Assert.Equal(2, code);
        Assert.Contains("broken.txt:8: parameters: the file ends early", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Nep_train_should_fit_frames_write_GPUMD_outputs_and_a_model_that_nep_eval_reproduces()
    {
        // Frames labelled by the tiny model itself (a teacher): 6 random 4-atom cells.
        var train = NepFixtures.TeacherFrames(TinyModel(), _cli.Path("train.xyz"), 6, seed: 5);
        var outDir = _cli.Path("fit");
        var (code, stdout, stderr) = await _cli.RunAsync("nep", "train", "--train", train, "--test", train, "--out", outDir, "--cutoff", "4", "3", "--n-max", "2", "2",
            "--basis-size", "2", "2", "--l-max", "2", "1", "--neuron", "5", "--epochs", "6", "--batch", "3", "--checkpoint-every", "3", "--threads", "1", "--dtype", "float64");
        Assert.True(code == 0, stderr);
        Assert.Contains("force RMSE train", stdout, StringComparison.Ordinal);
        foreach (var file in new[] { "nep.txt", "loss.csv", "loss.png", "energy_train.out", "force_train.out", "virial_train.out", "energy_test.out", "parity_train.png", "nep.restart.json" })
        {
            Assert.True(File.Exists(Path.Combine(outDir, file)), file);
        }
        Assert.Equal(1 + 6, File.ReadAllLines(Path.Combine(outDir, "loss.csv")).Length);
        Assert.Equal(24, File.ReadAllLines(Path.Combine(outDir, "force_train.out")).Length);

        // nep eval with the exported model gives the energies training reported.
        var evaluated = _cli.Path("eval.xyz");
        (code, _, stderr) = await _cli.RunAsync("nep", "eval", "--model", outDir, "--input", train, "--output", evaluated);
        Assert.True(code == 0, stderr);
        var energyLines = File.ReadAllLines(Path.Combine(outDir, "energy_train.out"));
        var frames = File.ReadAllLines(evaluated).Where(l => l.Contains("energy=", StringComparison.Ordinal)).ToArray();
        for (var f = 0; f < 6; f++)
        {
            var fromEval = double.Parse(frames[f].Split("energy=")[1].Split(' ')[0], CultureInfo.InvariantCulture) / 4;
            Assert.Equal(double.Parse(energyLines[f].Split(' ')[0], CultureInfo.InvariantCulture), fromEval, 1e-12);
        }

        // Fine-tuning starts from the exported model.
        (code, _, stderr) = await _cli.RunAsync("nep", "train", "--train", train, "--out", _cli.Path("tuned"), "--fine-tune", Path.Combine(outDir, "nep.txt"), "--epochs", "2", "--threads", "1");
        Assert.True(code == 0, stderr);
        Assert.True(File.Exists(_cli.Path("tuned/nep.txt")));

        // A restart with other settings is refused.
        (code, _, stderr) = await _cli.RunAsync("nep", "train", "--train", train, "--out", outDir, "--cutoff", "4", "3", "--n-max", "2", "2",
            "--basis-size", "2", "2", "--l-max", "2", "1", "--neuron", "6", "--epochs", "8", "--restart");
        Assert.Equal(2, code);
        Assert.Contains("--restart", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Nep_train_should_record_the_fit_live_in_the_data_directory()
    {
        var train = NepFixtures.TeacherFrames(TinyModel(), _cli.Path("train.xyz"), 4, seed: 7);
        var outDir = _cli.Path("recorded fit");
        var (code, _, stderr) = await _cli.RunAsync("nep", "train", "--train", train, "--test", train, "--out", outDir, "--cutoff", "4", "3", "--n-max", "2", "2",
            "--basis-size", "2", "2", "--l-max", "2", "1", "--neuron", "5", "--epochs", "4", "--batch", "2", "--checkpoint-every", "2", "--threads", "1", "--dtype", "float64");
        Assert.True(code == 0, stderr);

        var fit = Assert.Single(NepFitRecords.List(_cli.DataDir));
        Assert.StartsWith("recorded-fit-", fit.Id, StringComparison.Ordinal);
        Assert.Equal(("completed", (string?)null, Path.GetFullPath(outDir), "adam", 4, 4, (int?)4, false, Environment.ProcessId),
            (fit.Status, fit.Error, fit.OutDir, fit.Optimizer, fit.Epochs, fit.TrainFrames, fit.TestFrames, fit.Distributed, fit.ProcessId));
        Assert.Equal(["Si"], fit.Species);
        Assert.True(fit.EndedAtMs >= fit.StartedAtMs);
        var progress = NepFitRecords.Progress(_cli.DataDir, fit.Id);
        Assert.Equal([1, 2, 3, 4], progress.Select(p => p.Epoch));
        Assert.All(progress, p => Assert.True(double.IsFinite(p.Loss) && double.IsFinite(p.EnergyTrain) && double.IsFinite(p.ForceTrain) && p.ForceTrain > 0 && p.Seconds >= 0));
        Assert.Contains(progress, p => p.EnergyTest is { } e && double.IsFinite(e) && p.ForceTest is { } f && double.IsFinite(f));
        // The record holds what loss.csv holds, epoch by epoch.
        var loss = File.ReadAllLines(Path.Combine(outDir, "loss.csv")).Skip(1).Select(l => l.Split(',')).ToArray();
        Assert.Equal(4, loss.Length);
        for (var k = 0; k < 4; k++)
        {
            Assert.Equal(double.Parse(loss[k][1], CultureInfo.InvariantCulture), progress[k].Loss, 1e-9 * Math.Abs(progress[k].Loss));
            Assert.Equal(double.Parse(loss[k][5], CultureInfo.InvariantCulture), progress[k].ForceTrain, 1e-9 * progress[k].ForceTrain);
        }
        Assert.Empty(NepFitRecords.Placement(_cli.DataDir, fit.Id));
        Assert.Empty(NepFitRecords.WorkerSteps(_cli.DataDir, fit.Id));

        // A restart continues the same record.
        (code, _, stderr) = await _cli.RunAsync("nep", "train", "--train", train, "--test", train, "--out", outDir, "--cutoff", "4", "3", "--n-max", "2", "2",
            "--basis-size", "2", "2", "--l-max", "2", "1", "--neuron", "5", "--epochs", "6", "--batch", "2", "--checkpoint-every", "2", "--threads", "1", "--dtype", "float64", "--restart");
        Assert.True(code == 0, stderr);
        var resumed = Assert.Single(NepFitRecords.List(_cli.DataDir));
        Assert.Equal((fit.Id, "completed", 6), (resumed.Id, resumed.Status, resumed.Epochs));
        Assert.Equal([1, 2, 3, 4, 5, 6], NepFitRecords.Progress(_cli.DataDir, fit.Id).Select(p => p.Epoch));
    }
}
