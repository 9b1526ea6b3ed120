using System.Globalization;
using System.Text.Json;
using ClusterML.Cli.Analysis;
using ClusterML.Cli.Output;
using ClusterML.Core.Results;
using ClusterML.Storage;

namespace ClusterML.Cli.Tests.Commands;

/// <summary><c>campaign results</c> on a finished campaign written straight into the results store: the Importance section, JSON and importance.png.</summary>
public sealed class CampaignImportanceTests : IDisposable
{
    private const string Spec = """
        name: importance
        engine: fd
        seed: 4
        space:
          r: { type: uniform, low: 0.1, high: 0.5 }
          nx: { type: int, low: 11, high: 41, step: 2 }
        search:
          kind: random
        budget:
          max_trials: 30
        """;

    private readonly CliRun _cli = new();

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        _cli.Dispose();
    }

    /// <summary>A completed campaign of <paramref name="trials"/> trials whose loss is 10·r plus a trace of nx.</summary>
    private void Finished(string id, int trials)
    {
        Directory.CreateDirectory(_cli.DataDir);
        var store = new SqliteResultStore(Path.Combine(_cli.DataDir, "results.db"));
        store.SaveCampaign(new CampaignRecord(id, "importance", "fd", "importance.yaml", Spec, "completed", trials, 0, 1));
        var random = new Random(7);
        store.RecordBatch([.. Enumerable.Range(0, trials).Select(k =>
        {
            var r = 0.1 + (0.4 * random.NextDouble());
            var nx = 11 + (2 * random.Next(16));
            return new TrialResult(id, $"t{k:0000}", k, new Dictionary<string, string>
            {
                ["r"] = r.ToString("R", CultureInfo.InvariantCulture),
                ["nx"] = nx.ToString(CultureInfo.InvariantCulture),
            }, k, TrialStatus.Completed, (10 * r) + (0.001 * nx), new Dictionary<string, double>(), null, [], "n", 1, 0, 1);
        })], []);
    }

    [Fact]
    public async Task Results_should_show_an_importance_table_after_the_leaderboard_and_draw_importance_png()
    {
        Finished("imp", 30);

        var (code, stdout, stderr) = await _cli.RunAsync("campaign", "results", "--id", "imp");

        Assert.True(code == 0, stderr);
        var lines = stdout.Split('\n');
        var heading = Array.FindIndex(lines, l => l.StartsWith("Importance: ", StringComparison.Ordinal));
        Assert.True(heading > 0, stdout);
        Assert.Contains("30 completed trials", lines[heading], StringComparison.Ordinal);
        // The importance table's rows: r first (the loss is 10·r), with most of the variance.
        var rows = lines.Skip(heading).Where(l => l.StartsWith('│')).Select(l => l.Split('│', StringSplitOptions.TrimEntries)).Skip(1).ToArray();
        Assert.Equal(["r", "nx"], rows.Select(r => r[1]));
        Assert.True(double.Parse(rows[0][2].TrimEnd('%', ' '), CultureInfo.InvariantCulture) > 90, stdout);
        Assert.StartsWith("████████████████", rows[0][3], StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(_cli.DataDir, "campaigns", "imp", "importance.png")));
        Assert.True(new FileInfo(Path.Combine(_cli.DataDir, "campaigns", "imp", "importance.png")).Length > 1000);

        var json = await _cli.RunAsync("campaign", "results", "--id", "imp", "--format", "json", "--importance");
        Assert.True(json.ExitCode == 0, json.Error);
        using var parsed = JsonDocument.Parse(json.Out);
        Assert.Equal(10, parsed.RootElement.GetProperty("trials").GetArrayLength());
        var importance = parsed.RootElement.GetProperty("importance");
        Assert.Equal(30, importance.GetProperty("trials_used").GetInt32());
        var axes = importance.GetProperty("hyperparameters").EnumerateArray().ToArray();
        Assert.Equal("r", axes[0].GetProperty("hyperparameter").GetString());
        Assert.Equal(1, axes.Sum(a => a.GetProperty("importance").GetDouble()), tolerance: 1e-12);

        // Without --importance, json and csv stay the trial rows only.
        using var plain = JsonDocument.Parse((await _cli.RunAsync("campaign", "results", "--id", "imp", "--format", "json")).Out);
        Assert.Equal(JsonValueKind.Array, plain.RootElement.ValueKind);
        var csv = await _cli.RunAsync("campaign", "results", "--id", "imp", "--format", "csv");
        Assert.DoesNotContain("Importance", csv.Out, StringComparison.Ordinal);
        Assert.Equal(2, (await _cli.RunAsync("campaign", "results", "--id", "imp", "--format", "csv", "--importance")).ExitCode);
    }

    [Fact]
    public async Task Results_of_too_few_trials_should_say_how_many_importance_needs()
    {
        Finished("few", 5);

        var (code, stdout, stderr) = await _cli.RunAsync("campaign", "results", "--id", "few");

        Assert.True(code == 0, stderr);
        Assert.Contains("Importance: importance needs at least 8 completed trials (5 so far)", stdout, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(_cli.DataDir, "campaigns", "few", "importance.png")));
    }

    [Fact]
    public void The_importance_plot_should_put_the_most_important_bar_on_top_and_be_left_out_without_importances()
    {
        var report = new ImportanceReport(HyperparameterImportance.Method, 12, 8, [new AxisImportance("lr", 0.7), new AxisImportance("width", 0.2), new AxisImportance("layers", 0.1)], null);

        var plot = CampaignPlotPlan.ImportanceOf(report, "validation loss")!;

        Assert.Equal("importance.png", plot.File);
        Assert.Equal("importance (fraction of variance)", plot.XLabel);
        Assert.Equal(["layers", "width", "lr"], plot.Bars.Select(b => b.Parameter)); // bottom to top
        Assert.Null(CampaignPlotPlan.ImportanceOf(report with { Axes = [], Message = "importance needs at least 8 completed trials (3 so far)" }, "loss"));
    }
}
