using ScottPlot;

namespace ClusterML.Cli.Output;

/// <summary>Loss plots on a log scale (as GPUMD's): log10 of each series against the step, the axis labelled in powers of ten.</summary>
internal static class LogPlots
{
    /// <summary>Adds log10 of the positive values of <paramref name="value"/> against <paramref name="step"/>; nothing when there are none.</summary>
    public static void AddLine<T>(Plot plot, IEnumerable<T> items, Func<T, int> step, Func<T, double?> value, string name, float markerSize = 0)
    {
        var points = items.Where(e => value(e) is > 0).Select(e => (X: (double)step(e), Y: Math.Log10(value(e)!.Value))).ToArray();
        if (points.Length == 0)
        {
            return;
        }
        var line = plot.Add.ScatterLine(points.Select(p => p.X).ToArray(), points.Select(p => p.Y).ToArray());
        line.LegendText = name;
        line.LineWidth = 1.5f;
        line.MarkerSize = markerSize;
    }

    /// <summary>Labels the left axis of a plot of log10 values as powers of ten, with log-spaced minor ticks.</summary>
    public static void LogAxis(Plot plot) =>
        plot.Axes.Left.TickGenerator = new ScottPlot.TickGenerators.NumericAutomatic
        {
            LabelFormatter = y => $"1e{y:0}",
            MinorTickGenerator = new ScottPlot.TickGenerators.LogMinorTickGenerator(),
            IntegerTicksOnly = true,
        };
}
