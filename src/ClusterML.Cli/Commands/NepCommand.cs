using System.CommandLine;
using System.Globalization;
using System.Text;
using ClusterML.Cli.Hosting;
using ClusterML.Cli.Output;
using ClusterML.Core.IO;
using ClusterML.Core.Validation;
using ClusterML.Engines.Nep.Evaluation;
using ClusterML.Engines.Nep.Model;
using ClusterML.Engines.Nep.Structures;
using ClusterML.Engines.Nep.Xyz;

namespace ClusterML.Cli.Commands;

/// <summary><c>clusterml nep eval</c>: energies, forces and virials of NEP potentials (GPUMD's nep.txt) on extended-XYZ frames.</summary>
internal static class NepCommand
{
    public static Command Create(CommandRunner runner)
    {
        var nep = new Command("nep", "NEP machine-learned interatomic potentials (GPUMD's nep.txt and extended XYZ).");
        nep.Subcommands.Add(CreateEval(runner));
        return nep;
    }

    private static Command CreateEval(CommandRunner runner)
    {
        var model = new Option<string>("--model") { Description = "nep.txt (nep3, nep4, nep3_zbl, nep4_zbl), or a folder holding one.", Required = true };
        var input = new Option<string>("--input") { Description = "Extended XYZ frames (lattice and properties=species:S:1:pos:R:3… required).", Required = true };
        var output = new Option<string>("--output") { Description = "Extended XYZ written back with energy=, virial=\"…\" (eV, xx xy xz yx yy yz zx zy zz) and a forces:R:3 column.", Required = true };
        var perAtom = new Option<bool>("--per-atom") { Description = "Add per-atom energies (energies:R:1) and per-atom virials (virials:R:9)." };
        var descriptors = new Option<bool>("--descriptors") { Description = "Add the scaled descriptors of each atom (descriptors:R:dim)." };
        var threads = new Option<int>("--threads") { Description = "Threads per frame (default: all cores).", DefaultValueFactory = _ => Environment.ProcessorCount };
        var dtype = new Option<string>("--dtype") { Description = "float64 (the double-precision evaluator).", DefaultValueFactory = _ => "float64" };
        dtype.AcceptOnlyFromAmong("float64");
        var command = new Command("eval", "Evaluate a NEP potential on every frame of an extended-XYZ file (streamed: the file need not fit in memory).")
        {
            model, input, output, perAtom, descriptors, threads, dtype,
        };
        runner.SetAction(command, async (context, cancellationToken) =>
        {
            var p = context.Parse;
            var modelPath = CommonOptions.RequiredPath(p, model);
            if (Directory.Exists(modelPath))
            {
                modelPath = Path.Combine(modelPath, "nep.txt");
            }
            var nep = NepModel.Read(modelPath);
            var inputPath = CommonOptions.RequiredPath(p, input);
            if (!File.Exists(inputPath))
            {
                throw new InvalidInputException("--input", $"'{inputPath}' does not exist");
            }
            var outputPath = CommonOptions.RequiredPath(p, output);
            var options = new NepOptions(p.GetValue(perAtom), p.GetValue(descriptors), Require.AtLeast("--threads", p.GetValue(threads), 1));
            var calculator = new NepCalculator(nep);
            context.Log.Information("nep eval: {Model} (nep{Version}, {Species}, descriptor dimension {Dim}) on {Input}",
                modelPath, nep.Version, string.Join(" ", nep.Species), nep.Dimension, inputPath);
            var totalBytes = Math.Max(1, new FileInfo(inputPath).Length);
            var (frames, atoms, seconds) = await ProgressDisplay.RunAsync(context, "nep eval", progress =>
            {
                var clock = System.Diagnostics.Stopwatch.StartNew();
                int frameCount = 0, atomCount = 0;
                double computeSeconds = 0;
                using var stream = File.OpenRead(inputPath);
                using var reader = new StreamReader(stream);
                AtomicFile.Write(outputPath, staged =>
                {
                    using var writer = new StreamWriter(staged, append: false, new UTF8Encoding(false), 1 << 16);
                    foreach (var frame in ExtendedXyzReader.Read(reader, inputPath))
                    {
                        cancellationToken.ThrowIfCancellationRequested();
                        var structure = NepStructure.FromFrame(frame, nep, inputPath);
                        var started = clock.Elapsed;
                        var result = calculator.Compute(structure, options);
                        computeSeconds += (clock.Elapsed - started).TotalSeconds;
                        var columns = new List<XyzAtomColumn>();
                        if (options.PerAtomVirial)
                        {
                            columns.Add(new XyzAtomColumn("energies", 1, result.AtomEnergies));
                            columns.Add(new XyzAtomColumn("virials", 9, result.AtomVirials!));
                        }
                        if (result.Descriptors is { } q)
                        {
                            columns.Add(new XyzAtomColumn("descriptors", nep.Dimension, q));
                        }
                        var evaluated = new XyzFrame(frame.Index, frame.Cell, frame.Species, frame.Positions, result.Forces, result.Energy, result.Virial, frame.Weight, frame.Extra);
                        ExtendedXyzWriter.Write(writer, evaluated, columns);
                        frameCount++;
                        atomCount += structure.Count;
                        progress.Report(Math.Min(1.0, (double)stream.Position / totalBytes));
                    }
                });
                return (frameCount, atomCount, computeSeconds);
            });
            context.Log.Information("Wrote {Frames} frames ({Atoms} atoms) to {Output}", frames, atoms, Path.GetFullPath(outputPath));
            Tables.Write(context.Out, Tables.KeyValues("quantity", "value",
            [
                ("frames", frames.ToString(CultureInfo.InvariantCulture)),
                ("atoms", atoms.ToString(CultureInfo.InvariantCulture)),
                ("evaluation time (s)", seconds.ToString("F3", CultureInfo.InvariantCulture)),
                ("atom-evaluations per second", seconds > 0 ? (atoms / seconds).ToString("E3", CultureInfo.InvariantCulture) : "–"),
            ]));
            return ExitCodes.Ok;
        });
        return command;
    }
}
