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

    public static Table Table(IReadOnlyList<Round> rounds, bool goal)
    {
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
            var status = round.Status == TrialStatus.Completed
                ? round.Metric(ActiveProposer.StopMetric) is > 0 && round.Metric("stop_reason") is { } code ? $"stop: {StopReasons.Describe((int)code)}" : "completed"
                : round.Status.ToString().ToLowerInvariant();
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

    /// <summary>Writes active_rounds.csv and active_learning.png; returns their names.</summary>
    public static IReadOnlyList<string> Export(IReadOnlyList<TrialResult> results, Func<string, string> pathFor)
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
        return written;
    }

    private static void Draw(IReadOnlyList<Round> rounds, string path)
    {
        var error = rounds.Any(r => r.Metric("test_r2_log10") is not null) ? ("test_r2_log10", "test R² of log10(target)")
            : rounds.Any(r => r.Metric("test_r2") is not null) ? ("test_r2", "test R²") : ("test_rmse", "test RMSE");
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
        first.Title("The surrogate's error against oracle calls");
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
