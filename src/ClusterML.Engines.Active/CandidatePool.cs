using ClusterML.Core.Engines;
using ClusterML.Core.IO;
using ClusterML.Core.Validation;
using ClusterML.Oracles;

namespace ClusterML.Engines.Active;

/// <summary>
/// The candidates of a round: numbered 0…<see cref="Count"/> − 1, each an input vector in the campaign's column order.
/// A generator pool draws candidate k from its own seed (<c>Seeds.Derive(seed, k)</c>): it is read in chunks and never
/// held whole, and any candidate can be drawn again on its own. A CSV pool is the file's rows (read whole).
/// </summary>
public abstract class CandidatePool
{
    /// <summary>Rows per chunk when the pool is streamed.</summary>
    public const int ChunkSize = 8192;

    public abstract long Count { get; }

    /// <summary>Candidates <paramref name="start"/> … <paramref name="start"/> + <paramref name="count"/> − 1.</summary>
    public abstract double[][] Read(long start, int count);

    /// <summary>Every candidate, in chunks of <see cref="ChunkSize"/>: (index of the first, rows).</summary>
    public IEnumerable<(long Start, double[][] Rows)> Chunks(CancellationToken cancellationToken)
    {
        for (long start = 0; start < Count; start += ChunkSize)
        {
            cancellationToken.ThrowIfCancellationRequested();
            yield return (start, Read(start, (int)Math.Min(ChunkSize, Count - start)));
        }
    }

    /// <summary>The pool (or test set) of <paramref name="source"/> over <paramref name="inputs"/>.</summary>
    /// <exception cref="InvalidInputException">An unknown generator, an input it lacks, a CSV without an input column or with a bad value.</exception>
    public static CandidatePool Open(CandidateSource source, IReadOnlyList<string> inputs, string field)
    {
        ArgumentNullException.ThrowIfNull(source);
        return source.Generator is { } generator
            ? new GeneratorPool(Oracles.Oracles.Get(generator), inputs, source.Count, source.Seed, field)
            : new TablePool(CsvTable.Read(source.Data!, $"{field}.data"), inputs);
    }

    /// <summary>Per column: the smallest and largest value over the pool (one pass).</summary>
    public (double[] Min, double[] Max) Bounds(CancellationToken cancellationToken)
    {
        double[]? min = null, max = null;
        foreach (var (_, rows) in Chunks(cancellationToken))
        {
            foreach (var row in rows)
            {
                min ??= [.. row];
                max ??= [.. row];
                for (var c = 0; c < row.Length; c++)
                {
                    min[c] = Math.Min(min[c], row[c]);
                    max[c] = Math.Max(max[c], row[c]);
                }
            }
        }
        return (min ?? [], max ?? []);
    }
}

/// <summary>Candidates drawn from a built-in generator's sampling laws.</summary>
public sealed class GeneratorPool : CandidatePool
{
    private readonly IPhysicsOracle _oracle;
    private readonly int[] _columns;
    private readonly long _count;
    private readonly int _seed;

    public GeneratorPool(IPhysicsOracle oracle, IReadOnlyList<string> inputs, long count, int seed, string field)
    {
        ArgumentNullException.ThrowIfNull(oracle);
        ArgumentNullException.ThrowIfNull(inputs);
        _oracle = oracle;
        _columns = [.. inputs.Select(name => Index(oracle, name, field))];
        if (inputs.Distinct().Count() != inputs.Count)
        {
            throw new InvalidInputException("inputs", $"names a column twice ({string.Join(", ", inputs)})");
        }
        if (inputs.Count != oracle.Inputs.Count)
        {
            var missing = oracle.Inputs.First(i => !inputs.Contains(i.Name)).Name;
            throw new InvalidInputException("inputs", $"generator {oracle.Name} draws {missing} too: the campaign's inputs must be all of {string.Join(", ", oracle.Inputs.Select(i => i.Name))}");
        }
        (_count, _seed) = (count, seed);
    }

    public IPhysicsOracle Oracle => _oracle;

    public override long Count => _count;

    public override double[][] Read(long start, int count)
    {
        var rows = new double[count][];
        for (var i = 0; i < count; i++)
        {
            rows[i] = Draw(start + i);
        }
        return rows;
    }

    /// <summary>Candidate <paramref name="index"/>, in the campaign's column order.</summary>
    public double[] Draw(long index)
    {
        var drawn = _oracle.Sample(new Random(Seeds.Derive(_seed, checked((int)index))));
        return [.. _columns.Select(c => drawn[c])];
    }

    private static int Index(IPhysicsOracle oracle, string name, string field)
    {
        for (var i = 0; i < oracle.Inputs.Count; i++)
        {
            if (oracle.Inputs[i].Name == name)
            {
                return i;
            }
        }
        throw new InvalidInputException("inputs", $"'{name}' is not an input of {field}'s generator {oracle.Name} ({string.Join(", ", oracle.Inputs.Select(i => i.Name))})");
    }
}

/// <summary>Candidates read from a CSV's input columns (candidate k is data row k).</summary>
public sealed class TablePool : CandidatePool
{
    private readonly double[][] _rows;

    public TablePool(CsvTable table, IReadOnlyList<string> inputs)
    {
        ArgumentNullException.ThrowIfNull(table);
        ArgumentNullException.ThrowIfNull(inputs);
        Table = table;
        var columns = inputs.Select(table.Numeric).ToArray();
        _rows = new double[table.Count][];
        for (var r = 0; r < _rows.Length; r++)
        {
            _rows[r] = [.. columns.Select(c => c[r])];
        }
    }

    public CsvTable Table { get; }

    public override long Count => _rows.Length;

    public override double[][] Read(long start, int count) => _rows[(int)start..(int)(start + count)];
}
