using System.Globalization;
using System.Text.Json;
using ClusterML.Cli.Analysis;
using ClusterML.Core.Campaigns;
using ClusterML.Core.IO;
using ClusterML.Core.Results;
using ClusterML.Core.Validation;
using ScottPlot;
using Spectre.Console;

namespace ClusterML.Cli.Output;

/// <summary>Leaderboards and exports of a campaign's results: CSV, JSON, metric-vs-hyperparameter and learning-curve plots.</summary>
internal static class CampaignReports
{
    /// <summary>The best <paramref name="top"/> of <paramref name="results"/> as a table; hyperparameters as <see cref="Shown"/>, or as
    /// stored when <paramref name="exact"/> (for --format csv|json, which scripts read).</summary>
    /// <remarks>
    /// Ranked by the campaign's <paramref name="objectives"/> (<see cref="CampaignRanking"/>; default: the final loss). A
    /// campaign with another objective gets a column per objective metric, one with several objectives a <c>front</c> column
    /// (1: the Pareto front), one with constraints a <c>feasible</c> column (<c>no (+violation)</c>); a completed trial lacking a
    /// metric shows it in its status.
    /// </remarks>
    public static Table Leaderboard(IReadOnlyList<TrialResult> results, int top, bool exact = false, CampaignObjectives? objectives = null)
    {
        objectives ??= CampaignObjectives.Default;
        var ranking = CampaignRanking.Of(results, objectives);
        var parameters = results.SelectMany(r => r.Parameters.Keys).Distinct().Order(StringComparer.Ordinal).ToArray();
        var objectiveColumns = objectives.Objectives.Where(o => o.Metric != CampaignObjectives.LossMetric).ToArray();
        var table = new Table().AddColumn("rank");
        if (objectives.IsMultiObjective)
        {
            table.AddColumn(new TableColumn("front").RightAligned());
        }
        table.AddColumn("trial");
        foreach (var p in parameters)
        {
            table.AddColumn(Markup.Escape(p));
        }
        table.AddColumn(new TableColumn("loss").RightAligned());
        foreach (var o in objectiveColumns)
        {
            table.AddColumn(new TableColumn(Markup.Escape($"{o.Metric} ({o.Mode.ToString().ToLowerInvariant()})")).RightAligned());
        }
        if (!objectives.Constraints.IsEmpty)
        {
            table.AddColumn("feasible");
        }
        table.AddColumn("status").AddColumn("attempts").AddColumn("artifacts");
        var rank = 0;
        foreach (var t in ranking.Ordered.Take(top))
        {
            var r = t.Result;
            rank++;
            List<string> row = [rank.ToString(CultureInfo.InvariantCulture)];
            if (objectives.IsMultiObjective)
            {
                row.Add(t.Front is { } front ? front.ToString(CultureInfo.InvariantCulture) : t.Infeasible ? "infeasible" : "–");
            }
            row.Add(r.TrialId);
            row.AddRange(parameters.Select(p => Markup.Escape(r.Parameters.TryGetValue(p, out var v) ? exact ? v : Shown(v) : "")));
            row.Add(Loss(r));
            row.AddRange(objectiveColumns.Select(o => CampaignObjectives.MetricValue(o.Metric, r) is { } v && r.Status == TrialStatus.Completed
                ? exact ? v.ToString("R", CultureInfo.InvariantCulture) : v.ToString("G5", CultureInfo.InvariantCulture) : "–"));
            if (!objectives.Constraints.IsEmpty)
            {
                row.Add(t.Score is { } score ? score.Feasible ? "yes" : $"no (+{score.Violation.ToString("G3", CultureInfo.InvariantCulture)})" : "–");
            }
            row.Add(r.Status.ToString().ToLowerInvariant()
                + (t.Missing.Count > 0 ? Markup.Escape($": no {string.Join(", ", t.Missing)}") : "")
                + (r.Error is { } e ? $": {Markup.Escape(e.Length > 60 ? e[..60] + "…" : e)}" : ""));
            row.Add(r.Attempts.ToString(CultureInfo.InvariantCulture));
            // Relative to the campaign's export folder, where results.csv/json name the full path.
            row.Add(r.ArtifactFolder is { } folder ? Markup.Escape($"trials/{Path.GetFileName(folder)}") : "–");
            table.AddRow([.. row]);
        }
        return table;
    }

    /// <summary>
    /// A hyperparameter as tables and messages show it: a real number with more than 6 significant digits (a random or
    /// model-based search's 0.028129412836451522) to 6 (0.0281294); anything else as stored. Exports keep every digit.
    /// </summary>
    public static string Shown(string value) =>
        value.Length > 8 && value.Any(c => c is '.' or 'e' or 'E')
            && double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var number) && double.IsFinite(number)
            ? number.ToString("G6", CultureInfo.InvariantCulture)
            : value;

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

    /// <summary>
    /// The hyperparameter importance of a campaign's completed trials for their final loss (<see cref="HyperparameterImportance"/>,
    /// seeded with the campaign's seed), or null when the campaign's spec is not stored or no longer reads (its space is needed).
    /// </summary>
    public static ImportanceReport? Importance(CampaignRecord? campaign, IReadOnlyList<TrialResult> results)
    {
        if (SpecOf(campaign) is not { } spec)
        {
            return null;
        }
        var completed = results.Where(r => r.Status == TrialStatus.Completed && r.FinalLoss is { } l && double.IsFinite(l)).OrderBy(r => r.Index).ToArray();
        return HyperparameterImportance.Evaluate(spec.Space, [.. completed.Select(r => r.Parameters)], [.. completed.Select(r => r.FinalLoss!.Value)], spec.Seed);
    }

    /// <summary>The importance table: each hyperparameter, its share of the loss's variance in % (1 decimal) and a bar of up to 20 blocks.</summary>
    public static Table ImportanceTable(ImportanceReport report)
    {
        var table = new Table().AddColumn("hyperparameter").AddColumn(new TableColumn("importance").RightAligned()).AddColumn("");
        foreach (var axis in report.Axes)
        {
            table.AddRow(Markup.Escape(axis.Axis), (100 * axis.Importance).ToString("F1", CultureInfo.InvariantCulture) + " %", new string('█', (int)Math.Round(20 * axis.Importance)));
        }
        return table;
    }

    /// <summary>The heading printed above the importance table (or the message when there is none).</summary>
    public static string ImportanceHeading(ImportanceReport report) =>
        report.HasImportances
            ? $"Importance: the share of the final loss's variance each hyperparameter explains alone ({report.Method}, {report.TrialsUsed} completed trials)"
            : $"Importance: {report.Message}";

    /// <summary>The importance as a JSON object for <c>--format json</c>: importances as fractions (0–1), largest first.</summary>
    public static System.Text.Json.Nodes.JsonObject ImportanceJson(ImportanceReport report) => new()
    {
        ["method"] = report.Method,
        ["objective"] = "final_loss",
        ["trials_used"] = report.TrialsUsed,
        ["minimum_trials"] = report.MinimumTrials,
        ["message"] = report.Message,
        ["hyperparameters"] = new System.Text.Json.Nodes.JsonArray([.. report.Axes.Select(a => (System.Text.Json.Nodes.JsonNode)new System.Text.Json.Nodes.JsonObject
        {
            ["hyperparameter"] = a.Axis,
            ["importance"] = a.Importance,
        })]),
    };

    /// <summary>Writes results.csv, results.json, one PNG of the loss against each hyperparameter and the best trials' learning curves.</summary>
    /// <remarks>Each trial's artifact folder appears as an absolute path on this node (<c>artifact_folder</c>), empty when it kept none.</remarks>
    public static IReadOnlyList<string> Export(IResultStore store, string campaignId, string dataDir, Func<string, string> pathFor) =>
        Export(store, campaignId, dataDir, pathFor, out _);

    /// <summary>
    /// As <see cref="Export(IResultStore, string, string, Func{string, string})"/>, and <c>importance.png</c> when the
    /// campaign's trials give importances; <paramref name="importance"/> is the report drawn (null without a readable spec).
    /// </summary>
    public static IReadOnlyList<string> Export(IResultStore store, string campaignId, string dataDir, Func<string, string> pathFor, out ImportanceReport? importance)
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

        var campaign = store.FindCampaign(campaignId);
        if (ClusterML.Core.Active.ActiveSpec.IsRoundEngine(campaign?.Engine))
        {
            // Active learning: rounds and oracle calls, not hyperparameters (its trials' parameters are candidates).
            importance = null;
            written.AddRange(ActiveReports.Export(results, pathFor, dataDir));
            return written;
        }
        var plan = CampaignPlotPlan.Of(campaign?.Engine ?? "", SpecOf(campaign), results, store.Epochs(campaignId));
        foreach (var plot in plan.Parameters)
        {
            Draw(plot, pathFor(plot.File));
            written.Add(plot.File);
        }
        if (plan.LearningCurves is { } curves)
        {
            Draw(curves, pathFor("learning_curves.png"));
            written.Add("learning_curves.png");
        }
        importance = Importance(campaign, results);
        if (importance is not null && CampaignPlotPlan.ImportanceOf(importance, plan.ObjectiveLabel) is { } bars)
        {
            Draw(bars, pathFor(bars.File));
            written.Add(bars.File);
        }
        foreach (var schedule in PbtSchedulePlot.Of(SpecOf(campaign), results))
        {
            schedule.Draw(pathFor(schedule.File));
            written.Add(schedule.File);
        }
        foreach (var pareto in ParetoPlot.Of(CampaignRanking.Of(results, ObjectivesOf(campaign))))
        {
            Draw(pareto, pathFor(pareto.File));
            written.Add(pareto.File);
        }
        return written;
    }

    /// <summary>What the campaign optimises, from its stored spec (the final loss when there is none or it no longer reads).</summary>
    public static CampaignObjectives ObjectivesOf(CampaignRecord? campaign) =>
        SpecOf(campaign) is { } spec ? CampaignObjectives.Of(spec) : CampaignObjectives.Default;

    /// <summary>The campaign's spec as stored with it, or null when there is none or it no longer reads (the plots then guess kinds from the values).</summary>
    internal static CampaignSpec? SpecOf(CampaignRecord? campaign)
    {
        if (campaign is not { SpecText.Length: > 0 })
        {
            return null;
        }
        try
        {
            return CampaignSpecReader.Parse(campaign.SpecText, campaign.SpecPath);
        }
        catch (InvalidInputException)
        {
            return null;
        }
    }

    private static readonly ScottPlot.Color StoppedColor = Colors.OrangeRed;

    private static double Scaled(AxisScale scale, double value) => scale == AxisScale.Log10 ? Math.Log10(value) : value;

    private static void Draw(ParameterPlot spec, string path)
    {
        var plot = new Plot();
        var completedColor = new ScottPlot.Palettes.Category10().GetColor(0);
        void Points(IEnumerable<(double X, double Y)> points, bool stopped, string legend)
        {
            var array = points.ToArray();
            if (array.Length == 0)
            {
                return;
            }
            var scatter = plot.Add.ScatterPoints(array.Select(p => p.X).ToArray(), array.Select(p => Scaled(spec.YScale, p.Y)).ToArray());
            scatter.MarkerSize = stopped ? 9 : 8;
            scatter.MarkerShape = stopped ? MarkerShape.OpenTriangleDown : MarkerShape.FilledCircle;
            scatter.Color = stopped ? StoppedColor : completedColor;
            scatter.LegendText = $"{legend} ({array.Length})";
        }
        if (spec.Kind == ParameterPlotKind.Strip)
        {
            for (var i = 0; i < spec.Categories.Count; i++)
            {
                var completed = spec.Points.Where(p => !p.Stopped && p.Category == spec.Categories[i]).Select(p => Scaled(spec.YScale, p.Y)).Order().ToArray();
                if (completed.Length >= 3)
                {
                    var box = plot.Add.Box(new Box
                    {
                        Position = i,
                        BoxMin = ClusterML.Engines.Surrogate.Statistics.Quantile(completed, 0.25),
                        BoxMax = ClusterML.Engines.Surrogate.Statistics.Quantile(completed, 0.75),
                        BoxMiddle = ClusterML.Engines.Surrogate.Statistics.Quantile(completed, 0.5),
                        WhiskerMin = completed[0],
                        WhiskerMax = completed[^1],
                        Width = 0.5,
                    });
                    // The plot's palette would give each box its own colour; a box summarises the completed points it encloses.
                    box.FillColor = completedColor.WithAlpha(0.15);
                    box.LineColor = completedColor.WithAlpha(0.8);
                }
            }
            // Points beside each other within a category (deterministic spread, no random jitter).
            (double X, double Y)[] Strip(bool stopped) =>
            [
                .. spec.Points.Where(p => p.Stopped == stopped).GroupBy(p => p.Category).SelectMany(g =>
                {
                    var at = spec.Categories.ToList().IndexOf(g.Key!);
                    var n = g.Count();
                    return g.Select((p, k) => (at + (n == 1 ? 0 : -0.15 + (0.3 * k / (n - 1))) + (stopped ? 0.05 : 0), p.Y));
                }),
            ];
            Points(Strip(stopped: false), stopped: false, "completed");
            Points(Strip(stopped: true), stopped: true, CampaignPlotPlan.StoppedEarly);
            plot.Axes.Bottom.SetTicks([.. Enumerable.Range(0, spec.Categories.Count).Select(i => (double)i)], [.. spec.Categories]);
        }
        else
        {
            Points(spec.Points.Where(p => !p.Stopped).Select(p => (Scaled(spec.XScale, p.X), p.Y)), stopped: false, "completed");
            Points(spec.Points.Where(p => p.Stopped).Select(p => (Scaled(spec.XScale, p.X), p.Y)), stopped: true, CampaignPlotPlan.StoppedEarly + ": last reported value");
            if (spec.XTicks.Count > 0 && spec.XScale == AxisScale.Linear)
            {
                plot.Axes.Bottom.SetTicks([.. spec.XTicks], [.. spec.XTicks.Select(x => x.ToString("G4", CultureInfo.InvariantCulture))]);
            }
        }
        LogPlots.Apply(plot, x: spec.XScale == AxisScale.Log10, y: spec.YScale == AxisScale.Log10);
        if (spec.Kind == ParameterPlotKind.Strip)
        {
            plot.Axes.SetLimitsX(-0.6, spec.Categories.Count - 0.4);
        }
        else if (spec.XTicks.Count >= 2 && spec.XScale == AxisScale.Linear)
        {
            // Half a step beside the outer values, so a choice of two is not drawn against the frame.
            var gap = spec.XTicks.Zip(spec.XTicks.Skip(1), (a, b) => b - a).Min();
            plot.Axes.SetLimitsX(spec.XTicks[0] - (0.5 * gap), spec.XTicks[^1] + (0.5 * gap));
        }
        plot.Title($"Final {spec.YLabel}, by {spec.Parameter}");
        plot.XLabel(spec.XLabel + (spec.XScale == AxisScale.Log10 ? " (log scale)" : ""));
        plot.YLabel(spec.YLabel + (spec.YScale == AxisScale.Log10 ? " (log scale)" : ""));
        plot.ShowLegend(Edge.Bottom); // outside the data, which can sit in any corner
        plot.SavePng(path, 700, 540);
    }

    private static void Draw(ImportancePlot spec, string path)
    {
        var plot = new Plot();
        var color = new ScottPlot.Palettes.Category10().GetColor(0);
        var bars = plot.Add.Bars(spec.Bars.Select((b, i) => new Bar { Position = i, Value = b.Importance, FillColor = color, Label = b.Importance.ToString("P1", CultureInfo.InvariantCulture) }).ToList());
        bars.Horizontal = true;
        bars.ValueLabelStyle.FontSize = 12;
        plot.Axes.Left.SetTicks([.. Enumerable.Range(0, spec.Bars.Count).Select(i => (double)i)], [.. spec.Bars.Select(b => b.Parameter)]);
        // From 0, with room on the right for the value labels; ticks every 0.1 (0.05 when every bar is short).
        var right = Math.Min(1.1, Math.Max(0.05, spec.Bars.Max(b => b.Importance)) * 1.2);
        var step = right > 0.3 ? 0.1 : 0.05;
        var ticks = Enumerable.Range(0, (int)Math.Floor(right / step) + 1).Select(k => Math.Round(k * step, 2)).Where(x => x <= 1).ToArray();
        plot.Axes.Bottom.SetTicks(ticks, [.. ticks.Select(x => x.ToString("0.##", CultureInfo.InvariantCulture))]);
        plot.Axes.SetLimitsX(0, right);
        plot.Axes.SetLimitsY(-0.6, spec.Bars.Count - 0.4);
        plot.Title(spec.Title);
        plot.XLabel(spec.XLabel);
        plot.SavePng(path, 800, Math.Max(260, 140 + (45 * spec.Bars.Count)));
    }

    private static void Draw(ParetoPlot spec, string path)
    {
        var plot = new Plot();
        var palette = new ScottPlot.Palettes.Category10();
        if (spec.Line.Count >= 2)
        {
            var line = plot.Add.ScatterLine(spec.Line.Select(p => p.X).ToArray(), spec.Line.Select(p => p.Y).ToArray());
            line.Color = palette.GetColor(3).WithAlpha(0.6);
            line.LineWidth = 2;
            line.MarkerSize = 0;
        }
        foreach (var (kind, name, color, shape, size) in new[]
        {
            (ParetoPointKind.Dominated, "dominated", palette.GetColor(0).WithAlpha(0.6), MarkerShape.FilledCircle, 7f),
            (ParetoPointKind.Infeasible, "infeasible", Colors.Gray, MarkerShape.Eks, 8f),
            (ParetoPointKind.Front, "Pareto front", palette.GetColor(3), MarkerShape.FilledDiamond, 11f),
        })
        {
            var points = spec.Points.Where(p => p.Kind == kind).ToArray();
            if (points.Length == 0)
            {
                continue;
            }
            var scatter = plot.Add.ScatterPoints(points.Select(p => p.X).ToArray(), points.Select(p => p.Y).ToArray());
            scatter.Color = color;
            scatter.MarkerShape = shape;
            scatter.MarkerSize = size;
            scatter.LegendText = $"{name} ({points.Length})";
        }
        plot.Title($"Pareto front: {spec.Points.Count(p => p.Kind == ParetoPointKind.Front)} of {spec.Points.Count} trials");
        plot.XLabel(spec.XLabel);
        plot.YLabel(spec.YLabel);
        plot.ShowLegend(Edge.Bottom);
        plot.SavePng(path, 700, 560);
    }

    private static void Draw(LearningCurvePlot spec, string path)
    {
        var plot = new Plot();
        var palette = new ScottPlot.Palettes.Category10();
        var stoppedShown = false;
        foreach (var (curve, i) in spec.Curves.Select((c, i) => (c, i)))
        {
            var line = plot.Add.ScatterLine(curve.Points.Select(p => (double)p.Epoch).ToArray(), curve.Points.Select(p => Scaled(spec.YScale, p.Value)).ToArray());
            if (curve.Stopped)
            {
                line.Color = StoppedColor.WithAlpha(0.5);
                line.LineWidth = 1;
                line.LegendText = stoppedShown ? "" : $"{CampaignPlotPlan.StoppedEarly} ({spec.Curves.Count(c => c.Stopped)})";
                stoppedShown = true;
            }
            else
            {
                line.Color = palette.GetColor(i);
                line.LineWidth = 2;
                line.LegendText = curve.Label;
            }
            line.MarkerSize = !curve.Stopped && curve.Points.Count <= 20 ? 4 : 0;
        }
        LogPlots.Apply(plot, x: false, y: spec.YScale == AxisScale.Log10);
        var best = spec.Curves.Count(c => !c.Stopped);
        plot.Title(best > 0 ? $"Best {best} completed trial{(best == 1 ? "" : "s")}{(best < spec.Curves.Count ? " and the early-stopped ones" : "")}" : "Early-stopped trials");
        plot.XLabel("epoch");
        plot.YLabel(spec.YLabel + (spec.YScale == AxisScale.Log10 ? " (log scale)" : ""));
        plot.ShowLegend(Edge.Right);
        // Room for the legend beside a data area of about 750 px (legend text is about 7 px a character).
        var longest = spec.Curves.Select(c => c.Stopped ? 20 : c.Label.Length).DefaultIfEmpty(10).Max();
        plot.SavePng(path, 800 + (7 * longest), 550);
    }
}
