using System.Globalization;
using System.Text.Json;
using CsvHelper;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace ClusterML.Cli.Output;

/// <summary>How a command prints a table: drawn for people, or CSV / JSON for scripts (<c>--format</c>).</summary>
public enum TableFormat
{
    Table,
    Csv,
    Json,
}

/// <summary>
/// Writes Spectre.Console tables to a command's standard output: drawn at the terminal's width on a terminal and at the
/// table's own width anywhere else (a pipe or file never cuts a row into pieces), or as CSV or JSON.
/// </summary>
internal static class Tables
{
    /// <summary>Wide enough for any table of ours: redirected output is never wrapped.</summary>
    private const int UnboundedWidth = 4096;

    public static void Write(TextWriter output, Table table, TableFormat format = TableFormat.Table)
    {
        switch (format)
        {
            case TableFormat.Csv:
                WriteCsv(output, table);
                return;
            case TableFormat.Json:
                WriteJson(output, table);
                return;
            default:
                var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(output), Interactive = InteractionSupport.No });
                console.Profile.Width = IsTerminal(output) ? Math.Max(40, Console.WindowWidth) : UnboundedWidth;
                console.Write(table);
                return;
        }
    }

    public static Table KeyValues(string key, string value, IEnumerable<(string Key, string Value)> rows)
    {
        var table = new Table().AddColumn(key).AddColumn(new TableColumn(value).RightAligned());
        foreach (var (k, v) in rows)
        {
            table.AddRow(Markup.Escape(k), Markup.Escape(v));
        }
        return table;
    }

    /// <summary>The header texts and each row's cell texts, as they would print (markup removed).</summary>
    internal static (IReadOnlyList<string> Headers, IReadOnlyList<IReadOnlyList<string>> Rows) Cells(Table table) =>
        ([.. table.Columns.Select(c => Text(c.Header))], [.. table.Rows.Select(row => (IReadOnlyList<string>)[.. row.Select(Text)])]);

    private static bool IsTerminal(TextWriter output) =>
        ReferenceEquals(output, Console.Out) && !Console.IsOutputRedirected && Console.WindowWidth > 0;

    private static string Text(IRenderable cell)
    {
        using var writer = new StringWriter(CultureInfo.InvariantCulture);
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(writer),
            Ansi = AnsiSupport.No,
            ColorSystem = ColorSystemSupport.NoColors,
            Interactive = InteractionSupport.No,
        });
        console.Profile.Width = UnboundedWidth;
        console.Write(cell);
        return string.Join(' ', writer.ToString().Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries));
    }

    private static void WriteCsv(TextWriter output, Table table)
    {
        var (headers, rows) = Cells(table);
        using var csv = new CsvWriter(output, CultureInfo.InvariantCulture, leaveOpen: true);
        foreach (var header in headers)
        {
            csv.WriteField(header);
        }
        csv.NextRecord();
        foreach (var row in rows)
        {
            foreach (var cell in row)
            {
                csv.WriteField(cell);
            }
            csv.NextRecord();
        }
    }

    /// <summary>An array of objects keyed by the headers; a cell that is a finite number is written as a JSON number.</summary>
    private static void WriteJson(TextWriter output, Table table)
    {
        var (headers, rows) = Cells(table);
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            json.WriteStartArray();
            foreach (var row in rows)
            {
                json.WriteStartObject();
                for (var i = 0; i < headers.Count; i++)
                {
                    var cell = i < row.Count ? row[i] : "";
                    if (double.TryParse(cell, NumberStyles.Float, CultureInfo.InvariantCulture, out var number) && double.IsFinite(number))
                    {
                        json.WriteNumber(headers[i], number);
                    }
                    else
                    {
                        json.WriteString(headers[i], cell);
                    }
                }
                json.WriteEndObject();
            }
            json.WriteEndArray();
        }
        output.WriteLine(System.Text.Encoding.UTF8.GetString(buffer.ToArray()));
    }
}
