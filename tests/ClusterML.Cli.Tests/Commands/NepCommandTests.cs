using System.Globalization;

namespace ClusterML.Cli.Tests.Commands;

public sealed class NepCommandTests : IDisposable
{
    private readonly CliRun _cli = new();

    public void Dispose() => _cli.Dispose();

    /// <summary>A one-species NEP4 model small enough to write here: 1 species, n_max 1 1, basis 1 1, l_max 2 (q_222 on), 3 neurons.</summary>
    private string TinyModel()
    {
        // dim = 2 + 2·(2 + 1) = 8; ANN (8 + 2)·3 + 1 = 31; c: 2·2 + 2·2 = 8; q_scaler 8.
        var values = Enumerable.Range(0, 31 + 8).Select(k => (0.1 * Math.Sin(k + 1)).ToString("R", CultureInfo.InvariantCulture));
        var path = _cli.Path("nep.txt");
        File.WriteAllText(path, "nep4 1 Si\ncutoff 4 3 20 10\nn_max 1 1\nbasis_size 1 1\nl_max 2 2 0\nANN 3 0\n"
            + string.Join("\n", values) + "\n" + string.Join("\n", Enumerable.Repeat("1.5", 8)) + "\n");
        return path;
    }

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

        var model = _cli.Path("broken.txt");
        File.WriteAllText(model, "nep4 1 Si\ncutoff 4 3 20 10\nn_max 1 1\nbasis_size 1 1\nl_max 2 2 0\nANN 3 0\n0.1\n");
        (code, _, stderr) = await _cli.RunAsync("nep", "eval", "--model", model, "--input", Frames(), "--output", _cli.Path("o.xyz"));
        Assert.Equal(2, code);
        Assert.Contains("broken.txt:8: parameters: the file ends early", stderr, StringComparison.Ordinal);
    }
}
