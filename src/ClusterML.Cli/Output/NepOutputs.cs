using System.Globalization;
using System.Text;
using ClusterML.Core.IO;
using ClusterML.Engines.Nep.Training;
using ScottPlot;

namespace ClusterML.Cli.Output;

/// <summary>What <c>nep train</c> writes: loss.csv/png, GPUMD-style energy/force/virial_*.out and parity plots.</summary>
internal static class NepOutputs
{
    public static void WriteLoss(IReadOnlyList<NepEpoch> history, string csv, string png)
    {
        static string F(double? v) => v is { } x ? CsvTable.Format(x) : "";
        CsvTable.Write(csv, ["step", "total", "l1", "l2", "rmse_e_train", "rmse_f_train", "rmse_v_train", "rmse_e_test", "rmse_f_test", "rmse_v_test", "seconds"],
            history.Select(e => (IReadOnlyList<string>)
            [
                e.Epoch.ToString(CultureInfo.InvariantCulture), F(e.Total), F(e.L1), F(e.L2), F(e.EnergyTrain), F(e.ForceTrain), F(e.VirialTrain),
                F(e.EnergyTest), F(e.ForceTest), F(e.VirialTest), F(e.Seconds),
            ]));
        var plot = new Plot();
        void Line(string name, Func<NepEpoch, double?> value, bool markers = false) =>
            LogPlots.AddLine(plot, history, e => e.Epoch, value, name, markers ? 5 : 0);
        // Total is the weighted sum the optimiser minimises (λe·Le + λf·Lf + λv·Lv + λ1·L1 + λ2·L2); L1 and L2 are the
        // regularisation terms before their λ (mean |w| and RMS of the parameters).
        Line("total loss (weighted sum)", e => e.Total);
        Line("L1 = mean |w| (before λ1)", e => e.L1);
        Line("L2 = RMS w (before λ2)", e => e.L2);
        Line("energy RMSE, train (eV/atom)", e => e.EnergyTrain);
        Line("force RMSE, train (eV/Å)", e => e.ForceTrain);
        Line("virial RMSE, train (eV/atom)", e => e.VirialTrain);
        Line("energy RMSE, test (eV/atom)", e => e.EnergyTest, markers: true);
        Line("force RMSE, test (eV/Å)", e => e.ForceTest, markers: true);
        Line("virial RMSE, test (eV/atom)", e => e.VirialTest, markers: true);
        LogPlots.LogAxis(plot);
        plot.Title("NEP training");
        plot.XLabel("epoch");
        plot.YLabel("loss and RMSEs (log scale; units in the legend)");
        plot.ShowLegend(Edge.Right);
        plot.SavePng(png, 1100, 600);
    }

    /// <summary>GPUMD's layouts: energy_X.out (E/atom predicted, reference), force_X.out (Fx Fy Fz predicted, reference),
    /// virial_X.out (per atom xx yy zz xy yz zx predicted, reference; −1e6 where the frame has none).</summary>
    public static void WritePredictions(NepPredictions predictions, string suffix, Func<string, string> pathFor)
    {
        var c = CultureInfo.InvariantCulture;
        var energy = new StringBuilder();
        var force = new StringBuilder();
        var virial = new StringBuilder();
        int[] order = [0, 4, 8, 1, 5, 6];
        for (var f = 0; f < predictions.Frames.Count; f++)
        {
            var frame = predictions.Frames[f];
            energy.Append(c, $"{predictions.Energies[f] / frame.Atoms:R} {frame.Energy / frame.Atoms:R}\n");
            for (var i = 0; i < frame.Atoms; i++)
            {
                force.Append(c, $"{predictions.Forces[f][3 * i]:R} {predictions.Forces[f][(3 * i) + 1]:R} {predictions.Forces[f][(3 * i) + 2]:R} ");
                force.Append(c, $"{frame.Forces[3 * i]:R} {frame.Forces[(3 * i) + 1]:R} {frame.Forces[(3 * i) + 2]:R}\n");
            }
            virial.Append(string.Join(' ', order.Select(k => (predictions.Virials[f][k] / frame.Atoms).ToString("R", c))));
            virial.Append(' ');
            virial.Append(string.Join(' ', order.Select(k => frame.Virial is { } v ? (v[k] / frame.Atoms).ToString("R", c) : "-1e+06")));
            virial.Append('\n');
        }
        File.WriteAllText(pathFor($"energy_{suffix}.out"), energy.ToString());
        File.WriteAllText(pathFor($"force_{suffix}.out"), force.ToString());
        File.WriteAllText(pathFor($"virial_{suffix}.out"), virial.ToString());

        var multiplot = new Multiplot();
        multiplot.AddPlots(2);
        multiplot.Layout = new ScottPlot.MultiplotLayouts.Columns();
        Parity(multiplot.GetPlot(0), [.. predictions.Frames.Select(fr => fr.Energy / fr.Atoms)], [.. predictions.Energies.Select((e, f) => e / predictions.Frames[f].Atoms)],
            $"energy ({suffix}): RMSE {predictions.EnergyRmse * 1000:F2} meV/atom", "reference (eV/atom)", "NEP (eV/atom)");
        Parity(multiplot.GetPlot(1), [.. predictions.Frames.SelectMany(fr => fr.Forces)], [.. predictions.Forces.SelectMany(x => x)],
            $"force ({suffix}): RMSE {predictions.ForceRmse * 1000:F1} meV/Å", "reference (eV/Å)", "NEP (eV/Å)");
        multiplot.SavePng(pathFor($"parity_{suffix}.png"), 1300, 620);
    }

    private static void Parity(Plot plot, double[] reference, double[] predicted, string title, string x, string y)
    {
        var scatter = plot.Add.ScatterPoints(reference, predicted);
        scatter.MarkerSize = 3;
        var lo = Math.Min(reference.Min(), predicted.Min());
        var hi = Math.Max(reference.Max(), predicted.Max());
        var diagonal = plot.Add.Line(lo, lo, hi, hi);
        diagonal.LinePattern = LinePattern.Dashed;
        plot.Title(title);
        plot.XLabel(x);
        plot.YLabel(y);
    }
}
