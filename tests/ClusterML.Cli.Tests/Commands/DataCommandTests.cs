using ClusterML.Core.IO;

namespace ClusterML.Cli.Tests.Commands;

public sealed class DataCommandTests : IDisposable
{
    private readonly CliRun _cli = new();

    public void Dispose() => _cli.Dispose();

    [Theory]
    [InlineData("thin-film", "k_W_mK")]
    [InlineData("slack", "kappa_W_mK")]
    [InlineData("heat-fd", "t_half_s")]
    public async Task Generate_should_write_the_same_file_for_the_same_seed(string oracle, string output)
    {
        var first = _cli.Path($"{oracle}-1.csv");
        var second = _cli.Path($"{oracle}-2.csv");
        Assert.Equal(0, (await _cli.RunAsync("data", "generate", oracle, "--n", "40", "--seed", "3", "--out", first)).ExitCode);
        Assert.Equal(0, (await _cli.RunAsync("data", "generate", oracle, "--n", "40", "--seed", "3", "--out", second)).ExitCode);
        Assert.Equal(File.ReadAllText(first), File.ReadAllText(second));
        var table = CsvTable.Read(first, "--out");
        Assert.Equal(40, table.Count);
        Assert.All(table.Numeric(output), v => Assert.True(double.IsFinite(v)));
    }

    [Fact]
    public async Task Help_should_show_the_ranges_and_which_columns_are_drawn_together()
    {
        var (code, stdout, _) = await _cli.RunAsync("data", "generate", "slack", "--help");
        Assert.Equal(0, code);
        Assert.Contains("mean_mass_amu 10–200 log-uniform", stdout, StringComparison.Ordinal);
        Assert.Contains("debye_K 100–2300 (correlated)", stdout, StringComparison.Ordinal);
        Assert.Contains("gruneisen 0.7–2.5;", stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_bad_row_count_or_oracle_should_exit_2()
    {
        var (code, _, stderr) = await _cli.RunAsync("data", "generate", "slack", "--n", "0", "--out", _cli.Path("x.csv"));
        Assert.Equal(2, code);
        Assert.Contains("--n: must be at least 1", stderr, StringComparison.Ordinal);
        Assert.False(File.Exists(_cli.Path("x.csv")));
        Assert.Equal(2, (await _cli.RunAsync("data", "generate", "dft", "--out", _cli.Path("x.csv"))).ExitCode);
    }
}
