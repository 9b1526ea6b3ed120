using ClusterML.Engines.FiniteDifferences;
using ScottPlot;

namespace ClusterML.Cli.Output;

/// <summary><c>heat.png</c>: temperature profiles at the snapshot times (left) and the heat map T(x, t) (right).</summary>
internal static class HeatPlots
{
    public static void Write(HeatSolution solution, string path)
    {
        var multiplot = new Multiplot();
        multiplot.AddPlots(2);
        multiplot.Layout = new ScottPlot.MultiplotLayouts.Columns();

        var profiles = multiplot.GetPlot(0);
        var stride = Math.Max(1, solution.X.Length / 2000);
        var xs = solution.X.Where((_, i) => i % stride == 0 || i == solution.X.Length - 1).ToArray();
        for (var k = 0; k < solution.SnapshotTimes.Length; k++)
        {
            var field = solution.Snapshots[k];
            var ys = field.Where((_, i) => i % stride == 0 || i == field.Length - 1).ToArray();
            var line = profiles.Add.ScatterLine(xs, ys);
            line.LegendText = $"t = {solution.SnapshotTimes[k]:G4}";
            line.LineWidth = 2;
        }
        profiles.Title("Temperature profiles");
        profiles.XLabel("x");
        profiles.YLabel("T");
        profiles.ShowLegend(Alignment.UpperLeft);

        var map = multiplot.GetPlot(1);
        var rows = solution.Heatmap.Length;
        var columns = solution.HeatmapX.Length;
        var intensities = new double[rows, columns];
        for (var j = 0; j < rows; j++)
        {
            for (var i = 0; i < columns; i++)
            {
                // Row 0 is drawn at the top: put the latest time there so time increases upward.
                intensities[rows - 1 - j, i] = solution.Heatmap[j][i];
            }
        }
        var heatmap = map.Add.Heatmap(intensities);
        heatmap.Colormap = new ScottPlot.Colormaps.Turbo();
        heatmap.Extent = new CoordinateRect(solution.HeatmapX[0], solution.HeatmapX[^1], solution.HeatmapTimes[0], solution.HeatmapTimes[^1]);
        map.Add.ColorBar(heatmap).Label = "T";
        map.Title("T(x, t)");
        map.XLabel("x");
        map.YLabel("t");

        multiplot.SavePng(path, 1400, 560);
    }
}
