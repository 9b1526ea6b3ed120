using System.Globalization;
using System.Text.Json;

namespace ClusterML.Cli.Tests.Commands;

public sealed class FdHeatCommandTests : IDisposable
{
    private readonly CliRun _cli = new();

    public void Dispose() => _cli.Dispose();

    [Fact]
    public async Task Fd_heat_should_write_the_solution_summary_and_plot()
    {
        var outDir = _cli.Path("out/fd");
        var (code, stdout, stderr) = await _cli.RunAsync("fd", "heat", "--nx", "41", "--t-end", "0.5", "--snapshots", "3", "--out", outDir);
        Assert.True(code == 0, stderr);
        Assert.Contains("max |T − T_exact|", stdout, StringComparison.Ordinal);

        var lines = File.ReadAllLines(Path.Combine(outDir, "solution.csv"));
        Assert.Equal("x,t,T", lines[0]);
        Assert.Equal(1 + (41 * 3), lines.Length);
        var rows = lines.Skip(1).Select(l => l.Split(',').Select(v => double.Parse(v, CultureInfo.InvariantCulture)).ToArray()).ToArray();
        Assert.Equal([0.0, 0.25, 0.5], rows.Select(r => r[1]).Distinct().Select(t => Math.Round(t, 12)));
        Assert.Equal([1.0, 0.5, 1.0], rows[^1]);   // x = L at t_end holds the right boundary value
        Assert.Equal([0.0, 0.5, 0.0], rows[^41]);  // x = 0 holds the left one
        Assert.All(rows, r => Assert.InRange(r[2], 0.0, 1.0)); // maximum principle

        using var summary = JsonDocument.Parse(File.ReadAllText(Path.Combine(outDir, "summary.json")));
        var json = summary.RootElement;
        Assert.Equal(0.4, json.GetProperty("r").GetDouble(), tolerance: 1e-12);
        Assert.Equal(0.5 / (0.4 * 0.025 * 0.025 / 0.1), json.GetProperty("steps").GetInt64(), tolerance: 0.5);
        var error = json.GetProperty("max_abs_error_vs_analytic").GetDouble();
        Assert.InRange(error, 1e-6, 5e-3); // dx = 0.025, r = 0.4 at τ ≥ 0.01
        Assert.True(json.GetProperty("wall_seconds").GetDouble() >= 0);

        var png = File.ReadAllBytes(Path.Combine(outDir, "heat.png"));
        Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G' }, png[..4]);
        Assert.True(png.Length > 20_000, $"heat.png is only {png.Length} bytes");

        Assert.NotEmpty(Directory.GetFiles(Path.Combine(_cli.DataDir, "logs"), "clusterml-*.log"));
        Assert.Equal(["fd"], Directory.GetFileSystemEntries(_cli.Path("out")).Select(Path.GetFileName));
    }

    [Fact]
    public async Task Crank_Nicolson_should_run_beyond_the_explicit_limit()
    {
        var outDir = _cli.Path("cn");
        var (code, _, stderr) = await _cli.RunAsync("fd", "heat", "--scheme", "crank-nicolson", "--r", "5", "--nx", "81", "--out", outDir);
        Assert.True(code == 0, stderr);
        using var summary = JsonDocument.Parse(File.ReadAllText(Path.Combine(outDir, "summary.json")));
        Assert.Equal("crank-nicolson", summary.RootElement.GetProperty("scheme").GetString());
        Assert.InRange(summary.RootElement.GetProperty("max_abs_error_vs_analytic").GetDouble(), 1e-7, 5e-3);
    }

    [Theory]
    [InlineData("--r", "0.6", "--r", "largest stable dt")]
    [InlineData("--dt", "0.01", "--dt", "r ≤ 1/2")]
    [InlineData("--nx", "2", "--nx", "at least 3")]
    [InlineData("--alpha", "0", "--alpha", "must be > 0")]
    [InlineData("--alpha", "-1", "--alpha", "must be > 0")]
    [InlineData("--alpha", "NaN", "--alpha", "finite")]
    [InlineData("--t-end", "0", "--t-end", "must be > 0")]
    [InlineData("--t-end", "NaN", "--t-end", "finite")]
    [InlineData("--left", "Infinity", "--left", "finite")]
    [InlineData("--nx", "abc", "--nx", "Cannot parse")]
    [InlineData("--scheme", "implicit", "implicit", "")]
    public async Task Bad_input_should_exit_2_naming_the_option_and_write_nothing(string option, string value, string named, string says)
    {
        var outDir = _cli.Path("bad");
        var (code, _, stderr) = await _cli.RunAsync("fd", "heat", option, value, "--out", outDir);
        Assert.Equal(ExitCodes.BadInput, code);
        Assert.Contains(named, stderr, StringComparison.Ordinal);
        Assert.Contains(says, stderr, StringComparison.Ordinal);
        Assert.False(Directory.Exists(outDir));
        Assert.Empty(Directory.GetDirectories(_cli.Root, ".bad*"));
    }

    [Fact]
    public async Task A_failed_rerun_should_leave_the_previous_results_intact()
    {
        var outDir = _cli.Path("keep");
        Assert.Equal(0, (await _cli.RunAsync("fd", "heat", "--nx", "21", "--out", outDir)).ExitCode);
        var before = File.ReadAllText(Path.Combine(outDir, "summary.json"));
        Assert.Equal(2, (await _cli.RunAsync("fd", "heat", "--nx", "21", "--r", "0.9", "--out", outDir)).ExitCode);
        Assert.Equal(before, File.ReadAllText(Path.Combine(outDir, "summary.json")));
    }

    [Fact]
    public async Task Json_logs_should_be_one_object_per_line()
    {
        var (code, _, stderr) = await _cli.RunAsync("--log-format", "json", "fd", "heat", "--nx", "11", "--out", _cli.Path("j"));
        Assert.Equal(0, code);
        var lines = stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.NotEmpty(lines);
        Assert.All(lines, line => Assert.Equal(JsonValueKind.Object, JsonDocument.Parse(line).RootElement.ValueKind));
    }
}
