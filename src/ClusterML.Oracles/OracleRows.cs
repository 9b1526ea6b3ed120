using ClusterML.Core.Validation;

namespace ClusterML.Oracles;

/// <summary>Helpers shared by the oracles for drawing and checking input vectors.</summary>
internal static class OracleRows
{
    /// <summary>One draw per column, in column order (so a row consumes a fixed sequence of the generator).</summary>
    public static double[] Sample(IReadOnlyList<OracleInput> columns, Random rng)
    {
        ArgumentNullException.ThrowIfNull(rng);
        var row = new double[columns.Count];
        for (var c = 0; c < row.Length; c++)
        {
            row[c] = columns[c].Draw(rng);
        }
        return row;
    }

    /// <summary>Refuses a vector that does not have one value per input column.</summary>
    public static void RequireLength(IReadOnlyList<OracleInput> columns, ReadOnlySpan<double> inputs)
    {
        if (inputs.Length != columns.Count)
        {
            throw new InvalidInputException("inputs",
                $"expected {columns.Count} values ({string.Join(", ", columns.Select(c => c.Name))}), got {inputs.Length}");
        }
    }

    /// <summary>A <see cref="OracleSampling.Choice"/> value: a whole number from the column's Min to Max.</summary>
    public static int RequireCode(OracleInput column, double value)
    {
        Require.Finite(column.Name, value);
        if (value != Math.Round(value) || value < column.Min || value > column.Max)
        {
            throw new InvalidInputException(column.Name,
                $"must be a whole number from {Require.Show(column.Min)} to {Require.Show(column.Max)} ({column.Description}) (got {Require.Show(value)})");
        }
        return (int)value;
    }

    /// <summary>A count: a whole number ≥ <paramref name="minimum"/> (no upper limit; the sampling range is not the domain).</summary>
    public static double RequireWhole(string field, double value, int minimum)
    {
        Require.Finite(field, value);
        if (value != Math.Round(value) || value < minimum)
        {
            throw new InvalidInputException(field, $"must be a whole number ≥ {minimum} (got {Require.Show(value)})");
        }
        return value;
    }
}
