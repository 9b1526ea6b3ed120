using ClusterML.Engines.FiniteDifferences;

namespace ClusterML.Engines.Pinn.Heat;

/// <summary>
/// The regular grid results are judged on: <see cref="PinnHeatSettings.GridX"/> points over the rod and
/// <see cref="PinnHeatSettings.GridT"/> times from τ = <see cref="PinnHeatSettings.EvalMinTau"/> to t_end (the corner
/// layer before that is excluded: there even the analytic series needs many terms). Flattened time-major: index j·nx + i.
/// </summary>
public sealed class EvaluationGrid
{
    private EvaluationGrid(double[] x, double[] times, double[][] rows, double[] analytic)
    {
        (X, Times, Rows, Analytic) = (x, times, rows, analytic);
    }

    public double[] X { get; }

    public double[] Times { get; }

    /// <summary>(ξ, s) of every grid point, the network's coordinates.</summary>
    public double[][] Rows { get; }

    public double[] Analytic { get; }

    public static EvaluationGrid For(PinnHeatSettings settings)
    {
        var p = settings.Problem;
        var x = Linspace(0, p.Length, settings.GridX);
        var tMin = settings.EvalMinTau * p.Length * p.Length / p.Alpha;
        var times = Linspace(tMin, settings.TEnd, settings.GridT);
        var rows = new double[x.Length * times.Length][];
        var analytic = new double[rows.Length];
        for (var j = 0; j < times.Length; j++)
        {
            for (var i = 0; i < x.Length; i++)
            {
                rows[(j * x.Length) + i] = [x[i] / p.Length, times[j] / settings.TEnd];
                analytic[(j * x.Length) + i] = HeatAnalyticSolution.Evaluate(p, x[i], times[j]);
            }
        }
        return new EvaluationGrid(x, times, rows, analytic);
    }

    public double[] Flatten(double[][] byTime) => [.. byTime.SelectMany(row => row)];

    public double RelativeL2(double[] predicted) => RelativeL2(predicted, Analytic);

    public double MaxAbsError(double[] predicted) => predicted.Zip(Analytic, (a, b) => Math.Abs(a - b)).Max();

    /// <summary>‖a − b‖₂ / ‖b‖₂.</summary>
    public static double RelativeL2(IReadOnlyList<double> a, IReadOnlyList<double> b)
    {
        double num = 0, den = 0;
        for (var k = 0; k < b.Count; k++)
        {
            num += (a[k] - b[k]) * (a[k] - b[k]);
            den += b[k] * b[k];
        }
        return Math.Sqrt(num / den);
    }

    private static double[] Linspace(double from, double to, int count) =>
        [.. Enumerable.Range(0, count).Select(k => k == count - 1 ? to : from + ((to - from) * k / (count - 1)))];
}
