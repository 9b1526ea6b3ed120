using System.Runtime.ExceptionServices;
using ClusterML.Core.Validation;

namespace ClusterML.Oracles;

/// <summary>Generates data sets from an oracle, reproducibly from a seed.</summary>
public static class OracleDataGenerator
{
    /// <summary>Progress is reported about this many times per run (plus once at the end).</summary>
    private const int ProgressReports = 100;

    /// <summary>
    /// Generates <paramref name="n"/> rows. All input vectors are drawn first, in row order, from one <see cref="Random"/> seeded
    /// once with <paramref name="seed"/>; the rows are then evaluated in parallel. Evaluation is a pure function of the inputs,
    /// so the table is bit-identical to a serial run and does not depend on the number of threads. Columns: the oracle's inputs,
    /// then its outputs.
    /// </summary>
    /// <param name="oracle">The model to sample.</param>
    /// <param name="n">Rows, at least 1.</param>
    /// <param name="seed">Seed of the input sampling; the same seed gives the same table.</param>
    /// <param name="progress">Receives the fraction of rows evaluated, 0 to 1, non-decreasing.</param>
    /// <param name="cancellationToken">Stops the run between rows.</param>
    /// <exception cref="InvalidInputException"><paramref name="n"/> &lt; 1, or an oracle refused a sampled row.</exception>
    /// <exception cref="OperationCanceledException">When cancelled.</exception>
    public static OracleTable Generate(IPhysicsOracle oracle, int n, int seed, IProgress<double>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(oracle);
        Require.AtLeast("--n", n, 1);
        cancellationToken.ThrowIfCancellationRequested();

        // Sampling is serial so that row i's inputs depend only on the seed and i, never on scheduling.
        var rng = new Random(seed);
        var inputs = new double[n][];
        for (var i = 0; i < n; i++)
        {
            inputs[i] = oracle.Sample(rng);
        }

        var outputs = new double[n][];
        var reporter = new ProgressCounter(n, progress);
        try
        {
            Parallel.For(0, n, new ParallelOptions { CancellationToken = cancellationToken }, i =>
            {
                outputs[i] = oracle.Evaluate(inputs[i]);
                reporter.RowDone();
            });
        }
        catch (AggregateException e) when (e.InnerExceptions.Count >= 1)
        {
            // Show the caller the model's own exception (an InvalidInputException naming the column), not the wrapper.
            ExceptionDispatchInfo.Capture(e.InnerExceptions[0]).Throw();
            throw; // not reached: Throw() does not return
        }

        var columns = oracle.Inputs.Select(c => c.Name).Concat(oracle.Outputs).ToArray();
        var rows = new double[n][];
        for (var i = 0; i < n; i++)
        {
            rows[i] = [.. inputs[i], .. outputs[i]];
        }
        progress?.Report(1.0);
        return new OracleTable(columns, rows);
    }

    /// <summary>Counts finished rows from many threads and reports every 1 % in order.</summary>
    private sealed class ProgressCounter(int total, IProgress<double>? progress)
    {
        private readonly Lock _gate = new();
        private readonly int _every = Math.Max(1, total / ProgressReports);
        private int _done;
        private int _reported;

        public void RowDone()
        {
            if (progress is null)
            {
                return;
            }
            var done = Interlocked.Increment(ref _done);
            if (done % _every != 0 || done == total)
            {
                return;
            }
            // Under the lock and only forwards, so a slow thread cannot report an older fraction after a newer one.
            lock (_gate)
            {
                if (done > _reported)
                {
                    _reported = done;
                    progress.Report((double)done / total);
                }
            }
        }
    }
}
