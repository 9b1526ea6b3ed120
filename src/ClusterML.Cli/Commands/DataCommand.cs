using System.CommandLine;
using ClusterML.Cli.Hosting;
using ClusterML.Cli.Output;
using ClusterML.Core.IO;
using ClusterML.Core.Validation;
using ClusterML.Oracles;

namespace ClusterML.Cli.Commands;

/// <summary><c>clusterml data generate &lt;oracle&gt;</c>: training data from the physics models that stand in for simulations.</summary>
internal static class DataCommand
{
    public static Command Create(CommandRunner runner)
    {
        var data = new Command("data", "Data sets for surrogates.");
        var generate = new Command("generate", "Sample a physics model's inputs and evaluate it: the stand-in for an expensive simulation campaign.");
        foreach (var oracle in Oracles.Oracles.All)
        {
            generate.Subcommands.Add(CreateGenerator(runner, oracle));
        }
        data.Subcommands.Add(generate);
        return data;
    }

    private static Command CreateGenerator(CommandRunner runner, IPhysicsOracle oracle)
    {
        var n = new Option<int>("--n") { Description = "Rows to generate.", DefaultValueFactory = _ => 2000 };
        var seed = CommonOptions.Seed("Seed of the input sampling; the same seed gives the same file.");
        var outFile = new Option<string>("--out") { Description = "Output CSV.", DefaultValueFactory = _ => $"{oracle.Name}.csv" };
        var inputs = string.Join("; ", oracle.Inputs.Select(i =>
            $"{i.Name} {(i.Sampling == OracleSampling.Choice ? $"∈ {{{i.Min:G}…{i.Max:G}}}" : $"{i.Min:G}–{i.Max:G}{(i.Sampling == OracleSampling.LogUniform ? " log-uniform" : string.Empty)}")}"));
        var command = new Command(oracle.Name, $"{oracle.Description} Inputs: {inputs}. Outputs: {string.Join(", ", oracle.Outputs)}.") { n, seed, outFile };
        runner.SetAction(command, async (context, cancellationToken) =>
        {
            var rows = Require.AtLeast("--n", context.Parse.GetValue(n), 1);
            var path = context.Parse.GetValue(outFile) ?? $"{oracle.Name}.csv";
            var table = await ProgressDisplay.RunAsync(context, $"generate {oracle.Name}", progress =>
                OracleDataGenerator.Generate(oracle, rows, context.Parse.GetValue(seed), progress, cancellationToken));
            AtomicFile.Write(path, temp => CsvTable.Write(temp, [.. table.Columns],
                table.Rows.Select(row => (IReadOnlyList<string>)row.Select(CsvTable.Format).ToArray())));
            context.Log.Information("Wrote {Rows} rows of {Oracle} ({Columns}) to {Out}", rows, oracle.Name, string.Join(",", table.Columns), Path.GetFullPath(path));
            var summary = table.Columns.Select((c, i) => (c, $"{table.Rows.Min(r => r[i]):G4} … {table.Rows.Max(r => r[i]):G4}"));
            Tables.Write(context.Out, Tables.KeyValues("column", "range", summary));
            return ExitCodes.Ok;
        });
        return command;
    }
}
