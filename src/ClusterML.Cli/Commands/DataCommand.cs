using System.CommandLine;
using System.Globalization;
using ClusterML.Cli.Hosting;
using ClusterML.Cli.Output;
using ClusterML.Core.IO;
using ClusterML.Core.Validation;
using ClusterML.Engines.Nep.Data;
using ClusterML.Engines.Nep.Model;
using ClusterML.Engines.Pinn.Heat;
using ClusterML.Engines.FiniteDifferences;
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
        generate.Subcommands.Add(CreateNepFrames(runner));
        data.Subcommands.Add(generate);
        return data;
    }

    private static Command CreateGenerator(CommandRunner runner, IPhysicsOracle oracle)
    {
        var n = new Option<int>("--n") { Description = "Rows to generate.", DefaultValueFactory = _ => 2000 };
        var seed = CommonOptions.Seed("Seed of the input sampling; the same seed gives the same file.");
        var outFile = new Option<string>("--out") { Description = "Output CSV.", DefaultValueFactory = _ => $"{oracle.Name}.csv" };
        var inputs = string.Join("; ", oracle.Inputs.Select(i =>
            $"{i.Name} {(i.Sampling == OracleSampling.Choice ? $"∈ {{{i.Min:G}…{i.Max:G}}}" : $"{i.Min:G}–{i.Max:G}{i.Sampling switch { OracleSampling.LogUniform => " log-uniform", OracleSampling.Correlated => " (correlated)", _ => string.Empty }}")}"));
        var command = new Command(oracle.Name, $"{oracle.Description} Inputs: {inputs}. Outputs: {string.Join(", ", oracle.Outputs)}.") { n, seed, outFile };
        var observations = AddObservationOptions(oracle, command);
        runner.SetAction(command, async (context, cancellationToken) =>
        {
            if (observations is not null && context.Parse.GetValue(observations.Count) is { } count)
            {
                return WriteObservations(context, observations, count, context.Parse.GetValue(seed), context.Parse.GetValue(outFile), cancellationToken);
            }
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

    /// <summary><c>data generate nep-frames</c>: rattled, strained supercells of a few structures, labelled by a reference NEP model.</summary>
    private static Command CreateNepFrames(CommandRunner runner)
    {
        var model = new Option<string>("--model") { Description = "The reference nep.txt that labels the frames (or a folder holding one).", Required = true };
        var from = new Option<string>("--from") { Description = "Source structures, extended XYZ (a few frames; their labels are ignored).", Required = true };
        var n = new Option<int>("--n") { Description = "Frames to generate; frame k starts from source frame k mod (source count).", DefaultValueFactory = _ => 100 };
        var supercell = new Option<string>("--supercell") { Description = "Repeats a,b,c along the cell vectors.", DefaultValueFactory = _ => "1,1,1" };
        var rattle = new Option<double>("--rattle") { Description = "Standard deviation σ (Å) of the Gaussian displacement of each position component.", DefaultValueFactory = _ => 0.05 };
        var strain = new Option<double>("--strain") { Description = "Bound ε of each component of the random symmetric strain, uniform in [−ε, ε] (0 ≤ ε < 1/3, which keeps every cell right-handed).", DefaultValueFactory = _ => 0.02 };
        var seed = CommonOptions.Seed("Seed of the strains and displacements; the same seed gives the same file, whatever --threads.");
        var outFile = new Option<string>("--out") { Description = "Output extended XYZ (energy=, virial=, forces), written atomically.", DefaultValueFactory = _ => "nep-frames.xyz" };
        var threads = new Option<int>("--threads") { Description = "Frames evaluated side by side (default: all cores); does not change the output.", DefaultValueFactory = _ => Environment.ProcessorCount };
        var command = new Command("nep-frames", "Label rattled, strained supercells of a few structures with a reference NEP model: large NEP training sets, streamed to disk.")
        {
            model, from, n, supercell, rattle, strain, seed, outFile, threads,
        };
        runner.SetAction(command, async (context, cancellationToken) =>
        {
            var p = context.Parse;
            var (a, b, c) = NepFrameSettings.ParseSupercell(p.GetValue(supercell));
            var settings = new NepFrameSettings(p.GetValue(n), a, b, c, p.GetValue(rattle), p.GetValue(strain), p.GetValue(seed), p.GetValue(threads)).Validated();
            var modelPath = CommonOptions.RequiredPath(p, model);
            if (Directory.Exists(modelPath))
            {
                modelPath = Path.Combine(modelPath, "nep.txt");
            }
            var nep = NepModel.Read(modelPath);
            var fromPath = CommonOptions.RequiredPath(p, from);
            var outPath = CommonOptions.RequiredPath(p, outFile);
            var generator = NepFrameGenerator.FromFile(nep, fromPath, settings);
            var summary = await ProgressDisplay.RunAsync(context, "generate nep-frames", progress => generator.Write(outPath, progress, cancellationToken));
            context.Log.Information("Wrote {Frames} frames ({Atoms} atoms) labelled by {Model} from {From} (supercell {Supercell}, rattle {Rattle} Å, strain {Strain}) to {Out}",
                summary.Frames, summary.Atoms, modelPath, fromPath, $"{a},{b},{c}", settings.Rattle, settings.Strain, Path.GetFullPath(outPath));
            Tables.Write(context.Out, Tables.KeyValues("quantity", "value",
            [
                ("frames", summary.Frames.ToString(CultureInfo.InvariantCulture)),
                ("atoms", summary.Atoms.ToString(CultureInfo.InvariantCulture)),
                ("energy per atom (eV)", $"{summary.MinEnergyPerAtom.ToString("F6", CultureInfo.InvariantCulture)} … {summary.MaxEnergyPerAtom.ToString("F6", CultureInfo.InvariantCulture)}"),
                ("max |force| (eV/Å)", summary.MaxForce.ToString("F4", CultureInfo.InvariantCulture)),
            ]));
            return ExitCodes.Ok;
        });
        return command;
    }

    /// <summary>Options of <c>heat-fd --observations N</c>: sparse noisy observations (x,t,T) of the textbook problem for an inverse PINN.</summary>
    private sealed record ObservationOptions(Option<int?> Count, Option<double> Noise, Option<double> Alpha, Option<double> Length, Option<double> TEnd);

    private static ObservationOptions? AddObservationOptions(IPhysicsOracle oracle, Command command)
    {
        if (oracle.Name != "heat-fd")
        {
            return null;
        }
        var defaults = new HeatProblem();
        var options = new ObservationOptions(
            new Option<int?>("--observations") { Description = "Instead of surrogate rows: N observations x,t,T of one rod (T(t,0) = 0, T(t,L) = 1, T(0,x) = 0) from the FD solution, for pinn heat --inverse." },
            new Option<double>("--noise") { Description = "Gaussian noise on the observations, as a fraction of their standard deviation (0.01 = 1 %).", DefaultValueFactory = _ => 0.0 },
            new Option<double>("--alpha") { Description = "Diffusivity of the observed rod.", DefaultValueFactory = _ => defaults.Alpha },
            new Option<double>("--length") { Description = "Length of the observed rod.", DefaultValueFactory = _ => defaults.Length },
            new Option<double>("--t-end") { Description = "Observations are taken at t in (0, t-end].", DefaultValueFactory = _ => 1.0 });
        command.Options.Add(options.Count);
        command.Options.Add(options.Noise);
        command.Options.Add(options.Alpha);
        command.Options.Add(options.Length);
        command.Options.Add(options.TEnd);
        return options;
    }

    private static int WriteObservations(CommandContext context, ObservationOptions options, int count, int seed, string? path, CancellationToken cancellationToken)
    {
        var p = context.Parse;
        var problem = new HeatProblem(p.GetValue(options.Alpha), p.GetValue(options.Length)).Validated();
        var tEnd = Require.Positive("--t-end", p.GetValue(options.TEnd));
        var noise = p.GetValue(options.Noise);
        var observed = HeatObservationFile.Generate(problem, tEnd, count, noise, seed, cancellationToken);
        var target = string.IsNullOrWhiteSpace(path) || path == "heat-fd.csv" ? "heat-observations.csv" : path;
        AtomicFile.Write(target, staged => CsvTable.Write(staged, ["x", "t", "T"],
            observed.Select(o => (IReadOnlyList<string>)[CsvTable.Format(o.X), CsvTable.Format(o.T), CsvTable.Format(o.Temperature)])));
        context.Log.Information("Wrote {Count} observations of the rod (α = {Alpha}, L = {Length}, noise {Noise:P1} of their spread) to {Out}",
            count, problem.Alpha, problem.Length, noise, Path.GetFullPath(target));
        return ExitCodes.Ok;
    }
}
