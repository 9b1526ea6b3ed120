namespace ClusterML.Engines.FiniteDifferences;

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
        var result = new double[times.Count][];
        March(problem, times, (j, field, dx) => result[j] = [.. x.Select(xi => Interpolate(field, dx, xi))], cancellationToken);
        return result;
    }

    /// <summary>T at each point (x_k, t_k) (one position per time, e.g. scattered observations).</summary>
    public static double[] AtPoints(HeatProblem problem, IReadOnlyList<(double X, double T)> points, CancellationToken cancellationToken = default)
    {
        var result = new double[points.Count];
        March(problem, [.. points.Select(p => p.T)], (k, field, dx) => result[k] = Interpolate(field, dx, points[k].X), cancellationToken);
        return result;
    }

    /// <summary>Steps the fine grid through <paramref name="times"/> in ascending order and hands each time's field to <paramref name="visit"/>.</summary>
    private static void March(HeatProblem problem, IReadOnlyList<double> times, Action<int, double[], double> visit, CancellationToken cancellationToken)
    {
        var nx = Intervals + 1;
        var dx = problem.Length / Intervals;
        var field = new double[nx];
        Array.Fill(field, problem.Initial);
        field[0] = problem.Left;
        field[^1] = problem.Right;
        var now = 0.0;
        foreach (var j in Enumerable.Range(0, times.Count).OrderBy(j => times[j]))
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
            visit(j, field, dx);
        }
    }

    private static double Interpolate(double[] field, double dx, double x)
    {
        var position = Math.Clamp(x / dx, 0, field.Length - 1);
        var i = Math.Min((int)Math.Floor(position), field.Length - 2);
        var w = position - i;
        return (field[i] * (1 - w)) + (field[i + 1] * w);
    }
}
