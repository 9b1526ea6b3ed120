using ClusterML.Engines.Nep.Xyz;

namespace ClusterML.Cli.Tests.Commands;

/// <summary><c>data generate nep-frames</c> end to end on the tiny Si model and two of its teacher frames.</summary>
public sealed class NepFramesCommandTests : IDisposable
{
    private readonly CliRun _cli = new();

    public void Dispose() => _cli.Dispose();

    [Fact]
    public async Task Nep_frames_should_write_n_labelled_supercells_and_a_summary()
    {
        var model = NepFixtures.TinyModel(_cli.Path("nep.txt"));
        var from = NepFixtures.TeacherFrames(model, _cli.Path("from.xyz"), count: 2, seed: 5);
        var output = _cli.Path("frames.xyz");

        var (code, stdout, stderr) = await _cli.RunAsync("data", "generate", "nep-frames", "--model", model, "--from", from, "--n", "5",
            "--supercell", "2,1,1", "--rattle", "0.05", "--strain", "0.02", "--seed", "9", "--threads", "2", "--out", output);

        Assert.True(code == 0, stderr);
        var frames = ExtendedXyzReader.Read(output).ToList();
        Assert.Equal(5, frames.Count);
        Assert.All(frames, f =>
        {
            Assert.Equal(8, f.AtomCount);
            Assert.NotNull(f.Energy);
            Assert.NotNull(f.Forces);
            Assert.NotNull(f.Virial);
            Assert.Equal("nep-frames", f.Extra["config_type"]);
        });
        Assert.Matches(@"frames\W+5\b", stdout);
        Assert.Matches(@"atoms\W+40\b", stdout);
        Assert.Contains("max |force|", stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_bad_supercell_should_exit_2_naming_the_option_and_write_nothing()
    {
        var model = NepFixtures.TinyModel(_cli.Path("nep.txt"));
        var from = NepFixtures.TeacherFrames(model, _cli.Path("from.xyz"), count: 1, seed: 5);
        var output = _cli.Path("frames.xyz");

        var (code, _, stderr) = await _cli.RunAsync("data", "generate", "nep-frames", "--model", model, "--from", from, "--n", "3",
            "--supercell", "2,0,1", "--out", output);

        Assert.Equal(2, code);
        Assert.Contains("--supercell", stderr, StringComparison.Ordinal);
        Assert.False(File.Exists(output));
    }

    [Fact]
    public async Task A_missing_source_file_should_exit_2_naming_from()
    {
        var model = NepFixtures.TinyModel(_cli.Path("nep.txt"));

        var (code, _, stderr) = await _cli.RunAsync("data", "generate", "nep-frames", "--model", model, "--from", _cli.Path("none.xyz"), "--out", _cli.Path("o.xyz"));

        Assert.Equal(2, code);
        Assert.Contains("--from", stderr, StringComparison.Ordinal);
    }
}
