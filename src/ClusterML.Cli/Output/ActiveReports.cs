using System.Globalization;
using ClusterML.Core.Active;
using ClusterML.Core.IO;
using ClusterML.Core.Results;
using ScottPlot;
using Spectre.Console;

namespace ClusterML.Cli.Output;

/// <summary>
/// What an active-learning campaign shows: one row per round trial (round, arm, oracle calls so far, labelled rows, the
/// model's test error, the pool's largest σ, the best label found, the batch picked, why it stopped), the table of those,
/// <c>active_rounds.csv</c>, and <c>active_learning.png</c> (the model's error against oracle calls, each arm a line; with a
/// goal also the best label found against oracle calls).
/// </summary>
internal static class ActiveReports
{
    public sealed record Round(string TrialId, int Number, string Arm, TrialStatus Status, int OracleCalls, int Labelled, IReadOnlyDictionary<string, double> Metrics)
    {
        public double? Metric(string key) => Metrics.TryGetValue(key, out var v) && double.IsFinite(v) ? v : null;
    }

    /// <summary>The round trials, in round order (the design first), active arm before random.</summary>
    public static IReadOnlyList<Round> Rounds(IReadOnlyList<TrialResult> results) =>
        [.. results.Where(r => r.Parameters.ContainsKey(ActiveProposer.SelectKey) && r.Parameters.ContainsKey(ActiveProposer.RoundKey))
            .Select(r => new Round(r.TrialId, Int(r.Parameters[ActiveProposer.RoundKey]), r.Parameters.GetValueOrDefault(ActiveProposer.ArmKey, ""), r.Status,
                r.Metrics.TryGetValue("oracle_calls", out var calls) ? (int)calls : Int(r.Parameters.GetValueOrDefault(ActiveProposer.OracleCallsKey, "0")),
                r.Metrics.TryGetValue("labelled", out var labelled) ? (int)labelled : Int(r.Parameters.GetValueOrDefault(ActiveProposer.LabelledKey, "0")), r.Metrics))
            .OrderBy(r => r.Number).ThenBy(r => r.Arm == ActiveSpec.RandomArm)];

    /// <summary>Oracle calls made (completed or failed; skipped ones were never made), per arm.</summary>
    public static (int Active, int Random, int Failed) OracleCalls(IReadOnlyList<TrialResult> results)
    {
        var calls = results.Where(r => r.Parameters.ContainsKey(ActiveProposer.CandidateKey) && r.Status is TrialStatus.Completed or TrialStatus.Failed).ToList();
        var random = calls.Count(r => r.Parameters.GetValueOrDefault(ActiveProposer.ArmKey) == ActiveSpec.RandomArm);
        return (calls.Count - random, random, calls.Count(r => r.Status == TrialStatus.Failed));
    }

    /// <summary>The trial whose model is the campaign's result: the active arm's last completed round.</summary>
    public static Round? ModelRound(IReadOnlyList<TrialResult> results) =>
        Rounds(results).LastOrDefault(r => r.Number > 0 && r.Arm == ActiveSpec.ActiveArm && r.Status == TrialStatus.Completed);

    /// <summary>Whether the rounds are a potential's (a NEP committee's: force errors and the trust window instead of R²).</summary>
    public static bool IsPotential(IReadOnlyList<Round> rounds) => rounds.Any(r => r.Metric("fine_tuned") is not null);

    public static Table Table(IReadOnlyList<Round> rounds, bool goal)
    {
        if (IsPotential(rounds))
        {
            return PotentialTable(rounds);
        }
        var table = new Table().AddColumn("round").AddColumn("arm").AddColumn(new TableColumn("oracle calls").RightAligned()).AddColumn(new TableColumn("labelled").RightAligned())
            .AddColumn(new TableColumn("test R²").RightAligned()).AddColumn(new TableColumn("test R² (log10)").RightAligned()).AddColumn(new TableColumn("test RMSE").RightAligned())
            .AddColumn(new TableColumn("σ max (pool)").RightAligned());
        if (goal)
        {
            table.AddColumn(new TableColumn("best found").RightAligned());
        }
        table.AddColumn(new TableColumn("picked").RightAligned()).AddColumn("status");
        foreach (var round in rounds)
        {
            string Shown(string key) => round.Metric(key) is { } v ? v.ToString("G4", CultureInfo.InvariantCulture) : "–";
            var status = StatusText(round);
            List<string> cells = [round.Number.ToString(CultureInfo.InvariantCulture), round.Arm, round.OracleCalls.ToString(CultureInfo.InvariantCulture),
                round.Labelled.ToString(CultureInfo.InvariantCulture), Shown("test_r2"), Shown("test_r2_log10"), Shown("test_rmse"), Shown("sigma_max")];
            if (goal)
            {
                cells.Add(Shown("best_label"));
            }
            cells.Add(Shown("selected"));
            cells.Add(Markup.Escape(status));
            table.AddRow([.. cells]);
        }
        return table;
    }

    /// <summary>A round's state, with the stopping rule it met.</summary>
    private static string StatusText(Round round) => round.Status == TrialStatus.Completed
        ? round.Metric(ActiveProposer.StopMetric) is > 0 && round.Metric("stop_reason") is { } code ? $"stop: {StopReasons.Describe((int)code)}" : "completed"
        : round.Status.ToString().ToLowerInvariant();

    /// <summary>A potential's rounds: the committee's force error on the test frames and how the pool falls in the trust window.</summary>
    private static Table PotentialTable(IReadOnlyList<Round> rounds)
    {
        var table = new Table().AddColumn("round").AddColumn("arm").AddColumn(new TableColumn("oracle calls").RightAligned()).AddColumn(new TableColumn("labelled").RightAligned())
            .AddColumn(new TableColumn("F RMSE meV/Å (committee mean)").RightAligned()).AddColumn(new TableColumn("F RMSE meV/Å (member 0)").RightAligned())
            .AddColumn(new TableColumn("E RMSE meV/atom").RightAligned()).AddColumn(new TableColumn("σmax meV/Å (pool mean)").RightAligned())
            .AddColumn(new TableColumn("below / in / above window").RightAligned()).AddColumn(new TableColumn("picked").RightAligned()).AddColumn("status");
        foreach (var round in rounds)
        {
            string Milli(string key) => round.Metric(key) is { } v ? (v * 1000).ToString("F1", CultureInfo.InvariantCulture) : "–";
            string Count(string key) => round.Metric(key) is { } v ? v.ToString("F0", CultureInfo.InvariantCulture) : "–";
            var status = StatusText(round);
            var window = round.Metric("candidates") is null ? "–" : $"{Count("accurate")} / {Count("candidates")} / {Count("failed")}";
            table.AddRow(round.Number.ToString(CultureInfo.InvariantCulture), round.Arm, round.OracleCalls.ToString(CultureInfo.InvariantCulture),
                round.Labelled.ToString(CultureInfo.InvariantCulture), Milli("test_rmse"), Milli("force_rmse"), Milli("energy_rmse"), Milli("deviation_mean"), window,
                Count("selected"), Markup.Escape(status));
        }
        return table;
    }

    /// <summary>
    /// Writes active_rounds.csv and active_learning.png, and for a potential deviation_histograms.png (each active round's
    /// histogram of the pool's largest committee force deviation, from its round.json under <paramref name="dataDir"/>); returns their names.
    /// </summary>
    public static IReadOnlyList<string> Export(IReadOnlyList<TrialResult> results, Func<string, string> pathFor, string? dataDir = null)
    {
        var rounds = Rounds(results);
        var keys = rounds.SelectMany(r => r.Metrics.Keys).Where(k => !k.StartsWith(ActiveProposer.PickPrefix, StringComparison.Ordinal)).Distinct().Order(StringComparer.Ordinal).ToArray();
        CsvTable.Write(pathFor("active_rounds.csv"), ["trial", "round", "arm", "status", "oracle_calls", "labelled", .. keys],
            rounds.Select(r => (IReadOnlyList<string>)[r.TrialId, r.Number.ToString(CultureInfo.InvariantCulture), r.Arm, r.Status.ToString().ToLowerInvariant(),
                r.OracleCalls.ToString(CultureInfo.InvariantCulture), r.Labelled.ToString(CultureInfo.InvariantCulture),
                .. keys.Select(k => r.Metrics.TryGetValue(k, out var v) ? CsvTable.Format(v) : "")]));
        var written = new List<string> { "active_rounds.csv" };
        var trained = rounds.Where(r => r.Number > 0 && r.Status == TrialStatus.Completed).ToList();
        if (trained.Count > 0)
        {
            Draw(trained, pathFor("active_learning.png"));
            written.Add("active_learning.png");
        }
        if (dataDir is not null && IsPotential(trained) && DrawHistograms(results, trained, dataDir, pathFor("deviation_histograms.png")))
        {
            written.Add("deviation_histograms.png");
        }
        return written;
    }

    /// <summary>One line per active-arm round: how many unlabelled pool structures fall in each bin of the largest force deviation.</summary>
    private static bool DrawHistograms(IReadOnlyList<TrialResult> results, IReadOnlyList<Round> rounds, string dataDir, string path)
    {
        var plot = new Plot();
        var palette = new ScottPlot.Palettes.Category10();
        var drawn = 0;
        foreach (var round in rounds.Where(r => r.Arm == ActiveSpec.ActiveArm))
        {
            var folder = results.FirstOrDefault(r => r.TrialId == round.TrialId)?.ArtifactFolder;
            var file = folder is null ? null : Path.Combine(dataDir, folder, "round.json");
            if (file is null || !File.Exists(file))
            {
                continue;
            }
            using var json = System.Text.Json.JsonDocument.Parse(File.ReadAllText(file));
            if (!json.RootElement.TryGetProperty("deviation_histogram", out var histogram) || histogram.ValueKind != System.Text.Json.JsonValueKind.Object)
            {
                continue;
            }
            var edges = histogram.GetProperty("edges_eV_per_A").EnumerateArray().Select(e => e.GetDouble() * 1000).ToArray();
            var counts = histogram.GetProperty("counts").EnumerateArray().Select(c => (double)c.GetInt32()).ToArray();
            var line = plot.Add.ScatterLine(counts.Select((_, k) => Math.Log10(Math.Sqrt(edges[k] * edges[k + 1]))).ToArray(), counts);
            line.Color = palette.GetColor(drawn++);
            line.LineWidth = 2;
            line.MarkerSize = 5;
            line.LegendText = $"round {round.Number} ({round.Labelled} labelled)";
        }
        if (drawn == 0)
        {
            return false;
        }
        plot.Title("The pool's largest committee force deviation, per round (first and last bins: everything beyond)");
        plot.XLabel("log10 of the max force deviation (meV/Å), geometric bin centre");
        plot.YLabel("unlabelled structures");
        plot.ShowLegend(Edge.Right);
        plot.SavePng(path, 1000, 500);
        return true;
    }

    private static void Draw(IReadOnlyList<Round> rounds, string path)
    {
        var error = rounds.Any(r => r.Metric("test_r2_log10") is not null) ? ("test_r2_log10", "test R² of log10(target)")
            : rounds.Any(r => r.Metric("test_r2") is not null) ? ("test_r2", "test R²")
            : IsPotential(rounds) ? ("test_rmse", "test force RMSE (eV/Å)") : ("test_rmse", "test RMSE");
        var goal = rounds.Any(r => r.Metric("best_label") is not null);
        var multi = new Multiplot();
        multi.AddPlots(goal ? 2 : 1);
        var palette = new ScottPlot.Palettes.Category10();
        void Lines(Plot plot, string key, string label)
        {
            foreach (var (arm, k) in rounds.Select(r => r.Arm).Distinct().Select((a, k) => (a, k)))
            {
                var points = rounds.Where(r => r.Arm == arm && r.Metric(key) is not null).Select(r => (X: (double)r.OracleCalls, Y: r.Metric(key)!.Value)).ToArray();
                if (points.Length == 0)
                {
                    continue;
                }
                var line = plot.Add.ScatterLine(points.Select(p => p.X).ToArray(), points.Select(p => p.Y).ToArray());
                line.Color = palette.GetColor(k);
                line.LineWidth = 2;
                line.MarkerSize = 6;
                line.LegendText = arm == ActiveSpec.RandomArm ? "random sampling" : "active learning";
            }
            plot.XLabel("oracle calls");
            plot.YLabel(label);
            plot.ShowLegend(Edge.Bottom);
        }
        var first = multi.GetPlot(0);
        Lines(first, error.Item1, error.Item2);
        first.Title(IsPotential(rounds) ? "The committee's force error against oracle calls" : "The surrogate's error against oracle calls");
        if (goal)
        {
            var second = multi.GetPlot(1);
            Lines(second, "best_label", "best label found");
            second.Title("The best candidate found against oracle calls");
        }
        multi.SavePng(path, goal ? 1400 : 900, 550);
    }

    private static int Int(string text) => int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) ? v : 0;
}
