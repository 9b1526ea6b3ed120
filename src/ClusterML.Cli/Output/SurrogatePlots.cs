using ClusterML.Engines.Surrogate;
using ScottPlot;

namespace ClusterML.Cli.Output;

/// <summary>PNG reports of a surrogate: parity, learning curves, permutation importance, partial dependence, oracle verification.</summary>
internal static class SurrogatePlots
{
    /// <summary>Predicted vs true on the test set with ±2σ bars; log10 axes when the target is log-transformed.</summary>
    public static void Parity(SurrogateTrainingReport report, string path)
    {
        var target = report.Metadata.Target;
        var scale = target.Log ? (Func<double, double>)(v => Math.Log10(Math.Max(v, double.Epsilon))) : v => v;
        var label = AxisLabels.Of(target.Name);
        var truth = report.TestTruth.Select(scale).ToArray();
        var mean = report.TestPrediction.Mean.Select(scale).ToArray();
        var plot = new Plot();
        var low = report.TestPrediction.Mean.Zip(report.TestPrediction.Std, (m, s) => scale(Math.Max(m - (2 * s), m * 1e-3))).ToArray();
        var high = report.TestPrediction.Mean.Zip(report.TestPrediction.Std, (m, s) => scale(m + (2 * s))).ToArray();
        var zeros = new double[truth.Length];
        var bars = new ScottPlot.Plottables.ErrorBar(truth, mean, zeros, zeros, high.Zip(mean, (h, m) => h - m).ToArray(), mean.Zip(low, (m, l) => m - l).ToArray())
        {
            Color = Colors.Gray.WithAlpha(0.5),
        };
        plot.Add.Plottable(bars);
        var points = plot.Add.ScatterPoints(truth, mean);
        points.MarkerSize = 4;
        points.LegendText = "test set (bars ±2σ)";
        var (min, max) = (Math.Min(truth.Min(), mean.Min()), Math.Max(truth.Max(), mean.Max()));
        var diagonal = plot.Add.Line(min, min, max, max);
        diagonal.LinePattern = LinePattern.Dashed;
        diagonal.Color = Colors.Black;
        diagonal.LegendText = "y = x";
        var r2 = report.Metrics.TryGetValue(target.Log ? "test_r2_log10" : "test_r2", out var v) && v is { } r ? r : double.NaN;
        plot.Title($"Parity: {report.Members.Count}-member ensemble, test R² = {r2:F4}");
        if (target.Log)
        {
            LogPlots.Apply(plot, x: true, y: true);
        }
        plot.XLabel($"true {label}");
        plot.YLabel($"predicted {label}");
        plot.ShowLegend(Alignment.UpperLeft);
        plot.SavePng(path, 800, 700);
    }

    /// <summary>Training and validation loss per epoch for every member (log scale), best epoch marked.</summary>
    public static void LearningCurves(SurrogateTrainingReport report, string path)
    {
        var plot = new Plot();
        var palette = new ScottPlot.Palettes.Category10();
        foreach (var (member, i) in report.Members.Select((m, i) => (m, i)))
        {
            var epochs = Enumerable.Range(1, member.TrainLoss.Length).Select(e => (double)e).ToArray();
            var color = palette.GetColor(i);
            var train = plot.Add.ScatterLine(epochs, member.TrainLoss.Select(Log).ToArray());
            train.Color = color.WithAlpha(0.45);
            train.LegendText = i == 0 ? "train" : string.Empty;
            var validation = plot.Add.ScatterLine(epochs, member.ValidationLoss.Select(Log).ToArray());
            validation.Color = color;
            validation.LineWidth = 2;
            validation.LegendText = $"validation, member {member.Index} (best epoch {member.BestEpoch})";
        }
        LogPlots.LogAxis(plot);
        plot.Title("Learning curves (MSE in standardised target units)");
        plot.XLabel("epoch");
        plot.YLabel("loss (log scale)");
        plot.ShowLegend(Edge.Right);
        plot.SavePng(path, 1100, 600);
    }

    /// <summary>Bar chart of the permutation importance (drop in test R²) with ±1 std over repeats.</summary>
    public static void Importance(SurrogateTrainingReport report, string path)
    {
        var ranked = report.Importance.OrderBy(i => i.R2DropMean).ToArray();
        var plot = new Plot();
        var bars = ranked.Select((item, i) => new Bar { Position = i, Value = item.R2DropMean, Error = item.R2DropStd, Orientation = Orientation.Horizontal }).ToArray();
        plot.Add.Bars(bars);
        plot.Axes.Left.SetTicks(Enumerable.Range(0, ranked.Length).Select(i => (double)i).ToArray(), ranked.Select(i => i.Feature).ToArray());
        plot.Axes.Margins(left: 0);
        plot.Title("Permutation importance on the test set");
        plot.XLabel("drop in R² when the input is shuffled");
        plot.SavePng(path, 800, Math.Max(300, 90 * ranked.Length + 120));
    }

    /// <summary>
    /// One panel per input: the ensemble's mean prediction as that input sweeps its training range; an input with two values in
    /// the test rows (a 0/1 code) is drawn as two points, since values between them mean nothing. Log inputs and targets are on log axes.
    /// </summary>
    public static void PartialDependence(SurrogateTrainingReport report, string path)
    {
        var count = report.PartialDependence.Count;
        var columns = Math.Min(3, count);
        var rows = (count + columns - 1) / columns;
        var multiplot = new Multiplot();
        multiplot.AddPlots(count);
        multiplot.Layout = new ScottPlot.MultiplotLayouts.Grid(rows, columns);
        var target = report.Metadata.Target;
        for (var i = 0; i < count; i++)
        {
            var dependence = report.PartialDependence[i];
            var input = report.Metadata.Inputs[i];
            var plot = multiplot.GetPlot(i);
            var (xs, ys, binary) = DependencePoints(dependence, report.TestInputs.Select(row => row[i]));
            xs = input.Log ? xs.Select(Math.Log10).ToArray() : xs;
            ys = target.Log ? ys.Select(Log).ToArray() : ys;
            if (binary)
            {
                var points = plot.Add.ScatterPoints(xs, ys);
                points.MarkerSize = 10;
                plot.Axes.Bottom.SetTicks(xs, [.. xs.Select(x => x.ToString("G4", System.Globalization.CultureInfo.InvariantCulture))]);
            }
            else
            {
                var line = plot.Add.ScatterLine(xs, ys);
                line.LineWidth = 2;
            }
            if (input.Log || target.Log)
            {
                LogPlots.Apply(plot, x: input.Log && !binary, y: target.Log);
            }
            if (binary)
            {
                var pad = 0.5 * (xs[1] - xs[0]);
                plot.Axes.SetLimitsX(xs[0] - pad, xs[1] + pad);
            }
            plot.XLabel(AxisLabels.Of(input.Name) + (binary ? " (two values)" : ""));
            plot.YLabel(AxisLabels.Of(target.Name));
        }
        multiplot.SavePng(path, 420 * columns, 340 * rows);
    }

    /// <summary>
    /// The points a partial dependence panel draws: the whole grid as a line, or, when <paramref name="observed"/> (the input's
    /// values in the data) has at most two distinct values, only the grid's ends, which are those values (the grid spans the training range).
    /// </summary>
    internal static (double[] X, double[] Y, bool Binary) DependencePoints(PartialDependence dependence, IEnumerable<double> observed)
    {
        var distinct = observed.Distinct().Count();
        return distinct <= 2 && dependence.Grid.Length >= 2 && dependence.Grid[0] < dependence.Grid[^1]
            ? ([dependence.Grid[0], dependence.Grid[^1]], [dependence.MeanPrediction[0], dependence.MeanPrediction[^1]], true)
            : (dependence.Grid, dependence.MeanPrediction, false);
    }

    /// <summary>Surrogate (±2σ) against the oracle for the screened candidates.</summary>
    public static void Verification(double[] mean, double[] std, double[] oracle, string target, string oracleName, string path)
    {
        var plot = new Plot();
        var bars = plot.Add.ErrorBar(oracle, mean, std.Select(s => 2 * s).ToArray());
        bars.Color = Colors.Gray;
        var points = plot.Add.ScatterPoints(oracle, mean);
        points.MarkerSize = 7;
        var (min, max) = (Math.Min(oracle.Min(), mean.Min()), Math.Max(oracle.Max(), mean.Max()));
        var diagonal = plot.Add.Line(min, min, max, max);
        diagonal.LinePattern = LinePattern.Dashed;
        diagonal.Color = Colors.Black;
        plot.Title($"Top candidates: surrogate vs {oracleName}");
        plot.XLabel($"{oracleName}: {AxisLabels.Of(target)}");
        plot.YLabel($"surrogate: {AxisLabels.Of(target)} (±2σ)");
        plot.SavePng(path, 700, 600);
    }

    private static double Log(double value) => Math.Log10(Math.Max(value, 1e-300));
}
