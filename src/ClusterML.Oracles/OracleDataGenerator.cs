namespace ClusterML.Oracles;

/// <summary>A generated data set: column names (inputs then outputs) and rows.</summary>
public sealed record OracleTable(IReadOnlyList<string> Columns, double[][] Rows);

/// <summary>Generates data sets from an oracle, reproducibly from a seed.</summary>
public static class OracleDataGenerator
{
    /// <summary>
    /// Samples <paramref name="n"/> input vectors from one <see cref="Random"/> seeded with <paramref name="seed"/> (so the same seed
    /// gives the same inputs), then evaluates them in parallel; the result does not depend on the number of threads.
    /// </summary>
    public static OracleTable Generate(IPhysicsOracle oracle, int n, int seed, IProgress<double>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(oracle);
        ArgumentOutOfRangeException.ThrowIfLessThan(n, 1);
        var random = new Random(seed);
        var inputs = Enumerable.Range(0, n).Select(_ => oracle.Sample(random)).ToArray();
        var outputs = new double[n][];
        var done = 0;
        Parallel.For(0, n, new ParallelOptions { CancellationToken = cancellationToken }, i =>
        {
            outputs[i] = oracle.Evaluate(inputs[i]);
            var count = Interlocked.Increment(ref done);
            if (count % 50 == 0 || count == n)
            {
                progress?.Report((double)count / n);
            }
        });
        var columns = oracle.Inputs.Select(i => i.Name).Concat(oracle.Outputs).ToArray();
        return new OracleTable(columns, inputs.Select((x, i) => x.Concat(outputs[i]).ToArray()).ToArray());
    }
}
