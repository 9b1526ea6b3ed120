using Spectre.Console;

namespace ClusterML.Cli.Output;

/// <summary>Writes Spectre.Console tables to a command's standard output (plain when redirected).</summary>
internal static class Tables
{
    public static void Write(TextWriter output, Table table)
    {
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(output), Interactive = InteractionSupport.No });
        console.Write(table);
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
}
