using System.Globalization;
using ClusterML.Core.Campaigns;
using ClusterML.Core.Results;

namespace ClusterML.Cli.Output;

/// <summary>How a hyperparameter is drawn against the objective: numbers as a scatter, categories (text, booleans) as box-and-strip plots.</summary>
internal enum ParameterPlotKind
{
    Scatter,
    Strip,
}

/// <summary>An axis drawn linearly or as log10 of the values (labelled in powers of ten by <see cref="LogPlots"/>).</summary>
internal enum AxisScale
{
    Linear,
    Log10,
}

/// <summary>One trial in a parameter plot: its x (the number, raw units; NaN for a category), category, objective value, and whether it was stopped early.</summary>
internal sealed record PlotPoint(string TrialId, double X, string? Category, double Y, bool Stopped);

/// <summary>
/// One <c>loss_vs_PARAM.png</c>: what is drawn, on which axes and with which labels. <see cref="XTicks"/> are the values a
/// numeric axis with few values (a choice of numbers, a short int range) can take, ticked instead of automatic ticks; empty otherwise.
/// </summary>
internal sealed record ParameterPlot(string File, string Parameter, ParameterPlotKind Kind, AxisScale XScale, AxisScale YScale, string XLabel, string YLabel,
    IReadOnlyList<string> Categories, IReadOnlyList<PlotPoint> Points, IReadOnlyList<double> XTicks)
{
    /// <summary>The legend's series with their point counts: completed trials, then the early-stopped ones (each only when there are any).</summary>
    public IReadOnlyList<(string Name, int Count)> Series =>
    [
        .. new[] { (Name: "completed", Count: Points.Count(p => !p.Stopped)), (Name: CampaignPlotPlan.StoppedEarly, Count: Points.Count(p => p.Stopped)) }
            .Where(s => s.Count > 0),
    ];
}

/// <summary>One trial's curve in <c>learning_curves.png</c>: (epoch, value) of its last attempt; <see cref="Label"/> names the trial and its hyperparameters.</summary>
internal sealed record LearningCurve(string TrialId, string Label, bool Stopped, IReadOnlyList<(int Epoch, double Value)> Points);

/// <summary><c>learning_curves.png</c>: <see cref="Metric"/> (an epoch metric's name) per epoch of the best completed trials and the stopped ones.</summary>
internal sealed record LearningCurvePlot(string Metric, string YLabel, AxisScale YScale, IReadOnlyList<LearningCurve> Curves);

/// <summary>
/// <c>importance.png</c>: one horizontal bar per hyperparameter, <see cref="Bars"/> bottom to top (so the most important is on
/// top), each the fraction (0–1) of the objective's variance it explains alone.
/// </summary>
internal sealed record ImportancePlot(string File, string Title, string XLabel, IReadOnlyList<(string Parameter, double Importance)> Bars);

/// <summary>
/// The plots a campaign export draws, decided from the campaign's engine, spec and results without drawing anything (so the
/// choices can be tested): the objective each engine's trials minimise on the y axes, a plot per hyperparameter whose kind and
/// x scale follow the search space (log-uniform → log axis, choices of text or booleans → strip plots), early-stopped trials
/// drawn with their last reported value of the objective, and learning curves only for engines that report epochs.
/// </summary>
internal sealed record CampaignPlotPlan(string Objective, string ObjectiveLabel, IReadOnlyList<ParameterPlot> Parameters, LearningCurvePlot? LearningCurves)
{
    /// <summary>The legend name of early-stopped trials.</summary>
    public const string StoppedEarly = "stopped early";

    /// <summary>What an engine's trial loss is, the epoch metric that tracks it (null: none), and whether its epochs are training epochs.</summary>
    private sealed record EngineObjective(string Name, string Label, string[] EpochMetrics, bool ReportsEpochs);

    // fd reports the fraction of the run done as "epochs" 1-10 (train_loss = fraction): not a learning curve.
    private static EngineObjective ObjectiveOf(string engine) => engine switch
    {
        "fd" => new("max_abs_error_vs_analytic", "max |T − T_exact|", [], false),
        "pinn" => new("rel_l2_vs_analytic", "relative L2 error vs analytic", ["rel_l2"], true),
        "surrogate" => new("validation_loss", "validation loss (MSE, standardised)", ["validation_loss"], true),
        "nep" => new("force_rmse", "force RMSE (eV/Å)", ["validation_loss", "rmse_f"], true),
        _ => new("final_loss", "final loss", ["validation_loss", "train_loss"], true),
    };

    /// <summary>How an epoch metric is labelled on an axis.</summary>
    public static string EpochMetricLabel(string engine, string metric) => (engine, metric) switch
    {
        ("nep", "validation_loss") => "test force RMSE (eV/Å)",
        ("nep", "train_loss") => "training loss (weighted)",
        ("nep", "rmse_f") => "training force RMSE (eV/Å)",
        ("nep", "rmse_e") => "training energy RMSE (eV/atom)",
        ("nep", "rmse_v") => "training virial RMSE (eV/atom)",
        ("surrogate", "validation_loss") => "validation loss (MSE, standardised)",
        ("surrogate", "train_loss") => "training loss (MSE, standardised)",
        ("pinn", "rel_l2") => "relative L2 error vs analytic",
        ("pinn", "pde") => "PDE residual loss",
        ("pinn", "train_loss") => "training loss",
        _ => metric.Replace('_', ' '),
    };

    /// <summary>Decides the plots. <paramref name="spec"/> is the campaign's spec when it could be read (null: kinds are guessed from the values).</summary>
    public static CampaignPlotPlan Of(string engine, CampaignSpec? spec, IReadOnlyList<TrialResult> results, IReadOnlyList<EpochMetrics> epochs)
    {
        var objective = ObjectiveOf(engine);
        // A campaign with one objective other than the loss (objective: {metric: …}) is drawn against that metric.
        var chosen = spec?.Objectives is [var single] && single.Metric != CampaignObjectives.LossMetric ? single : null;
        if (chosen is not null)
        {
            objective = new EngineObjective(chosen.Metric, $"{chosen.Metric.Replace('_', ' ')} ({(chosen.Mode == MetricMode.Max ? "higher" : "lower")} is better)",
                [chosen.Metric], objective.ReportsEpochs);
        }
        var maximize = chosen?.Mode == MetricMode.Max;
        // Each trial's last attempt, in epoch order.
        var history = epochs.GroupBy(e => e.TrialId, StringComparer.Ordinal).ToDictionary(g => g.Key,
            g => g.GroupBy(e => e.Attempt).MaxBy(a => a.Key)!.OrderBy(e => e.Epoch).ToArray(), StringComparer.Ordinal);
        double? LastReported(string trialId) =>
            history.TryGetValue(trialId, out var rows)
                ? objective.EpochMetrics.Select(m => rows.LastOrDefault(e => e.Metrics.ContainsKey(m))?.Metrics[m]).FirstOrDefault(v => v is { } x && double.IsFinite(x))
                : null;

        // Failed trials have no value to show; a stopped trial has its last reported value of the objective (the store keeps no final loss for it).
        var drawn = results
            .Select(r => (Result: r, Y: r.Status switch
            {
                TrialStatus.Completed => chosen is null ? r.FinalLoss : CampaignObjectives.MetricValue(chosen.Metric, r),
                TrialStatus.Stopped => (chosen is null ? r.FinalLoss : null) ?? LastReported(r.TrialId),
                _ => null,
            }))
            .Where(t => t.Y is { } y && double.IsFinite(y))
            .Select(t => (t.Result, Y: t.Y!.Value, Stopped: t.Result.Status == TrialStatus.Stopped))
            .ToArray();
        var yScale = drawn.Length > 0 && drawn.All(t => t.Y > 0) ? AxisScale.Log10 : AxisScale.Linear;
        // PBT's bookkeeping (member, generation, the checkpoint's trial) is not a hyperparameter: its plots are pbt_*.png.
        var parameters = results.SelectMany(r => r.Parameters.Keys)
            .Where(k => k is not (Core.Campaigns.Pbt.MemberKey or Core.Campaigns.Pbt.GenerationKey or Core.Campaigns.Pbt.FromKey))
            .Distinct().Order(StringComparer.Ordinal).ToArray();
        var plots = new List<ParameterPlot>();
        foreach (var parameter in parameters)
        {
            var axis = spec?.Space.FirstOrDefault(a => a.Name == parameter);
            var values = drawn.Where(t => t.Result.Parameters.ContainsKey(parameter)).Select(t => (t.Result, t.Y, t.Stopped, Text: t.Result.Parameters[parameter])).ToArray();
            if (values.Length == 0)
            {
                continue;
            }
            var numeric = values.All(v => Number(v.Text) is not null);
            var kind = axis switch
            {
                ChoiceSpace choice => choice.Values.All(v => v is CampaignValue.Integer or CampaignValue.Real) && numeric ? ParameterPlotKind.Scatter : ParameterPlotKind.Strip,
                IntSpace or UniformSpace or LogUniformSpace when numeric => ParameterPlotKind.Scatter,
                _ => numeric ? ParameterPlotKind.Scatter : ParameterPlotKind.Strip,
            };
            var xScale = kind == ParameterPlotKind.Scatter && axis is LogUniformSpace && values.All(v => Number(v.Text) > 0) ? AxisScale.Log10 : AxisScale.Linear;
            IReadOnlyList<string> categories = kind == ParameterPlotKind.Strip
                ? [.. (axis is ChoiceSpace c ? c.Values.Select(v => v.ToString()) : []).Concat(values.Select(v => v.Text).Order(StringComparer.Ordinal)).Distinct(StringComparer.Ordinal)]
                : [];
            var points = values.Select(v => new PlotPoint(v.Result.TrialId, kind == ParameterPlotKind.Scatter ? Number(v.Text)!.Value : double.NaN,
                kind == ParameterPlotKind.Strip ? v.Text : null, v.Y, v.Stopped)).ToArray();
            IReadOnlyList<double> ticks = (kind, axis) switch
            {
                (ParameterPlotKind.Scatter, ChoiceSpace numbers) => [.. numbers.Values.Select(v => v.TryGetDouble(out var x) ? x : double.NaN).Where(double.IsFinite).Order()],
                (ParameterPlotKind.Scatter, IntSpace { Count: <= 12 } i) => [.. Enumerable.Range(0, (int)i.Count).Select(k => (double)i.ValueAt(k))],
                _ => [],
            };
            plots.Add(new ParameterPlot($"{(chosen is null ? "loss" : Sanitize(chosen.Metric))}_vs_{Sanitize(parameter)}.png", parameter, kind, xScale, yScale, AxisLabels.Of(parameter), objective.Label, categories, points, ticks));
        }
        var labelled = drawn.Select(d => (d.Result.TrialId, Label: $"{d.Result.TrialId}: {string.Join(", ", d.Result.Parameters.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"{p.Key}={Short(p.Value)}"))}",
            d.Y, d.Stopped)).ToArray();
        return new CampaignPlotPlan(objective.Name, objective.Label, plots, Curves(engine, spec, objective, labelled, history, maximize));
    }

    private static LearningCurvePlot? Curves(string engine, CampaignSpec? spec, EngineObjective objective, (string TrialId, string Label, double Y, bool Stopped)[] drawn,
        Dictionary<string, EpochMetrics[]> history, bool maximize)
    {
        if (!objective.ReportsEpochs || history.Count == 0)
        {
            return null;
        }
        var reported = history.Values.SelectMany(rows => rows.SelectMany(e => e.Metrics.Keys)).ToHashSet(StringComparer.Ordinal);
        // The metric early stopping judged, else the one that tracks the objective, else what the engine reports.
        string?[] preferred = [spec?.EarlyStopping?.Metric, .. objective.EpochMetrics, "validation_loss", "train_loss"];
        if (preferred.FirstOrDefault(m => m is not null && reported.Contains(m)) is not { } metric)
        {
            return null;
        }
        var chosen = drawn.Where(d => !d.Stopped).OrderBy(d => maximize ? -d.Y : d.Y).Take(5).Concat(drawn.Where(d => d.Stopped)).ToArray();
        var curves = chosen
            .Select(d => new LearningCurve(d.TrialId, d.Label, d.Stopped, history.TryGetValue(d.TrialId, out var rows)
                ? [.. rows.Where(e => e.Metrics.TryGetValue(metric, out var v) && double.IsFinite(v)).Select(e => (e.Epoch, e.Metrics[metric]))]
                : []))
            .Where(c => c.Points.Count > 0)
            .ToArray();
        if (curves.Length == 0)
        {
            return null;
        }
        var yScale = curves.All(c => c.Points.All(p => p.Value > 0)) ? AxisScale.Log10 : AxisScale.Linear;
        return new LearningCurvePlot(metric, EpochMetricLabel(engine, metric), yScale, curves);
    }

    /// <summary>
    /// The importance plot of <paramref name="report"/>, or null when it has no importances (too few trials, one axis, a
    /// constant objective: the table says why).
    /// </summary>
    public static ImportancePlot? ImportanceOf(ClusterML.Cli.Analysis.ImportanceReport report, string objectiveLabel) =>
        report.HasImportances
            ? new ImportancePlot("importance.png", $"Importance for the {objectiveLabel} (fANOVA, {report.TrialsUsed} trials)",
                "importance (fraction of variance)", [.. report.Axes.OrderBy(a => a.Importance).Select(a => (a.Axis, a.Importance))])
            : null;

    /// <summary>A hyperparameter's text for a legend: numbers to 4 significant digits (a sampled learning rate has 17).</summary>
    private static string Short(string text) => Number(text) is { } x && text.Length > 6 ? x.ToString("G4", CultureInfo.InvariantCulture) : text;

    private static double? Number(string text) =>
        double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var x) && double.IsFinite(x) ? x : null;

    private static string Sanitize(string name) => string.Concat(name.Select(c => char.IsLetterOrDigit(c) || c is '_' or '-' ? c : '_'));
}
