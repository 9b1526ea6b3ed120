using System.Diagnostics;

namespace ClusterML.Engines.FiniteDifferences;

/// <summary>
/// The classical reference solver of <see cref="HeatProblem"/>: explicit FTCS or Crank–Nicolson on a uniform grid.
/// Deterministic (no randomness, bit-identical results for the same settings), torch-free and allocation-free while stepping.
/// BCs are applied at t = 0 too, so the corner x = L, t = 0 takes the boundary value (the convention of the analytic oracle).
/// </summary>
public static class FdHeatSolver
{
    /// <summary>Errors are measured only at times with τ = αt/L² at least this large.</summary>
    public const double ErrorMinTau = 0.01;

    /// <summary>Columns kept for the heat map; finer grids are sampled evenly.</summary>
    public const int MaxHeatmapColumns = 512;

    /// <summary>Grid-point updates between progress reports and cancellation checks (a few ms of work).</summary>
    private const long UpdatesPerChunk = 4_000_000;

    /// <summary>Runs <paramref name="settings"/>.</summary>
    /// <param name="settings">The run; validated here.</param>
    /// <param name="progress">Receives the fraction of steps done, 0 to 1, a few hundred times per second at most.</param>
    /// <param name="cancellationToken">Checked between chunks of steps.</param>
    /// <exception cref="Core.Validation.InvalidInputException">Bad settings, including an unstable explicit step.</exception>
    /// <exception cref="OperationCanceledException">When cancelled.</exception>
    public static HeatSolution Solve(FdHeatSettings settings, IProgress<double>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var plan = settings.Plan();
        var problem = plan.Settings.Problem;
        var nx = plan.Settings.Nx;
        var clock = Stopwatch.StartNew();

        var x = new double[nx];
        for (var i = 0; i < nx; i++)
        {
            x[i] = i * plan.Dx;
        }
        x[^1] = problem.Length;
        var initial = new double[nx];
        Array.Fill(initial, problem.Initial);
        initial[0] = problem.Left;
        initial[^1] = problem.Right;

        IHeatStepper stepper = plan.Settings.Scheme switch
        {
            HeatScheme.Explicit => new ExplicitHeatStepper(initial, plan.R),
            HeatScheme.CrankNicolson => new CrankNicolsonHeatStepper(initial, plan.R),
            _ => throw new ArgumentOutOfRangeException(nameof(settings), plan.Settings.Scheme, "unknown scheme"),
        };

        var snapshotSteps = EvenSteps(plan.Steps, plan.Settings.Snapshots);
        var heatmapSteps = EvenSteps(plan.Steps, plan.Settings.HeatmapRows);
        var columns = HeatmapColumns(nx);
        var heatmapX = columns.Select(c => x[c]).ToArray();
        var snapshots = new List<double[]>(snapshotSteps.Length);
        var heatmap = new List<double[]>(heatmapSteps.Length);
        var error = new ErrorTracker(problem, x);

        var recordSteps = snapshotSteps.Union(heatmapSteps).Order().ToArray();
        var chunk = Math.Max(1L, UpdatesPerChunk / nx);
        long done = 0;
        foreach (var target in recordSteps)
        {
            while (done < target)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var n = Math.Min(chunk, target - done);
                stepper.Advance(n);
                done += n;
                progress?.Report((double)done / plan.Steps);
            }
            var t = done * plan.Dt;
            var field = stepper.Current;
            if (Array.BinarySearch(snapshotSteps, target) >= 0)
            {
                snapshots.Add(field.ToArray());
            }
            if (Array.BinarySearch(heatmapSteps, target) >= 0)
            {
                var row = new double[columns.Length];
                for (var c = 0; c < columns.Length; c++)
                {
                    row[c] = field[columns[c]];
                }
                heatmap.Add(row);
            }
            error.Compare(field, t);
        }
        progress?.Report(1.0);

        return new HeatSolution(
            plan,
            x,
            snapshotSteps.Select(s => s * plan.Dt).ToArray(),
            [.. snapshots],
            heatmapX,
            heatmapSteps.Select(s => s * plan.Dt).ToArray(),
            [.. heatmap],
            error.Result(),
            clock.Elapsed);
    }

    /// <summary>Step indices of <paramref name="count"/> evenly spaced times from 0 to <paramref name="steps"/> (distinct, sorted).</summary>
    internal static long[] EvenSteps(long steps, int count) =>
        Enumerable.Range(0, count)
            .Select(k => (long)Math.Round((double)k * steps / (count - 1), MidpointRounding.AwayFromZero))
            .Distinct()
            .ToArray();

    private static int[] HeatmapColumns(int nx)
    {
        if (nx <= MaxHeatmapColumns)
        {
            return Enumerable.Range(0, nx).ToArray();
        }
        return Enumerable.Range(0, MaxHeatmapColumns)
            .Select(k => (int)Math.Round((double)k * (nx - 1) / (MaxHeatmapColumns - 1)))
            .ToArray();
    }

    private sealed class ErrorTracker(HeatProblem problem, double[] x)
    {
        private double _max = -1;
        private double _atX;
        private double _atT;
        private int _times;

        public void Compare(ReadOnlySpan<double> field, double t)
        {
            if (problem.Tau(t) < ErrorMinTau * (1 - 1e-12))
            {
                return;
            }
            _times++;
            for (var i = 0; i < field.Length; i++)
            {
                var e = Math.Abs(field[i] - HeatAnalyticSolution.Evaluate(problem, x[i], t));
                if (e > _max)
                {
                    (_max, _atX, _atT) = (e, x[i], t);
                }
            }
        }

        public HeatError Result() => _times == 0
            ? new HeatError(null, null, null, 0, ErrorMinTau)
            : new HeatError(_max, _atX, _atT, _times, ErrorMinTau);
    }
}
