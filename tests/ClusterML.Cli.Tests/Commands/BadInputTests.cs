using System.Globalization;

namespace ClusterML.Cli.Tests.Commands;

/// <summary>
/// The reproduced defects of "Bad input never crashes": each input used to crash (exit 1 with a stack trace) or to be accepted
/// (exit 0); each must now stop with exit code 2 and one line naming the file, the 1-based line and the field.
/// </summary>
[Collection("Torch")]
public sealed class BadInputTests : IDisposable
{
    private const string Cell = "lattice=\"5.2 0 0 0 5.2 0 0 0 5.2\" properties=species:S:1:pos:R:3";
    private readonly CliRun _cli = new();

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        _cli.Dispose();
    }

    private string Write(string name, string text)
    {
        var path = _cli.Path(name);
        File.WriteAllText(path, text);
        return path;
    }

    private static void AssertOneErrorLine(string stderr, string expected)
    {
        var errors = stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries).Where(l => l.Contains(" ERR] ", StringComparison.Ordinal)).ToArray();
        Assert.True(errors.Length == 1, stderr);
        Assert.True(errors[0].Contains(expected, StringComparison.Ordinal), $"expected '{expected}' in:\n{errors[0]}");
        Assert.DoesNotContain("   at ", stderr, StringComparison.Ordinal);
    }

    private async Task<string> NepEvalFailsAsync(string input, string? model = null)
    {
        var output = _cli.Path("eval.xyz");
        var (code, _, stderr) = await _cli.RunAsync("nep", "eval", "--model", model ?? NepFixtures.TinyModel(_cli.Path("nep.txt")), "--input", input, "--output", output);
        Assert.True(code == 2, stderr);
        Assert.False(File.Exists(output), "nothing may be written on bad input");
        return stderr;
    }

    [Fact]
    public async Task Two_atoms_at_the_same_position_should_exit_2_naming_the_frame_the_line_and_both_atoms()
    {
        var input = Write("overlap.xyz", $"2\n{Cell}\nSi 0 0 0\nSi 1.3 1.3 1.3\n3\n{Cell}\nSi 0 0 0\nSi 1.3 1.3 1.3\nSi 1.3 1.3 1.3\n");
        AssertOneErrorLine(await NepEvalFailsAsync(input), "overlap.xyz:9: pos: frame 1: atoms 2 and 3 are 0.0 Å apart; atoms closer than 0.1 Å are not a physical structure");
    }

    [Fact]
    public async Task An_atom_on_the_periodic_image_of_another_should_exit_2()
    {
        var input = Write("image.xyz", $"2\n{Cell}\nSi 0 0 0\nSi 5.2 -5.2 10.4\n");
        AssertOneErrorLine(await NepEvalFailsAsync(input), "image.xyz:4: pos: frame 0: atoms 1 and 2 are 0.0 Å apart (through the periodic boundary)");
    }

    [Fact]
    public async Task Atoms_closer_than_the_minimum_separation_are_refused_and_just_beyond_it_accepted()
    {
        var close = Write("close.xyz", $"2\n{Cell}\nSi 1 1 1\nSi 1 1 1.05\n");
        AssertOneErrorLine(await NepEvalFailsAsync(close), "close.xyz:4: pos: frame 0: atoms 1 and 2 are 0.05 Å apart");
        var apart = Write("apart.xyz", $"2\n{Cell}\nSi 1 1 1\nSi 1 1 1.15\n");
        var (code, _, stderr) = await _cli.RunAsync("nep", "eval", "--model", NepFixtures.TinyModel(_cli.Path("nep.txt")), "--input", apart, "--output", _cli.Path("ok.xyz"));
        Assert.True(code == 0, stderr);
    }

    [Theory]
    [InlineData("7.7785172e-02 garbage 123", "expected one number per line, found 3 tokens ('7.7785172e-02 garbage 123')")]
    [InlineData("3.287300\te-01", "expected one number per line, found 2 tokens ('3.287300 e-01')")]
    [InlineData("0.1x", "'0.1x' is not a finite number")]
    [InlineData("-1e308", "'-1e308' is beyond ±1e6")]
    public async Task A_nep_txt_parameter_line_with_extra_tokens_or_a_malformed_number_should_exit_2_naming_the_line(string damaged, string expected)
    {
        var lines = File.ReadAllLines(NepFixtures.TinyModel(_cli.Path("good-nep.txt")));
        lines[8] = damaged;
        var model = Write("nep.txt", string.Join('\n', lines) + "\n");
        var frames = Write("frames.xyz", $"2\n{Cell}\nSi 0 0 0\nSi 1.3 1.3 1.3\n");
        AssertOneErrorLine(await NepEvalFailsAsync(frames, model), $"nep.txt:9: parameters: {expected}");
    }

    [Theory]
    [InlineData("n_max 1 1 7", "nep.txt:3: n_max: has 3 values, at most 2 allowed ('7' is extra)")]
    [InlineData("ANN 3 0 0", "nep.txt:6: ANN: has 3 values, at most 2 allowed ('0' is extra)")]
    [InlineData("n_max 1 1000000", "nep.txt:3: n_max: 1000000 is outside 0…19")]
    public async Task A_nep_txt_keyword_line_with_extra_or_absurd_values_should_exit_2(string damaged, string expected)
    {
        var lines = File.ReadAllLines(NepFixtures.TinyModel(_cli.Path("good-nep.txt")));
        var k = Array.FindIndex(lines, l => l.StartsWith(damaged.Split(' ')[0], StringComparison.Ordinal));
        lines[k] = damaged;
        var model = Write("nep.txt", string.Join('\n', lines) + "\n");
        var frames = Write("frames.xyz", $"2\n{Cell}\nSi 0 0 0\nSi 1.3 1.3 1.3\n");
        AssertOneErrorLine(await NepEvalFailsAsync(frames, model), expected);
    }

    [Fact]
    public async Task A_nep_txt_with_numbers_after_the_last_parameter_should_exit_2()
    {
        var model = Write("nep.txt", File.ReadAllText(NepFixtures.TinyModel(_cli.Path("good-nep.txt"))) + "\n\n0.5\n");
        var frames = Write("frames.xyz", $"2\n{Cell}\nSi 0 0 0\nSi 1.3 1.3 1.3\n");
        AssertOneErrorLine(await NepEvalFailsAsync(frames, model), "nep.txt:56: parameters: more numbers than the header implies");
    }

    [Fact]
    public async Task An_empty_extended_xyz_file_should_exit_2_saying_no_frames()
    {
        AssertOneErrorLine(await NepEvalFailsAsync(Write("empty.xyz", "")), "empty.xyz:1: --input: no frames");
        AssertOneErrorLine(await NepEvalFailsAsync(Write("blank.xyz", "\n  \n")), "blank.xyz:1: --input: no frames");
    }

    [Theory]
    [InlineData("Si 1e20 0 0", "pos: '1e20' is beyond ±1e6 Å (frame 0, atom 2 of 2, column 2)")]
    [InlineData("Si 1 -2e6 0", "pos: '-2e6' is beyond ±1e6 Å (frame 0, atom 2 of 2, column 3)")]
    public async Task An_absurd_coordinate_should_exit_2_naming_line_and_column(string atom, string expected)
    {
        var input = Write("far.xyz", $"2\n{Cell}\nSi 0 0 0\n{atom}\n");
        AssertOneErrorLine(await NepEvalFailsAsync(input), $"far.xyz:4: {expected}");
    }

    [Theory]
    [InlineData("lattice=\"1e7 0 0 0 5 0 0 0 5\"", "lattice: '1e7' is beyond ±1e6 Å")]
    [InlineData("lattice=\"5 0 0 0 5 0 0 0 0\"", "lattice: the cell has zero volume")]
    [InlineData("lattice=\"5 0 0 0 5 0 0 0 0.01\"", "lattice: the cell is 0.01 Å thin")]
    [InlineData("lattice=\"5 0 0 0 5 0 0 0 5\" energy=1e300", "energy: '1e300' is beyond ±1e12 eV")]
    [InlineData("lattice=\"5 0 0 0 5 0 0 0 5\" virial=\"0 0 0 0 1e13 0 0 0 0\"", "virial: '1e13' is beyond ±1e12 eV")]
    public async Task An_absurd_cell_energy_or_virial_should_exit_2_naming_the_field(string header, string expected)
    {
        var input = Write("cell.xyz", $"2\n{header} properties=species:S:1:pos:R:3\nSi 0 0 0\nSi 1.3 1.3 1.3\n");
        AssertOneErrorLine(await NepEvalFailsAsync(input), $"cell.xyz:2: {expected}");
    }

    [Fact]
    public async Task An_absurd_force_should_exit_2()
    {
        var input = Write("force.xyz", "2\nlattice=\"5 0 0 0 5 0 0 0 5\" properties=species:S:1:pos:R:3:force:R:3\nSi 0 0 0 0 0 0\nSi 1.3 1.3 1.3 0 3e6 0\n");
        AssertOneErrorLine(await NepEvalFailsAsync(input), "force.xyz:4: force: '3e6' is beyond ±1e6 eV/Å (frame 0, atom 2 of 2, column 6)");
    }

    private string SurrogateCsv(string name, Func<int, string, string>? edit = null)
    {
        var random = new Random(3);
        var rows = Enumerable.Range(0, 24).Select(i =>
        {
            var (a, b) = (random.NextDouble(), random.NextDouble());
            var row = string.Create(CultureInfo.InvariantCulture, $"{a:R},{b:R},{(2 * a) - b:R}");
            return edit?.Invoke(i, row) ?? row;
        });
        return Write(name, "a,b,y\n" + string.Join('\n', rows) + "\n");
    }

    [Theory]
    [InlineData("1e308", "'1e308' is too large: values must lie within ±1e30 (column 2)")]
    [InlineData("-3e31", "'-3e31' is too large: values must lie within ±1e30 (column 2)")]
    [InlineData("NaN", "'NaN' is not a finite number")]
    [InlineData("Infinity", "'Infinity' is not a finite number")]
    [InlineData("1e999", "'1e999' is not a finite number")]
    public async Task A_non_finite_or_overflowing_csv_value_should_exit_2_naming_file_line_and_column(string value, string expected)
    {
        var data = SurrogateCsv("big.csv", (i, row) => i == 4 ? $"0.5,{value},0.25" : row);
        var outDir = _cli.Path("model");
        var (code, _, stderr) = await _cli.RunAsync("surrogate", "train", "--data", data, "--target", "y", "--inputs", "a,b", "--epochs", "2", "--ensemble", "1", "--out", outDir);
        Assert.True(code == 2, stderr);
        AssertOneErrorLine(stderr, $"big.csv:6: b: {expected}");
        Assert.False(Directory.Exists(outDir));
    }

    private string Campaign(string name, string body) => Write(name, body.Replace("\r", "", StringComparison.Ordinal));

    [Theory]
    [InlineData("neg.yaml", "name: neg\nengine: fd\nbase:\n  nx: 11\n  t_end: -1\nspace:\n  r: { type: choice, values: [0.1, 0.2] }\nsearch:\n  kind: grid\n",
        "neg.yaml:5: base.t_end: must be > 0 (got -1) (trial t0000: r=0.1)")]
    [InlineData("base-r.yaml", "name: base-r\nengine: fd\nbase: { r: 0.9 }\nspace:\n  nx: { type: choice, values: [11, 21] }\nsearch:\n  kind: grid\n",
        "base-r.yaml:3: base.r: the explicit scheme is unstable for r = αΔt/Δx² = 0.9 > 1/2")]
    public async Task A_fd_campaign_with_invalid_base_settings_should_exit_2_naming_its_yaml_line_before_anything_runs(string file, string yaml, string expected)
    {
        var (code, _, stderr) = await _cli.RunAsync("campaign", "run", Campaign(file, yaml));
        Assert.True(code == 2, stderr);
        AssertOneErrorLine(stderr, expected);
        Assert.False(File.Exists(Path.Combine(_cli.DataDir, "results.db")), "nothing may run");
    }

    [Fact]
    public async Task A_fd_campaign_with_an_unstable_r_in_its_space_should_exit_2_naming_the_axis_line()
    {
        var spec = Campaign("unstable.yaml", "name: unstable\nengine: fd\nbase:\n  nx: 11\n  t_end: 0.1\nspace:\n  nx: { type: choice, values: [11, 21] }\n  r:\n    type: choice\n    values: [0.3, 0.6, 0.7]\nsearch:\n  kind: grid\n");
        var (code, _, stderr) = await _cli.RunAsync("campaign", "run", spec);
        Assert.True(code == 2, stderr);
        AssertOneErrorLine(stderr, "unstable.yaml:8: space.r: the explicit scheme is unstable for r = αΔt/Δx² = 0.6 > 1/2");
        Assert.Contains("(trial t0001: nx=11, r=0.6)", stderr, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(_cli.DataDir, "results.db")), "nothing may run");
    }

    [Fact]
    public async Task A_fd_campaign_with_a_list_where_a_number_belongs_should_exit_2_naming_its_line()
    {
        var spec = Campaign("list.yaml", "engine: fd\nbase:\n  r: [0.6, 0.7]\nspace:\n  nx: { type: choice, values: [11, 21] }\nsearch:\n  kind: grid\n");
        var (code, _, stderr) = await _cli.RunAsync("campaign", "run", spec);
        Assert.True(code == 2, stderr);
        AssertOneErrorLine(stderr, "list.yaml:3: base.r: '0.6,0.7' is not a number (trial t0000: nx=11)");
    }

    [Fact]
    public async Task A_surrogate_campaign_with_bad_settings_or_data_should_exit_2_before_anything_runs()
    {
        var data = SurrogateCsv("films.csv", (i, row) => i == 7 ? "0.5,1e308,0.25" : row);
        var spec = Campaign("sur.yaml", "engine: surrogate\nbase:\n  data: films.csv\n  target: y\n  epochs: 2\nspace:\n  width: { type: choice, values: [4, 8] }\nsearch:\n  kind: grid\n");
        var (code, _, stderr) = await _cli.RunAsync("campaign", "run", spec);
        Assert.True(code == 2, stderr);
        AssertOneErrorLine(stderr, $"{data}:9: b: '1e308' is too large");

        SurrogateCsv("films.csv");
        spec = Campaign("sur.yaml", "engine: surrogate\nbase:\n  data: films.csv\n  target: y\n  epochs: 2\nspace:\n  lr: { type: choice, values: [0.01, -0.5] }\nsearch:\n  kind: grid\n");
        (code, _, stderr) = await _cli.RunAsync("campaign", "run", spec);
        Assert.True(code == 2, stderr);
        AssertOneErrorLine(stderr, "sur.yaml:7: space.lr: must be > 0 (got -0.5) (trial t0001: lr=-0.5)");
        Assert.False(File.Exists(Path.Combine(_cli.DataDir, "results.db")), "nothing may run");
    }

    [Fact]
    public async Task Campaign_run_check_should_plan_and_check_without_running_anything()
    {
        var spec = Campaign("ok.yaml", "name: ok\nengine: fd\nbase:\n  nx: 11\n  t_end: 0.1\nspace:\n  r: { type: choice, values: [0.1, 0.2] }\nsearch:\n  kind: grid\n");
        var (code, _, stderr) = await _cli.RunAsync("campaign", "run", spec, "--check");
        Assert.True(code == 0, stderr);
        Assert.Contains("2 trials of fd planned and checked; nothing was run", stderr, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(_cli.DataDir, "campaigns")));
    }
}
