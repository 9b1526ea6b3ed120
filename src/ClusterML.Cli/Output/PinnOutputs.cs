using System.Globalization;
using System.Text.Json;
using ClusterML.Core.IO;
using ClusterML.Engines.Pinn.Heat;
using ScottPlot;

namespace ClusterML.Cli.Output;

/// <summary>What <c>pinn heat</c> writes besides the model: prediction.csv, metrics.json, loss.csv, field.png, error.png, loss.png.</summary>
internal static class PinnOutputs
{
    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true };

    public static void Write(PinnHeatRun run, int seed, Func<string, string> pathFor)
    {
        var grid = run.Grid;
        var nx = grid.X.Length;
        CsvTable.Write(pathFor("prediction.csv"), ["x", "t", "T", "T_analytic", "T_fd", "error"],
            grid.Rows.Select((_, k) => (IReadOnlyList<string>)
            [
                CsvTable.Format(grid.X[k % nx]), CsvTable.Format(grid.Times[k / nx]), CsvTable.Format(run.Predicted[k]),
                CsvTable.Format(grid.Analytic[k]), CsvTable.Format(run.Fd[k]), CsvTable.Format(run.Predicted[k] - grid.Analytic[k]),
            ]));

        var metrics = new SortedDictionary<string, object>(run.Metrics.ToDictionary(x => x.Key, x => (object)x.Value), StringComparer.Ordinal)
        {
            ["seed"] = seed,
            ["grid"] = new[] { nx, grid.Times.Length },
            ["settings"] = new Dictionary<string, object>
            {
                ["layers"] = run.Settings.Layers, ["width"] = run.Settings.Width, ["activation"] = run.Settings.Activation,
                ["collocation"] = run.Settings.Collocation, ["sampling"] = run.Settings.Sampling.ToString(), ["epochs"] = run.Settings.Epochs,
                ["lbfgs_steps"] = run.Settings.LbfgsSteps, ["constraints"] = run.Settings.Constraints.ToString(),
                ["corner_subtraction"] = run.Settings.CornerSubtraction, ["nondimensional"] = run.Settings.NonDimensional,
                ["weighting"] = run.Settings.Weighting.ToString(), ["dtype"] = run.Settings.Float64 ? "float64" : "float32",
                ["inverse"] = run.Settings.Inverse, ["observations"] = run.Settings.Observations.Count,
            },
        };
        File.WriteAllText(pathFor("metrics.json"), JsonSerializer.Serialize(metrics, Json));

        CsvTable.Write(pathFor("loss.csv"), ["epoch", "stage", "loss", "pde", "bc", "ic", "data", "weight_bc", "weight_ic", "weight_data", "rel_l2", "alpha"],
            run.History.Select(e => (IReadOnlyList<string>)
            [
                e.Epoch.ToString(CultureInfo.InvariantCulture), e.Stage, F(e.Loss), F(e.Pde), F(e.Boundary), F(e.Initial), F(e.Data),
                F(e.WeightBoundary), F(e.WeightInitial), F(e.WeightData), F(e.RelativeL2), F(e.Alpha),
            ]));

        Heatmap(grid, run.Predicted, "PINN T(x, t)", "T", new ScottPlot.Colormaps.Turbo(), pathFor("field.png"));
        Heatmap(grid, [.. run.Predicted.Select((v, k) => Math.Abs(v - grid.Analytic[k]))], "|T_PINN − T_exact|", "abs. error", new ScottPlot.Colormaps.Viridis(), pathFor("error.png"));
        Loss(run, pathFor("loss.png"));
    }

    private static string F(double? value) => value is { } v ? CsvTable.Format(v) : "";

    private static void Heatmap(EvaluationGrid grid, double[] values, string title, string label, IColormap colormap, string path)
    {
        var nx = grid.X.Length;
        var nt = grid.Times.Length;
        var intensities = new double[nt, nx];
        for (var j = 0; j < nt; j++)
        {
            for (var i = 0; i < nx; i++)
            {
                intensities[nt - 1 - j, i] = values[(j * nx) + i]; // latest time at the top
            }
        }
        var plot = new Plot();
        var map = plot.Add.Heatmap(intensities);
        map.Colormap = colormap;
        map.Extent = new CoordinateRect(grid.X[0], grid.X[^1], grid.Times[0], grid.Times[^1]);
        plot.Add.ColorBar(map).Label = label;
        plot.Title(title);
        plot.XLabel("x");
        plot.YLabel("t");
        plot.SavePng(path, 900, 600);
    }

    /// <summary>Each loss component per step on a log scale (like GPUMD's loss plots), and the relative L2 error where measured.</summary>
    private static void Loss(PinnHeatRun run, string path)
    {
        var plot = new Plot();
        var history = run.History;
        void Line(string name, Func<PinnEpoch, double?> value) =>
            LogPlots.AddLine(plot, history, e => e.Epoch, value, name, name == "relative L2" ? 4 : 0);
        Line("total", e => e.Loss);
        Line("PDE", e => e.Pde);
        Line("boundary", e => e.Boundary);
        Line("initial", e => e.Initial);
        Line("data", e => e.Data);
        Line("relative L2", e => e.RelativeL2);
        if (run.Settings.Epochs > 0 && run.Settings.LbfgsSteps > 0)
        {
            var switchLine = plot.Add.VerticalLine(run.Settings.Epochs);
            switchLine.LinePattern = LinePattern.Dashed;
            switchLine.LegendText = "Adam → L-BFGS";
        }
        LogPlots.LogAxis(plot);
        plot.Title("PINN loss components");
        plot.XLabel("step");
        plot.YLabel("loss terms, relative L2 error (log scale)");
        plot.ShowLegend(Edge.Right);
        plot.SavePng(path, 1000, 600);
    }
}
