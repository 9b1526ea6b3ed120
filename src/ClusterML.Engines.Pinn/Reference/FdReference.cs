namespace ClusterML.Engines.Pinn.Reference;

/// <summary>
/// The explicit finite-difference solution at given times and positions: the classical reference a PINN is compared with
/// (and the source of synthetic observations). A fine grid of <see cref="Intervals"/> intervals, r ≤ 1/4 in every segment
/// between requested times, linear interpolation in x.
/// </summary>
public static class FdReference
{
    /// <summary>Fine-grid intervals per unit length of the rod (in ξ).</summary>
    public const int Intervals = 400;

    public const double MaxR = 0.25;

    /// <summary>T at every (x_i, t_j): result[j][i]. <paramref name="times"/> must be ≥ 0; they are visited in ascending order.</summary>
    public static double[][] Evaluate(HeatProblem problem, IReadOnlyList<double> x, IReadOnlyList<double> times, CancellationToken cancellationToken = default)
    {
        var nx = Intervals + 1;
        var dx = problem.Length / Intervals;
        var field = new double[nx];
        Array.Fill(field, problem.Initial);
        field[0] = problem.Left;
        field[^1] = problem.Right;
        var order = Enumerable.Range(0, times.Count).OrderBy(j => times[j]).ToArray();
        var result = new double[times.Count][];
        var now = 0.0;
        foreach (var j in order)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var span = times[j] - now;
            if (span > 0)
            {
                var stableDt = MaxR * dx * dx / problem.Alpha;
                var steps = (long)Math.Ceiling(span / stableDt);
                var stepper = new ExplicitHeatStepper(field, span / steps * problem.Alpha / (dx * dx));
                stepper.Advance(steps);
                field = stepper.Current.ToArray();
                now = times[j];
            }
            result[j] = [.. x.Select(xi => Interpolate(field, dx, xi))];
        }
        return result;
    }

    private static double Interpolate(double[] field, double dx, double x)
    {
        var position = Math.Clamp(x / dx, 0, field.Length - 1);
        var i = Math.Min((int)Math.Floor(position), field.Length - 2);
        var w = position - i;
        return (field[i] * (1 - w)) + (field[i + 1] * w);
    }
}
