using ScottPlot;

namespace ClusterML.Cli.Output;

/// <summary>
/// Log-scale axes, drawn as log10 of the data with ticks labelled as powers of ten (10⁻¹, 10⁰, 10²; 2×10⁻³ on narrow
/// ranges), minor ticks at 2–9 × each decade. Every log axis of the CLI's plots goes through <see cref="Apply"/>.
/// </summary>
internal static class LogPlots
{
    private const string Superscripts = "⁰¹²³⁴⁵⁶⁷⁸⁹";

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

    /// <summary>10 to the power <paramref name="exponent"/> with a superscript exponent: 10⁻¹, 10⁰, 10².</summary>
    public static string Decade(int exponent) =>
        "10" + (exponent < 0 ? "⁻" : "") + string.Concat(Math.Abs((long)exponent).ToString(System.Globalization.CultureInfo.InvariantCulture).Select(d => Superscripts[d - '0']));

    /// <summary>
    /// The ticks of a log axis whose data span log10 values <paramref name="low"/>..<paramref name="high"/>, and the axis range.
    /// Data over 1.5 decades or more: the range widens to the enclosing whole decades, labelled ticks at each decade, unlabelled
    /// ones (null label) at 2–9 × each decade. Narrower data keep their own range (padded by a tenth) so they are not squeezed
    /// into a corner, with labelled ticks also at 2 and 5 × a decade (2×10⁻³), or at every 1–9 × a decade when that leaves fewer
    /// than two labels.
    /// </summary>
    public static (double Low, double High, IReadOnlyList<(double Position, string? Label)> Ticks) DecadeTicks(double low, double high)
    {
        if (!double.IsFinite(low) || !double.IsFinite(high))
        {
            (low, high) = (0, 1);
        }
        (low, high) = (Math.Min(low, high), Math.Max(low, high));
        var span = high - low;
        if (span >= 1.5)
        {
            var firstDecade = (int)Math.Floor(low + 1e-9);
            var lastDecade = (int)Math.Ceiling(high - 1e-9);
            var wide = new List<(double, string?)>();
            for (var n = firstDecade; n <= lastDecade; n++)
            {
                wide.Add((n, Decade(n)));
                if (n < lastDecade)
                {
                    wide.AddRange(Enumerable.Range(2, 8).Select(k => (n + Math.Log10(k), (string?)null)));
                }
            }
            var pad = 0.02 * (lastDecade - firstDecade);
            return (firstDecade - pad, lastDecade + pad, wide);
        }
        var margin = Math.Max(0.1 * span, 0.02);
        var (from, to) = (low - margin, high + margin);
        List<(double, string?)> Ticks(int[] labelled)
        {
            var ticks = new List<(double, string?)>();
            for (var n = (int)Math.Floor(from); n <= (int)Math.Ceiling(to); n++)
            {
                for (var k = 1; k <= 9; k++)
                {
                    var position = n + Math.Log10(k);
                    if (position >= from && position <= to)
                    {
                        ticks.Add((position, !labelled.Contains(k) ? null : k == 1 ? Decade(n) : $"{k}×{Decade(n)}"));
                    }
                }
            }
            return ticks;
        }
        var ticks = Ticks([1, 2, 5]);
        if (ticks.Count(t => t.Item2 is not null) < 2)
        {
            ticks = Ticks([1, 2, 3, 4, 5, 6, 7, 8, 9]);
        }
        return (from, to, ticks);
    }

    /// <summary>
    /// Makes the bottom (<paramref name="x"/>) and/or left (<paramref name="y"/>) axis, holding log10 values, a log axis over the
    /// data drawn so far, per <see cref="DecadeTicks"/>; the other axis keeps its automatic range. Call after adding the plottables.
    /// </summary>
    public static void Apply(Plot plot, bool x, bool y)
    {
        plot.Axes.Margins(0, 0);
        plot.Axes.AutoScale();
        var data = plot.Axes.GetLimits();
        plot.Axes.Margins(0.1, 0.15);
        plot.Axes.AutoScale();
        if (x)
        {
            var (low, high, ticks) = DecadeTicks(data.Left, data.Right);
            plot.Axes.Bottom.TickGenerator = Manual(ticks);
            plot.Axes.SetLimitsX(low, high);
        }
        if (y)
        {
            var (low, high, ticks) = DecadeTicks(data.Bottom, data.Top);
            plot.Axes.Left.TickGenerator = Manual(ticks);
            plot.Axes.SetLimitsY(low, high);
        }
    }

    /// <summary>The left axis of a plot of log10 values as a log axis (<see cref="Apply"/>).</summary>
    public static void LogAxis(Plot plot) => Apply(plot, x: false, y: true);

    private static ScottPlot.TickGenerators.NumericManual Manual(IReadOnlyList<(double Position, string? Label)> ticks)
    {
        var manual = new ScottPlot.TickGenerators.NumericManual();
        foreach (var (position, label) in ticks)
        {
            if (label is null)
            {
                manual.AddMinor(position);
            }
            else
            {
                manual.AddMajor(position, label);
            }
        }
        return manual;
    }
}
