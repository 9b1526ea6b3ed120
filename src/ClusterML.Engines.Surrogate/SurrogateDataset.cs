using ClusterML.Core.IO;
using ClusterML.Core.Specs;
using ClusterML.Core.Validation;

namespace ClusterML.Engines.Surrogate;

/// <summary>The rows of a surrogate's CSV: input matrix and target, in raw units, with the choice of log columns.</summary>
public sealed record SurrogateDataset(string Path, IReadOnlyList<string> Inputs, string Target, double[][] X, double[] Y, IReadOnlySet<string> LogColumns)
{
    /// <summary>A column is log-transformed automatically when all its values are positive and they span at least this ratio.</summary>
    public const double AutoLogSpan = 30.0;

    /// <summary>Reads and checks the data named by <paramref name="spec"/>.</summary>
    /// <exception cref="InvalidInputException">Missing file or column, a non-numeric value (with file and line), too few rows, a log column with values ≤ 0.</exception>
    public static SurrogateDataset Load(SurrogateSpec spec)
    {
        var table = CsvTable.Read(spec.DataPath, "--data");
        var y = table.Numeric(spec.Target);
        IReadOnlyList<string> inputs = spec.Inputs.Count > 0
            ? spec.Inputs
            : table.Columns.Where(c => c != spec.Target && table.AnyNumeric(c)).ToArray(); // text columns (ids) are skipped; a stray bad value is reported
        if (inputs.Count == 0)
        {
            throw new InvalidInputException("--inputs", $"no numeric input columns besides the target in {table.Path}");
        }
        var columns = inputs.Select(table.Numeric).ToArray();
        var minimumRows = 10;
        if (table.Count < minimumRows)
        {
            throw new InvalidInputException("--data", $"has {table.Count} rows; at least {minimumRows} are needed to train and test", table.Path);
        }
        var x = new double[table.Count][];
        for (var r = 0; r < x.Length; r++)
        {
            x[r] = new double[inputs.Count];
            for (var c = 0; c < inputs.Count; c++)
            {
                x[r][c] = columns[c][r];
            }
        }

        var log = new HashSet<string>(StringComparer.Ordinal);
        foreach (var name in spec.LogColumns)
        {
            var values = name == spec.Target ? y : inputs.Contains(name) ? columns[IndexOf(inputs, name)] : null;
            if (values is null)
            {
                throw new InvalidInputException("--log", $"'{name}' is neither the target nor an input");
            }
            var bad = Array.FindIndex(values, v => v <= 0);
            if (bad >= 0)
            {
                throw new InvalidInputException(name, $"cannot be log-transformed: value {values[bad]} ≤ 0", table.Path, table.Lines[bad]);
            }
            log.Add(name);
        }
        if (spec.LogAuto)
        {
            foreach (var (name, values) in inputs.Zip(columns).Append((spec.Target, y)))
            {
                var min = values.Min();
                if (min > 0 && values.Max() / min >= AutoLogSpan)
                {
                    log.Add(name);
                }
            }
        }
        return new SurrogateDataset(table.Path, inputs, spec.Target, x, y, log);
    }

    private static int IndexOf(IReadOnlyList<string> list, string name)
    {
        for (var i = 0; i < list.Count; i++)
        {
            if (list[i] == name)
            {
                return i;
            }
        }
        return -1;
    }
}
