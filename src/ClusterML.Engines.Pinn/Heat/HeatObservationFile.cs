using ClusterML.Core.IO;
using ClusterML.Core.Validation;
using ClusterML.Engines.FiniteDifferences;

namespace ClusterML.Engines.Pinn.Heat;

/// <summary>
/// Point files of the heat PINN: observations (columns <c>x,t,T</c>) for inverse runs and points (<c>x,t</c>) for
/// <c>pinn predict</c>, read with their line numbers so that a bad value is reported by file, line and column; and
/// synthetic observations from the finite-difference solution with Gaussian noise.
/// </summary>
public static class HeatObservationFile
{
    public static IReadOnlyList<HeatObservation> ReadObservations(string path, string field = "--observations")
    {
        var table = CsvTable.Read(path, field);
        var x = table.Numeric("x");
        var t = table.Numeric("t");
        var temperature = table.Numeric("T");
        return [.. Enumerable.Range(0, table.Count).Select(k => new HeatObservation(x[k], t[k], temperature[k], path, table.Lines[k]))];
    }

    /// <summary>Points (x, t) checked against the rod and window of the model.</summary>
    public static IReadOnlyList<(double X, double T)> ReadPoints(string path, HeatProblem problem, double tEnd, string field = "--points")
    {
        var table = CsvTable.Read(path, field);
        var x = table.Numeric("x");
        var t = table.Numeric("t");
        var points = new (double, double)[table.Count];
        for (var k = 0; k < table.Count; k++)
        {
            new HeatObservation(x[k], t[k], 0, path, table.Lines[k]).Check(problem, tEnd);
            points[k] = (x[k], t[k]);
        }
        return points;
    }

    /// <summary>
    /// <paramref name="count"/> observations at random (x, t) in the rod's interior and t ∈ (0, t_end] from the FD solution,
    /// plus Gaussian noise of standard deviation <paramref name="noise"/> × the standard deviation of the clean values (the
    /// convention of Raissi et al.: "1 % noise" is 0.01).
    /// </summary>
    public static IReadOnlyList<HeatObservation> Generate(HeatProblem problem, double tEnd, int count, double noise, int seed, CancellationToken cancellationToken = default)
    {
        Require.AtLeast("--observations", count, 1);
        if (!double.IsFinite(noise) || noise < 0)
        {
            throw new InvalidInputException("--noise", $"must be ≥ 0, not {Require.Show(noise)}");
        }
        var random = new Random(seed);
        var points = Enumerable.Range(0, count).Select(_ => (X: problem.Length * random.NextDouble(), T: tEnd * (1 - random.NextDouble()))).ToArray();
        var clean = FdReference.AtPoints(problem, points, cancellationToken);
        var mean = clean.Average();
        var std = Math.Sqrt(clean.Sum(v => (v - mean) * (v - mean)) / Math.Max(1, clean.Length - 1));
        var normal = new MathNet.Numerics.Distributions.Normal(0, 1, new Random(seed + 1));
        return [.. points.Select((p, k) => new HeatObservation(p.X, p.T, clean[k] + (noise * std * normal.Sample())))];
    }
}
