using System.CommandLine;
using System.Globalization;
using System.Text;
using ClusterML.Cli.Hosting;
using ClusterML.Cli.Output;
using ClusterML.Core.IO;
using ClusterML.Core.Results;
using ClusterML.Core.Validation;
using ClusterML.Engines.Nep.Evaluation;
using ClusterML.Engines.Nep.Model;
using ClusterML.Engines.Nep.Structures;
using ClusterML.Engines.Nep.Training;
using ClusterML.Engines.Nep.Training.Sharding;
using ClusterML.Engines.Nep.Xyz;

namespace ClusterML.Cli.Commands;

/// <summary><c>clusterml nep eval</c>: energies, forces and virials of NEP potentials (GPUMD's nep.txt) on extended-XYZ frames.</summary>
internal static class NepCommand
{
    public static Command Create(CommandRunner runner)
    {
        var nep = new Command("nep", "NEP machine-learned interatomic potentials (GPUMD's nep.txt and extended XYZ).");
        nep.Subcommands.Add(CreateEval(runner));
        nep.Subcommands.Add(CreateTrain(runner));
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
                    // Frames are read in chunks; small frames are evaluated side by side (one thread each), large ones one at a time
                    // on all threads; either way they are written in input order.
                    var chunk = new List<XyzFrame>();
                    void Flush()
                    {
                        var started = clock.Elapsed;
                        var structures = chunk.Select(f => NepStructure.FromFrame(f, nep, inputPath)).ToArray();
                        var results = new NepResult[chunk.Count];
                        var small = structures.All(x => x.Count < 2000) && options.Threads > 1;
                        Parallel.For(0, chunk.Count, new ParallelOptions { MaxDegreeOfParallelism = small ? options.Threads : 1, CancellationToken = cancellationToken },
                            k => results[k] = calculator.Compute(structures[k], small ? options with { Threads = 1 } : options));
                        computeSeconds += (clock.Elapsed - started).TotalSeconds;
                        for (var k = 0; k < chunk.Count; k++)
                        {
                            var (frame, result) = (chunk[k], results[k]);
                            if (!double.IsFinite(result.Energy) || !result.Forces.All(double.IsFinite) || !result.Virial.All(double.IsFinite))
                            {
                                // The reader bounds every structure, so an overflow comes from the model's numbers.
                                throw new InvalidInputException("--model", $"gives non-finite energies or forces for frame {frame.Index} of {inputPath}; its parameters overflow double precision", modelPath);
                            }
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
                            atomCount += structures[k].Count;
                        }
                        chunk.Clear();
                        progress.Report(Math.Min(1.0, (double)stream.Position / totalBytes));
                    }
                    foreach (var frame in ExtendedXyzReader.Read(reader, inputPath, physical: true))
                    {
                        cancellationToken.ThrowIfCancellationRequested();
                        chunk.Add(frame);
                        if (chunk.Count >= 4 * options.Threads)
                        {
                            Flush();
                        }
                    }
                    Flush();
                    if (frameCount == 0)
                    {
                        throw new InvalidInputException("--input", "no frames: the file holds no extended-XYZ frame (an atom count line, a comment line, the atoms)", inputPath, 1);
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

    private static Command CreateTrain(CommandRunner runner)
    {
        var train = new Option<string>("--train") { Description = "Training frames (extended XYZ with energy= and forces; virial= or stress= optional).", Required = true };
        var test = new Option<string?>("--test") { Description = "Test frames, evaluated at every checkpoint." };
        var outDir = new Option<string>("--out") { Description = "Output folder: nep.txt, restart files, loss.csv/png, *_train.out, parity plots.", DefaultValueFactory = _ => "out/nep" };
        var nepIn = new Option<string?>("--nep-in") { Description = "GPUMD nep.in whose keywords set the model and loss (options given here win)." };
        var type = CommonOptions.List("--type", "Species in type order (default: as they first appear in --train).");
        var version = new Option<int?>("--version") { Description = "1 (the lecture's NEP1 form), 3 or 4 (default)." };
        var cutoff = new Option<double[]?>("--cutoff") { Description = "Radial and angular cutoffs (Å). Default 8 4.", Arity = new ArgumentArity(2, 2), AllowMultipleArgumentsPerToken = true };
        var nMax = new Option<int[]?>("--n-max") { Description = "Radial and angular descriptor counts − 1. Default 6 6.", Arity = new ArgumentArity(2, 2), AllowMultipleArgumentsPerToken = true };
        var basis = new Option<int[]?>("--basis-size") { Description = "Radial and angular basis sizes. Default 6 6.", Arity = new ArgumentArity(2, 2), AllowMultipleArgumentsPerToken = true };
        var lMax = new Option<int[]?>("--l-max") { Description = "l_max [4-body 0/1 [5-body 0/1]]. Default 4 1 0.", Arity = new ArgumentArity(1, 3), AllowMultipleArgumentsPerToken = true };
        var neurons = new Option<int?>("--neuron") { Description = "Hidden neurons. Default 30." };
        var lambdaE = new Option<double?>("--lambda-e") { Description = "Energy weight λe. Default 1." };
        var lambdaF = new Option<double?>("--lambda-f") { Description = "Force weight λf. Default 1." };
        var lambdaV = new Option<double?>("--lambda-v") { Description = "Virial weight λv. Default 0.1." };
        var lambda1 = new Option<double?>("--lambda-1") { Description = "L1 weight. Default √(N_par/T)/1000 (GPUMD)." };
        var lambda2 = new Option<double?>("--lambda-2") { Description = "L2 weight. Default √(N_par/T)/1000 (GPUMD)." };
        var optimizer = new Option<string?>("--optimizer") { Description = "adam (default: gradients by autograd) or snes (GPUMD's evolution strategy)." };
        var epochs = new Option<int?>("--epochs") { Description = "Adam epochs or SNES generations. Default 300." };
        var batch = new Option<int?>("--batch") { Description = "Frames per batch. Default 5." };
        var lr = new Option<double?>("--lr") { Description = "Adam learning rate at the start (cosine decay). Default 1e-2." };
        var finalLr = new Option<double?>("--final-lr") { Description = "Adam learning rate at the end. Default 1e-4." };
        var population = new Option<int?>("--population") { Description = "SNES population. Default 50." };
        var checkpointEvery = new Option<int?>("--checkpoint-every") { Description = "Write nep.txt and the restart state every N epochs. Default 10." };
        var restart = new Option<bool>("--restart", "--resume") { Description = "Continue exactly from the restart state in --out (also after the coordinator of a distributed fit died)." };
        var shards = new Option<int?>("--shards") { Description = $"Logical data shards (Adam): each batch's frames are dealt to them by atom count; fixed by data and seed, so any number of workers gives the same model. Default {NepShardPlan.DefaultShards}." };
        var distributed = new Option<bool>("--distributed") { Description = "Fit on the cluster: the shards live on the workers (this process alone: all roles, one worker slot per core; or --roles coordinator with workers from clusterml node)." };
        var minWorkers = new Option<int>("--min-workers") { Description = "With --distributed: wait for this many worker nodes before the fit starts.", DefaultValueFactory = _ => 1 };
        var cluster = new ClusterOptionSet("coordinator,worker,aggregator", 0, "127.0.0.1");
        var fineTune = new Option<string?>("--fine-tune") { Description = "Start from this nep.txt (its architecture and q_scaler) instead of random parameters." };
        var dtype = new Option<string>("--dtype") { Description = "float32 (default) or float64 for the training arithmetic.", DefaultValueFactory = _ => "float32" };
        dtype.AcceptOnlyFromAmong("float32", "float64");
        var threads = new Option<int>("--threads") { Description = "Threads (0: all cores).", DefaultValueFactory = _ => 0 };
        var seed = CommonOptions.Seed();
        var device = CommonOptions.Device();
        var command = new Command("train", "Fit a NEP potential to energies, forces and virials: L = λe·Le + λf·Lf + λv·Lv + λ1·L1 + λ2·L2, by Adam or SNES.")
        {
            train, test, outDir, nepIn, type, version, cutoff, nMax, basis, lMax, neurons, lambdaE, lambdaF, lambdaV, lambda1, lambda2, optimizer, epochs, batch,
            lr, finalLr, population, checkpointEvery, restart, fineTune, dtype, threads, seed, device, shards, distributed, minWorkers,
        };
        cluster.AddTo(command);
        runner.SetAction(command, async (context, cancellationToken) =>
        {
            var p = context.Parse;
            var settings = new NepTrainingSettings();
            if (p.GetValue(nepIn) is { Length: > 0 } nepInPath)
            {
                settings = NepInput.Apply(nepInPath, settings);
            }
            if (p.GetValue(type) is { Length: > 0 } given)
            {
                settings = settings with { Species = given };
            }
            settings = settings with
            {
                Version = p.GetValue(version) ?? settings.Version,
                RadialCutoff = p.GetValue(cutoff) is [var rcR, _] ? rcR : settings.RadialCutoff,
                AngularCutoff = p.GetValue(cutoff) is [_, var rcA] ? rcA : settings.AngularCutoff,
                NMaxRadial = p.GetValue(nMax) is [var nR, _] ? nR : settings.NMaxRadial,
                NMaxAngular = p.GetValue(nMax) is [_, var nA] ? nA : settings.NMaxAngular,
                BasisRadial = p.GetValue(basis) is [var bR, _] ? bR : settings.BasisRadial,
                BasisAngular = p.GetValue(basis) is [_, var bA] ? bA : settings.BasisAngular,
                LMax = p.GetValue(lMax) is [var l, ..] ? l : settings.LMax,
                FourBody = p.GetValue(lMax) is [_, var four, ..] ? four != 0 : settings.FourBody,
                FiveBody = p.GetValue(lMax) is [_, _, var five] ? five != 0 : settings.FiveBody,
                Neurons = p.GetValue(neurons) ?? settings.Neurons,
                LambdaE = p.GetValue(lambdaE) ?? settings.LambdaE,
                LambdaF = p.GetValue(lambdaF) ?? settings.LambdaF,
                LambdaV = p.GetValue(lambdaV) ?? settings.LambdaV,
                Lambda1 = p.GetValue(lambda1) ?? settings.Lambda1,
                Lambda2 = p.GetValue(lambda2) ?? settings.Lambda2,
                Optimizer = p.GetValue(optimizer) ?? settings.Optimizer,
                Epochs = p.GetValue(epochs) ?? settings.Epochs,
                Batch = p.GetValue(batch) ?? settings.Batch,
                LearningRate = p.GetValue(lr) ?? settings.LearningRate,
                FinalLearningRate = p.GetValue(finalLr) ?? settings.FinalLearningRate,
                Population = p.GetValue(population) ?? settings.Population,
                CheckpointEvery = p.GetValue(checkpointEvery) ?? settings.CheckpointEvery,
                Float64 = p.GetValue(dtype) == "float64",
                Threads = p.GetValue(threads),
                Device = p.GetValue(device) ?? "cpu",
                Shards = p.GetValue(shards) ?? settings.Shards,
            };
            var isDistributed = p.GetValue(distributed);

            settings = settings.Validated();
            ClusterML.Engines.Torch.TorchDevices.Resolve(settings.Device); // a missing GPU fails here, before any work
            var trainPath = CommonOptions.RequiredPath(p, train);
            NepModel initial;
            IReadOnlyList<NepFrame> trainFrames;
            if (p.GetValue(fineTune) is { Length: > 0 } fineTunePath)
            {
                initial = NepModel.Read(fineTunePath);
                trainFrames = NepDataset.Read(trainPath, initial, "--train");
            }
            else
            {
                var species = settings.Species ?? (File.Exists(trainPath) ? NepDataset.Species(trainPath) : throw new InvalidInputException("--train", $"'{trainPath}' does not exist"));
                trainFrames = NepDataset.Read(trainPath, species, "--train");
                initial = NepInitializer.Create(settings, species, trainFrames, p.GetValue(seed));
            }
            var testFrames = p.GetValue(test) is { Length: > 0 } testPath ? NepDataset.Read(testPath, initial, "--test") : null;
            var folder = CommonOptions.RequiredPath(p, outDir);
            Directory.CreateDirectory(folder);
            var checkpoint = new NepCheckpoint(folder);
            context.Log.Information("nep train: {Optimizer}, nep{Version} {Species}, {Parameters} parameters, {Frames} training frames ({Atoms} atoms){Test}",
                settings.Optimizer, initial.Version, string.Join(" ", initial.Species), initial.ParameterCount, trainFrames.Count, trainFrames.Sum(f => f.Atoms),
                testFrames is null ? "" : $", {testFrames.Count} test frames");
            // The live record the dashboard reads (<data-dir>/nep-fits/<id>): a restart continues the record of the same --out.
            var info = new NepFitInfo("", Path.GetFullPath(folder), "running", DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), null, settings.Optimizer,
                [.. initial.Species], settings.Epochs, trainFrames.Count, testFrames?.Count, isDistributed, Environment.ProcessId, null);
            var warned = 0;
            void Warn(string message)
            {
                if (Interlocked.Exchange(ref warned, 1) == 0)
                {
                    context.Log.Warning("{Message}", message);
                }
            }
            using var record = p.GetValue(restart) ? NepFitRecords.Resume(context.DataDir, info, Warn) : NepFitRecords.Begin(context.DataDir, info, Warn);
            context.Log.Information("NEP fit {Id} recorded in {Folder}; clusterml dashboard shows it live", record.Id, record.Folder ?? NepFitRecords.FolderIn(context.DataDir));
            NepTrainingRun run;
            try
            {
                run = await ProgressDisplay.RunAsync(context, "nep train", progress =>
                {
                    var reporter = new EpochReporter(e =>
                    {
                        progress.Report((double)e.Epoch / settings.Epochs);
                        record.Epoch(new NepFitPoint(e.Epoch, e.Seconds, e.Total, e.EnergyTrain, e.ForceTrain, e.VirialTrain, e.EnergyTest, e.ForceTest, e.VirialTest));
                        context.Log.Debug("epoch {Epoch}: loss {Loss:E3}, RMSE E {E:F3} meV/atom, F {F:F2} meV/Å", e.Epoch, e.Total, e.EnergyTrain * 1000, e.ForceTrain * 1000);
                    });
                    if (isDistributed)
                    {
                        var options = cluster.Read(context) with { Device = settings.Device };
                        return NepDistributedFit.RunAsync(context, options, Require.AtLeast("--min-workers", p.GetValue(minWorkers), 1), settings, initial, trainFrames, testFrames,
                            p.GetValue(seed), checkpoint, p.GetValue(restart), reporter, record, cancellationToken).GetAwaiter().GetResult();
                    }
                    return settings.Optimizer == "snes"
                        ? NepSnesTrainer.Train(settings, initial, trainFrames, testFrames, p.GetValue(seed), checkpoint, p.GetValue(restart), reporter, cancellationToken)
                        : NepAdamTrainer.Train(settings, initial, trainFrames, testFrames, p.GetValue(seed), checkpoint, p.GetValue(restart), reporter, cancellationToken);
                });
                run.Model.Write(checkpoint.Model);
                NepOutputs.WriteLoss(run.History, Path.Combine(folder, "loss.csv"), Path.Combine(folder, "loss.png"));
                NepOutputs.WritePredictions(run.Train, "train", name => Path.Combine(folder, name));
                if (run.Test is { } testPredictions)
                {
                    NepOutputs.WritePredictions(testPredictions, "test", name => Path.Combine(folder, name));
                }
                record.End("completed", null);
            }
            catch (OperationCanceledException)
            {
                record.End("cancelled", null);
                throw;
            }
            catch (InvalidInputException e)
            {
                record.Abandon(e.Message); // refused before training (a restart with other settings): the earlier fit's record stays as it was
                throw;
            }
            catch (Exception e)
            {
                record.End("failed", e.Message);
                throw;
            }
            context.Log.Information("Wrote nep.txt, loss.csv, loss.png, energy/force/virial_train.out and parity plots to {Out}", Path.GetFullPath(folder));
            var rows = new List<(string, string)>
            {
                ("energy RMSE train (meV/atom)", (run.Train.EnergyRmse * 1000).ToString("F3", CultureInfo.InvariantCulture)),
                ("force RMSE train (meV/Å)", (run.Train.ForceRmse * 1000).ToString("F2", CultureInfo.InvariantCulture)),
                ("virial RMSE train (meV/atom)", run.Train.VirialRmse is { } v ? (v * 1000).ToString("F3", CultureInfo.InvariantCulture) : "no virials"),
                ("wall time (s)", run.Seconds.ToString("F1", CultureInfo.InvariantCulture)),
            };
            if (run.Test is { } t)
            {
                rows.Insert(3, ("energy / force RMSE test", $"{t.EnergyRmse * 1000:F3} meV/atom, {t.ForceRmse * 1000:F2} meV/Å"));
            }
            Tables.Write(context.Out, Tables.KeyValues("quantity", "value", rows));
            return ExitCodes.Ok;
        });
        return command;
    }

    private sealed class EpochReporter(Action<NepEpoch> report) : IProgress<NepEpoch>
    {
        public void Report(NepEpoch value) => report(value);
    }
}
