using System.Globalization;
using System.Text.Json;
using ClusterML.Core.IO;
using ClusterML.Core.Results;
using ScottPlot;
using Spectre.Console;

namespace ClusterML.Cli.Output;

/// <summary>Leaderboards and exports of a campaign's results: CSV, JSON, metric-vs-hyperparameter and learning-curve plots.</summary>
internal static class CampaignReports
{
    public static Table Leaderboard(IReadOnlyList<TrialResult> results, int top)
    {
        var parameters = results.SelectMany(r => r.Parameters.Keys).Distinct().Order(StringComparer.Ordinal).ToArray();
        var table = new Table().AddColumn("rank").AddColumn("trial");
        foreach (var p in parameters)
        {
            table.AddColumn(Markup.Escape(p));
        }
        table.AddColumn(new TableColumn("loss").RightAligned()).AddColumn("status").AddColumn("attempts").AddColumn("artifacts");
        var ranked = results.OrderBy(r => r.Status == TrialStatus.Completed ? 0 : 1).ThenBy(r => r.FinalLoss ?? double.PositiveInfinity).Take(top);
        var rank = 0;
        foreach (var r in ranked)
        {
            rank++;
            table.AddRow([
                rank.ToString(CultureInfo.InvariantCulture), r.TrialId,
                .. parameters.Select(p => Markup.Escape(r.Parameters.TryGetValue(p, out var v) ? v : "")),
                Loss(r),
                r.Status.ToString().ToLowerInvariant() + (r.Error is { } e ? $": {Markup.Escape(e.Length > 60 ? e[..60] + "…" : e)}" : ""),
                r.Attempts.ToString(CultureInfo.InvariantCulture),
                // Relative to the campaign's export folder, where results.csv/json name the full path.
                r.ArtifactFolder is { } folder ? Markup.Escape($"trials/{Path.GetFileName(folder)}") : "–",
            ]);
        }
        return table;
    }

    /// <summary>A trial's final loss for tables (5 significant digits), or – when it has none.</summary>
    public static string Loss(TrialResult result) => result.FinalLoss is { } l ? l.ToString("G5", CultureInfo.InvariantCulture) : "–";

    /// <summary>A hyperparameter's text as a JSON value: a finite number, true/false, or the text.</summary>
    internal static System.Text.Json.Nodes.JsonNode? Typed(string text) =>
        text switch
        {
            "true" => System.Text.Json.Nodes.JsonValue.Create(true),
            "false" => System.Text.Json.Nodes.JsonValue.Create(false),
            _ when long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var whole) => System.Text.Json.Nodes.JsonValue.Create(whole),
            _ when double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var number) && double.IsFinite(number) => System.Text.Json.Nodes.JsonValue.Create(number),
            _ => System.Text.Json.Nodes.JsonValue.Create(text),
        };

    /// <summary>Writes results.csv, results.json, one PNG of the loss against each hyperparameter and the best trials' learning curves.</summary>
    /// <remarks>Each trial's artifact folder appears as an absolute path on this node (<c>artifact_folder</c>), empty when it kept none.</remarks>
    public static IReadOnlyList<string> Export(IResultStore store, string campaignId, string dataDir, Func<string, string> pathFor)
    {
        var results = store.Results(campaignId);
        var parameters = results.SelectMany(r => r.Parameters.Keys).Distinct().Order(StringComparer.Ordinal).ToArray();
        var metrics = results.SelectMany(r => r.Metrics.Keys).Distinct().Order(StringComparer.Ordinal).ToArray();
        var written = new List<string>();
        string[] fixedColumns = ["trial", "index", "status", "final_loss", "seed", "attempts", "node", "started_at_ms", "ended_at_ms", "error", "artifact_folder"];
        // Column names are unique: a metric named like a hyperparameter or a fixed column (an fd trial's metric r next to the
        // hyperparameter r) is written as metric_<name>.
        var taken = parameters.Concat(fixedColumns).ToHashSet(StringComparer.Ordinal);
        var metricColumns = metrics.Select(m => taken.Contains(m) ? $"metric_{m}" : m).ToArray();
        CsvTable.Write(pathFor("results.csv"),
            ["trial", "index", "status", "final_loss", .. parameters, .. metricColumns, "seed", "attempts", "node", "started_at_ms", "ended_at_ms", "error", "artifact_folder"],
            results.Select(r => (IReadOnlyList<string>)[
                r.TrialId, r.Index.ToString(CultureInfo.InvariantCulture), r.Status.ToString().ToLowerInvariant(), r.FinalLoss is { } l ? CsvTable.Format(l) : "",
                .. parameters.Select(p => r.Parameters.TryGetValue(p, out var v) ? v : ""),
                .. metrics.Select(m => r.Metrics.TryGetValue(m, out var v) ? CsvTable.Format(v) : ""),
                r.Seed.ToString(CultureInfo.InvariantCulture), r.Attempts.ToString(CultureInfo.InvariantCulture), r.Node,
                r.StartedAtMs.ToString(CultureInfo.InvariantCulture), r.EndedAtMs.ToString(CultureInfo.InvariantCulture), r.Error ?? "",
                CampaignModels.ArtifactFolder(dataDir, r) ?? ""]));
        written.Add("results.csv");
        // Hyperparameters are kept as the spec's text in the store; in results.json numbers and booleans are JSON values.
        var options = new JsonSerializerOptions { NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals };
        var json = new System.Text.Json.Nodes.JsonArray([.. results.Select(r =>
        {
            var node = JsonSerializer.SerializeToNode(r with { ArtifactFolder = CampaignModels.ArtifactFolder(dataDir, r) }, options)!;
            node["Parameters"] = new System.Text.Json.Nodes.JsonObject(r.Parameters.OrderBy(p => p.Key, StringComparer.Ordinal)
                .Select(p => KeyValuePair.Create(p.Key, Typed(p.Value))));
            return node;
        })]);
        File.WriteAllText(pathFor("results.json"), json.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n");
        written.Add("results.json");

        var completed = results.Where(r => r.Status == TrialStatus.Completed && r.FinalLoss is { } l && double.IsFinite(l)).ToArray();
        foreach (var parameter in parameters)
        {
            var points = completed.Select(r => (X: double.TryParse(r.Parameters.GetValueOrDefault(parameter), NumberStyles.Float, CultureInfo.InvariantCulture, out var x) ? x : double.NaN, Y: r.FinalLoss!.Value))
                .Where(p => double.IsFinite(p.X)).ToArray();
            if (points.Length == 0)
            {
                continue;
            }
            var plot = new Plot();
            var scatter = plot.Add.ScatterPoints(points.Select(p => p.X).ToArray(), points.Select(p => Math.Log10(Math.Max(p.Y, 1e-300))).ToArray());
            scatter.MarkerSize = 8;
            plot.Title($"Final loss vs {parameter}");
            plot.XLabel(parameter);
            plot.YLabel("log10 final loss");
            var file = $"loss_vs_{Sanitize(parameter)}.png";
            plot.SavePng(pathFor(file), 700, 500);
            written.Add(file);
        }

        var best = completed.OrderBy(r => r.FinalLoss).Take(5).Select(r => r.TrialId).ToHashSet();
        var epochs = store.Epochs(campaignId).Where(e => best.Contains(e.TrialId)).ToArray();
        if (epochs.Length > 0)
        {
            var metric = epochs.SelectMany(e => e.Metrics.Keys).Contains("validation_loss") ? "validation_loss" : epochs.SelectMany(e => e.Metrics.Keys).First();
            var plot = new Plot();
            foreach (var trial in epochs.GroupBy(e => e.TrialId))
            {
                var last = trial.GroupBy(e => e.Attempt).MaxBy(g => g.Key)!.Where(e => e.Metrics.ContainsKey(metric)).OrderBy(e => e.Epoch).ToArray();
                var line = plot.Add.ScatterLine(last.Select(e => (double)e.Epoch).ToArray(), last.Select(e => Math.Log10(Math.Max(e.Metrics[metric], 1e-300))).ToArray());
                line.LegendText = trial.Key;
                line.LineWidth = 2;
            }
            plot.Title($"Best trials: {metric} per epoch");
            plot.XLabel("epoch");
            plot.YLabel($"log10 {metric}");
            plot.ShowLegend(Alignment.UpperRight);
            plot.SavePng(pathFor("learning_curves.png"), 800, 550);
            written.Add("learning_curves.png");
        }
        return written;
    }

    private static string Sanitize(string name) => string.Concat(name.Select(c => char.IsLetterOrDigit(c) || c is '_' or '-' ? c : '_'));
}
