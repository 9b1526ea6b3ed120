using System.Globalization;
using ClusterML.Core.Validation;
using CsvHelper;
using CsvHelper.Configuration;

namespace ClusterML.Core.IO;

/// <summary>
/// A CSV file read whole: a header and rows of raw fields, each row with its 1-based line number in the file.
/// Numeric columns are parsed on request, with errors that name the file, the line and the column.
/// Parsing uses the invariant culture (a dot as decimal separator). Immutable after reading; thread-safe to read.
/// </summary>
public sealed class CsvTable
{
    private readonly Dictionary<string, int> _index;

    private CsvTable(string path, string[] columns, List<string[]> rows, List<int> lines)
    {
        Path = path;
        Columns = columns;
        Rows = rows;
        Lines = lines;
        _index = columns.Select((c, i) => (c, i)).ToDictionary(p => p.c, p => p.i, StringComparer.Ordinal);
    }

    /// <summary>The file as the user named it.</summary>
    public string Path { get; }

    /// <summary>Column names in file order (trimmed).</summary>
    public IReadOnlyList<string> Columns { get; }

    /// <summary>Raw fields of each data row.</summary>
    public IReadOnlyList<string[]> Rows { get; }

    /// <summary>1-based file line of each row (the header is line 1).</summary>
    public IReadOnlyList<int> Lines { get; }

    public int Count => Rows.Count;

    /// <summary>Reads <paramref name="path"/>.</summary>
    /// <param name="path">The CSV file.</param>
    /// <param name="field">The option that named the file, for errors about the file as a whole (e.g. <c>--data</c>).</param>
    /// <exception cref="InvalidInputException">Missing or empty file, duplicate or empty column names, or a row with the wrong number of fields.</exception>
    public static CsvTable Read(string path, string field)
    {
        if (!File.Exists(path))
        {
            throw new InvalidInputException(field, $"file '{path}' does not exist");
        }
        var config = new CsvConfiguration(CultureInfo.InvariantCulture)
        {
            TrimOptions = TrimOptions.Trim,
            IgnoreBlankLines = true,
            DetectColumnCountChanges = false,
            BadDataFound = null,
        };
        using var reader = new StreamReader(path);
        using var parser = new CsvParser(reader, config);
        if (!parser.Read() || parser.Record is not { Length: > 0 } header)
        {
            throw new InvalidInputException(field, "is empty (expected a header line with column names)", path, 1);
        }
        var columns = header.Select(h => h.Trim()).ToArray();
        for (var i = 0; i < columns.Length; i++)
        {
            if (columns[i].Length == 0)
            {
                throw new InvalidInputException($"column {i + 1}", "has no name in the header", path, parser.RawRow);
            }
            if (Array.IndexOf(columns, columns[i]) != i)
            {
                throw new InvalidInputException(columns[i], "appears twice in the header", path, parser.RawRow);
            }
        }
        var rows = new List<string[]>();
        var lines = new List<int>();
        while (parser.Read())
        {
            var record = parser.Record!;
            if (record.Length != columns.Length)
            {
                throw new InvalidInputException("row", $"has {record.Length} fields but the header has {columns.Length}", path, parser.RawRow);
            }
            rows.Add(record);
            lines.Add(parser.RawRow);
        }
        if (rows.Count == 0)
        {
            throw new InvalidInputException(field, "has a header but no data rows", path, 2);
        }
        return new CsvTable(path, columns, rows, lines);
    }

    /// <summary>True when the header has <paramref name="column"/>.</summary>
    public bool Has(string column) => _index.ContainsKey(column);

    /// <summary>Index of <paramref name="column"/>.</summary>
    /// <exception cref="InvalidInputException">The column is missing; the message lists the columns there are.</exception>
    public int IndexOf(string column) =>
        _index.TryGetValue(column, out var i)
            ? i
            : throw new InvalidInputException(column, $"column is missing (columns: {string.Join(", ", Columns)})", Path, 1);

    /// <summary>
    /// The largest magnitude a numeric field may have. Beyond it, the arithmetic done on a column overflows: a column's
    /// variance sums squares in double (2·(1e30)² × rows stays far below 1.8e308), a float32 tensor holds at most 3.4e38, and
    /// a value such as 1e308 becomes infinity in the first subtraction or square. Physical inputs in SI units stay well
    /// below it (carrier densities ~1e26 m⁻³); larger spans belong in a log column.
    /// </summary>
    public const double MaxMagnitude = 1e30;

    /// <summary>Parses <paramref name="column"/> as finite numbers of magnitude at most <see cref="MaxMagnitude"/>.</summary>
    /// <exception cref="InvalidInputException">Missing column, or a field that is empty, not a number, NaN, infinite or beyond ±<see cref="MaxMagnitude"/> (names its line).</exception>
    public double[] Numeric(string column)
    {
        var c = IndexOf(column);
        var values = new double[Rows.Count];
        for (var r = 0; r < Rows.Count; r++)
        {
            var text = Rows[r][c];
            if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value))
            {
                throw new InvalidInputException(column, text.Length == 0 ? "is empty" : $"'{text}' is not a number", Path, Lines[r]);
            }
            if (!double.IsFinite(value))
            {
                throw new InvalidInputException(column, $"'{text}' is not a finite number", Path, Lines[r]);
            }
            if (Math.Abs(value) > MaxMagnitude)
            {
                throw new InvalidInputException(column, $"'{text}' is too large: values must lie within ±1e30 (column {c + 1})", Path, Lines[r]);
            }
            values[r] = value;
        }
        return values;
    }

    /// <summary>True when at least one field of <paramref name="column"/> is a number (a text column such as an id has none).</summary>
    public bool AnyNumeric(string column)
    {
        var c = IndexOf(column);
        return Rows.Any(row => double.TryParse(row[c], NumberStyles.Float, CultureInfo.InvariantCulture, out _));
    }

    /// <summary>True when every field of <paramref name="column"/> parses as a finite number.</summary>
    public bool IsNumeric(string column)
    {
        var c = IndexOf(column);
        return Rows.All(row => double.TryParse(row[c], NumberStyles.Float, CultureInfo.InvariantCulture, out var v) && Math.Abs(v) <= MaxMagnitude);
    }

    /// <summary>
    /// Writes a table with <paramref name="columns"/>; each row gives its fields (strings written as they are, quoted where
    /// needed). For output files, call through <see cref="AtomicOutputDirectory"/> or write to a temporary name first.
    /// </summary>
    public static void Write(string path, IReadOnlyList<string> columns, IEnumerable<IReadOnlyList<string>> rows)
    {
        using var writer = new StreamWriter(path, append: false, new System.Text.UTF8Encoding(false));
        using var csv = new CsvWriter(writer, new CsvConfiguration(CultureInfo.InvariantCulture) { NewLine = "\n" });
        foreach (var column in columns)
        {
            csv.WriteField(column);
        }
        csv.NextRecord();
        foreach (var row in rows)
        {
            foreach (var field in row)
            {
                csv.WriteField(field);
            }
            csv.NextRecord();
        }
    }

    /// <summary>Formats a number for CSV output: invariant culture, shortest round-trippable form.</summary>
    public static string Format(double value) => value.ToString("R", CultureInfo.InvariantCulture);
}
