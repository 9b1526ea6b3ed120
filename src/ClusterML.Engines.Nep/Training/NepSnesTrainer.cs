using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using ClusterML.Core.Engines;
using ClusterML.Core.IO;
using ClusterML.Core.Validation;
using ClusterML.Engines.Nep.Evaluation;
using ClusterML.Engines.Nep.Model;
using ClusterML.Engines.Nep.Structures;
using ClusterML.Engines.Nep.Training.Sharding;

namespace ClusterML.Engines.Nep.Training;

/// <summary>
/// GPUMD's separable natural evolution strategy (nep.md §c.1; Schaul et al. 2011): a mean μ and per-parameter spread σ;
/// each generation P individuals z_p = μ + σ ⊙ s_p (s ~ N(0, 1)) are evaluated on one energy-stratified batch (batch
/// g mod B), ranked — for NEP4 once per species on its own network and centre-type c coefficients with the frames that
/// contain it, plus a global ranking for everything else — and μ, σ follow the rank utilities
/// u_i = max(0, ln(P/2+1) − ln i)/Σ − 1/P: μ += σ ∇μ, σ ← min(σ exp(η_σ ∇σ), 1), η_σ = (3 + ln d)/(10 √d), d = N/T.
/// Each individual's loss is <see cref="Loss"/>; <c>nep.restart</c> holds μ and σ as GPUMD writes it.
/// </summary>
public static class NepSnesTrainer
{
    private sealed record RestartState(int Generation, int Seed, string Shape, List<NepEpoch> History);

    /// <summary>
    /// The fitness of one individual on a batch: the per-species and global losses (<see cref="Losses"/>[T] is the global one)
    /// and the global RMSEs they were made from (GPUMD's measures, as <see cref="NepPredictions"/> computes them).
    /// </summary>
    public sealed record Fitness(double[] Losses, double EnergyRmse, double ForceRmse, double? VirialRmse);

    /// <summary>The per-species and global losses of one parameter vector on a batch (index T = global).</summary>
    public static Fitness Loss(NepModel model, double[] z, IReadOnlyList<NepFrame> frames, IReadOnlyList<NeighborList> lists, NepTrainingSettings settings,
        double lambda1, double lambda2) =>
        Combine(model, z, Sums(model, z, frames, lists), settings, lambda1, lambda2);

    /// <summary>Values per ranking group in <see cref="Sums"/>: S0 = Σw², S1 = Σw²d, S2 = Σw²d² (d the per-atom energy error), F, its count, V, its count.</summary>
    public const int SumsPerGroup = 7;

    /// <summary>
    /// One individual's partial sums over some frames, per ranking group (species t = frames that contain it; T = all), in a
    /// form that adds across shards: the energy offset Δ of the whole batch is removed afterwards (Σw²(d − Δ)² = S2 − 2ΔS1 + Δ²S0).
    /// </summary>
    public static double[] Sums(NepModel model, double[] z, IReadOnlyList<NepFrame> frames, IReadOnlyList<NeighborList> lists)
    {
        var calculator = new NepCalculator(model.WithParameters(z));
        var types = model.SpeciesCount;
        var sums = new double[(types + 1) * SumsPerGroup];
        var present = new bool[types + 1];
        for (var f = 0; f < frames.Count; f++)
        {
            var frame = frames[f];
            var result = calculator.Compute(frame.Structure, lists[f], new NepOptions());
            var w2 = frame.Weight * frame.Weight;
            Array.Clear(present);
            present[types] = true;
            foreach (var t in frame.Structure.Types)
            {
                present[t] = true;
            }
            var de = (result.Energy - frame.Energy) / frame.Atoms;
            double frameF2 = 0;
            for (var k = 0; k < frame.Forces.Length; k++)
            {
                var d = result.Forces[k] - frame.Forces[k];
                frameF2 += d * d;
            }
            double frameV2 = 0;
            if (frame.Virial is { } reference)
            {
                foreach (var k in new[] { 0, 4, 8, 1, 5, 6 })
                {
                    var d = (result.Virial[k] - reference[k]) / frame.Atoms;
                    frameV2 += d * d;
                }
            }
            for (var g = 0; g <= types; g++)
            {
                if (!present[g])
                {
                    continue;
                }
                var at = g * SumsPerGroup;
                sums[at] += w2;
                sums[at + 1] += w2 * de;
                sums[at + 2] += w2 * de * de;
                sums[at + 3] += w2 * frameF2;
                sums[at + 4] += w2 * frame.Forces.Length;
                if (frame.Virial is not null)
                {
                    sums[at + 5] += w2 * frameV2;
                    sums[at + 6] += w2 * 6;
                }
            }
        }
        return sums;
    }

    /// <summary>An individual's fitness from the batch's summed <see cref="Sums"/>: per group λ·RMSEs after the batch's energy offset, plus L1/L2 of its variables.</summary>
    public static Fitness Combine(NepModel model, double[] z, double[] sums, NepTrainingSettings settings, double lambda1, double lambda2)
    {
        var types = model.SpeciesCount;
        var all = types * SumsPerGroup;
        var offset = sums[all + 1] / sums[all];
        double Energy2(int g) => Math.Max(0, sums[(g * SumsPerGroup) + 2] - (2 * offset * sums[(g * SumsPerGroup) + 1]) + (offset * offset * sums[g * SumsPerGroup]));
        var loss = new double[types + 1];
        for (var g = 0; g <= types; g++)
        {
            var at = g * SumsPerGroup;
            var variables = g == types ? Enumerable.Range(0, z.Length) : Variables(model, g);
            double abs = 0, square = 0;
            var count = 0;
            foreach (var k in variables)
            {
                abs += Math.Abs(z[k]);
                square += z[k] * z[k];
                count++;
            }
            loss[g] = (lambda1 * abs / Math.Max(1, count)) + (lambda2 * Math.Sqrt(square / Math.Max(1, count)))
                + (settings.LambdaE * Math.Sqrt(Energy2(g) / Math.Max(1e-300, sums[at])))
                + (settings.LambdaF * Math.Sqrt(sums[at + 3] / Math.Max(1e-300, sums[at + 4])))
                + (sums[at + 6] > 0 ? settings.LambdaV * Math.Sqrt(sums[at + 5] / sums[at + 6]) : 0);
            if (sums[at] == 0)
            {
                loss[g] = double.NaN; // species absent from the batch: no ranking for it this generation
            }
        }
        return new Fitness(loss, Math.Sqrt(Energy2(types) / sums[all]), Math.Sqrt(sums[all + 3] / sums[all + 4]),
            sums[all + 6] > 0 ? Math.Sqrt(sums[all + 5] / sums[all + 6]) : null);
    }

    /// <summary>Indices of the variables ranked with species t: its network (NEP4) and the c coefficients with centre type t.</summary>
    public static IEnumerable<int> Variables(NepModel model, int t)
    {
        if (model.Version == 4)
        {
            for (var k = 0; k < model.NetworkSize; k++)
            {
                yield return model.NetworkOffset(t) + k;
            }
        }
        var types = model.SpeciesCount;
        for (var k = model.AnnParameterCount; k < model.ParameterCount; k++)
        {
            var within = (k - model.AnnParameterCount) % (types * types);
            if (within / types == t)
            {
                yield return k;
            }
        }
    }

    /// <summary>The one-process fit: every shard in this process, computed in parallel on <see cref="NepTrainingSettings.Threads"/> cores.</summary>
    public static NepTrainingRun Train(NepTrainingSettings settings, NepModel initial, IReadOnlyList<NepFrame> train, IReadOnlyList<NepFrame>? test,
        int seed, NepCheckpoint? checkpoint = null, bool restart = false, IProgress<NepEpoch>? progress = null, CancellationToken cancellationToken = default) =>
        TrainAsync(settings, initial, train, test, seed, null, checkpoint, restart, progress, cancellationToken).GetAwaiter().GetResult();

    /// <summary>
    /// SNES with the batch's frames on logical shards (in this process, or on the cluster's workers with
    /// <paramref name="cluster"/>): every generation the whole population goes to the shards of the batch, each returns every
    /// individual's <see cref="Sums"/> over its frames, and the sums are added in shard order in float64 before the ranking —
    /// so the result does not depend on where the shards are. μ, σ, the generation and the RNG stay here.
    /// </summary>
    public static async Task<NepTrainingRun> TrainAsync(NepTrainingSettings settings, NepModel initial, IReadOnlyList<NepFrame> train, IReadOnlyList<NepFrame>? test,
        int seed, NepClusterRun? cluster, NepCheckpoint? checkpoint = null, bool restart = false, IProgress<NepEpoch>? progress = null,
        CancellationToken cancellationToken = default, int? untilEpoch = null)
    {
        settings = settings.Validated();
        // A segment (population-based training) stops after untilEpoch, checkpointing there; the schedule stays the whole run's.
        var lastEpoch = Math.Min(settings.Epochs, untilEpoch ?? settings.Epochs);
        var clock = Stopwatch.StartNew();
        var n = initial.ParameterCount;
        var types = initial.SpeciesCount;
        var lambda1 = settings.Lambda1 ?? NepLoss.DefaultRegularization(initial);
        var lambda2 = settings.Lambda2 ?? NepLoss.DefaultRegularization(initial);
        var plan = NepShardPlan.Create(train, settings.Batch, settings.Shards, seed);
        var batches = plan.Batches;
        var mu = (double[])initial.Parameters.Clone();
        var sigma = Enumerable.Repeat(settings.Sigma0, n).ToArray();
        var history = new List<NepEpoch>();
        var first = 1;
        var shape = $"snes {initial.Version} {string.Join(' ', initial.Species)} {n}";
        var restartFile = checkpoint is null ? null : Path.Combine(checkpoint.Folder, "nep.restart");
        if (restart)
        {
            if (checkpoint is null || !File.Exists(checkpoint.State) || !File.Exists(restartFile))
            {
                throw new InvalidInputException("--restart", $"no SNES restart state in {checkpoint?.Folder ?? "the output folder"} (nep.restart, nep.restart.json)");
            }
            var state = JsonSerializer.Deserialize<RestartState>(File.ReadAllText(checkpoint.State))!;
            if (state.Shape != shape)
            {
                throw new InvalidInputException("--restart", $"the restart state is for '{state.Shape}', not '{shape}': the model settings changed");
            }
            var rows = File.ReadAllLines(restartFile!).Where(l => l.Trim().Length > 0).ToArray();
            if (rows.Length != n)
            {
                throw new InvalidInputException("--restart", $"nep.restart has {rows.Length} rows, the model {n} parameters", restartFile);
            }
            for (var k = 0; k < n; k++)
            {
                var parts = rows[k].Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
                mu[k] = double.Parse(parts[0], CultureInfo.InvariantCulture);
                sigma[k] = double.Parse(parts[1], CultureInfo.InvariantCulture);
            }
            history.AddRange(state.History);
            first = state.Generation + 1;
        }
        var population = settings.Population;
        var utilities = Utilities(population);
        var d = (double)n / types;
        var etaSigma = (3 + Math.Log(d)) / (5 * Math.Sqrt(d)) / 2;
        var groupsOf = new List<int>[types + 1];
        var ownerOf = Enumerable.Repeat(types, n).ToArray(); // variable → ranking group (global by default)
        for (var t = 0; t < types && types > 1; t++)
        {
            foreach (var k in Variables(initial, t))
            {
                ownerOf[k] = t;
            }
        }
        for (var g = 0; g <= types; g++)
        {
            groupsOf[g] = [.. Enumerable.Range(0, n).Where(k => ownerOf[k] == g)];
        }
        var threads = settings.Threads > 0 ? settings.Threads : Environment.ProcessorCount;
        var (group, shards) = await NepClusterRun.ShardsAsync(cluster, plan, initial, NepSnesShardCompute.Kind, "float64", threads,
            s => new NepSnesShardCompute(initial, plan.FramesOf(s)), cancellationToken);
        NepExport? exported = null;
        try
        {
            for (var generation = first; generation <= lastEpoch; generation++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var b = (generation - 1) % batches.Count;
                var random = new Random(Seeds.Derive(seed, generation));
                var s = new double[population][];
                var z = new double[population][];
                for (var p = 0; p < population; p++)
                {
                    s[p] = new double[n];
                    z[p] = new double[n];
                    for (var k = 0; k < n; k++)
                    {
                        s[p][k] = Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
                        z[p][k] = mu[k] + (sigma[k] * s[p][k]);
                    }
                }
                var sums = await PopulationSumsAsync(group, plan, b, generation, z, (types + 1) * SumsPerGroup, cancellationToken);
                var fitness = new Fitness[population];
                for (var p = 0; p < population; p++)
                {
                    fitness[p] = Combine(initial, z[p], sums[p], settings, lambda1, lambda2);
                }
                var losses = fitness.Select(f => f.Losses).ToArray();
                for (var g = 0; g <= types; g++)
                {
                    if (groupsOf[g].Count == 0 || double.IsNaN(losses[0][g]))
                    {
                        continue;
                    }
                    var ranked = Enumerable.Range(0, population).OrderBy(p => losses[p][g]).ToArray();
                    foreach (var k in groupsOf[g])
                    {
                        double gradMu = 0, gradSigma = 0;
                        for (var i = 0; i < population; i++)
                        {
                            var sk = s[ranked[i]][k];
                            gradMu += utilities[i] * sk;
                            gradSigma += utilities[i] * ((sk * sk) - 1);
                        }
                        mu[k] += sigma[k] * gradMu;
                        sigma[k] = Math.Min(sigma[k] * Math.Exp(etaSigma * gradSigma), 1);
                    }
                }
                var best = Enumerable.Range(0, population).MinBy(p => losses[p][types]);
                var parameters = z[best];
                var row = new NepEpoch(generation, losses[best][types], parameters.Average(Math.Abs), Math.Sqrt(parameters.Average(v => v * v)),
                    fitness[best].EnergyRmse, fitness[best].ForceRmse, fitness[best].VirialRmse, null, null, null, clock.Elapsed.TotalSeconds);
                exported = null;
                if (generation % settings.CheckpointEvery == 0 || generation == lastEpoch)
                {
                    exported = NepExport.Of(initial.WithParameters((double[])mu.Clone()), train, test, settings.Threads);
                    row = row with { EnergyTest = exported.Test?.EnergyRmse, ForceTest = exported.Test?.ForceRmse, VirialTest = exported.Test?.VirialRmse };
                }
                history.Add(row);
                if (exported is not null && checkpoint is not null)
                {
                    Save(checkpoint, restartFile!, exported.Model, mu, sigma, new RestartState(generation, seed, shape, history));
                    if (checkpoint.Saved is { } saved)
                    {
                        await saved(generation, cancellationToken);
                    }
                }
                progress?.Report(row);
            }
        }
        catch (OperationCanceledException) when (checkpoint is not null && history.Count > 0)
        {
            Save(checkpoint, restartFile!, NepExport.Of(initial.WithParameters((double[])mu.Clone()), train, null, settings.Threads).Model, mu, sigma,
                new RestartState(history[^1].Epoch, seed, shape, history));
            throw;
        }
        finally
        {
            shards.Dispose();
        }
        // The last generation always checkpoints, so its export is the result (unless a restart found nothing left to do).
        exported ??= NepExport.Of(initial.WithParameters((double[])mu.Clone()), train, test, settings.Threads);
        return new NepTrainingRun(exported.Model, history, exported.Train, exported.Test, clock.Elapsed.TotalSeconds);
    }

    /// <summary>Every individual's sums over the batch: the population to the batch's shards, their answers added in shard order; lost shards: again.</summary>
    private static async Task<double[][]> PopulationSumsAsync(IShardGroup group, NepShardPlan plan, int batch, long generation, double[][] z, int perIndividual,
        CancellationToken cancellationToken)
    {
        var packed = z.SelectMany(v => v).ToArray();
        var total = await NepShardSteps.RetryAsync(async () =>
            NepShardSteps.Reduce(await group.ForwardAsync(generation, batch, plan.ShardsOf(batch), packed, cancellationToken), z.Length * perIndividual));
        return [.. z.Select((_, p) => total.AsSpan(p * perIndividual, perIndividual).ToArray())];
    }

    /// <summary>SNES rank utilities (best first): max(0, ln(P/2+1) − ln i)/Σ − 1/P.</summary>
    public static double[] Utilities(int population)
    {
        var raw = Enumerable.Range(1, population).Select(i => Math.Max(0, Math.Log((population / 2.0) + 1) - Math.Log(i))).ToArray();
        var sum = raw.Sum();
        return [.. raw.Select(u => (u / sum) - (1.0 / population))];
    }

    private static void Save(NepCheckpoint checkpoint, string restartFile, NepModel exported, double[] mu, double[] sigma, RestartState state)
    {
        Directory.CreateDirectory(checkpoint.Folder);
        exported.Write(checkpoint.Model);
        var text = new StringBuilder();
        for (var k = 0; k < mu.Length; k++)
        {
            text.Append(CultureInfo.InvariantCulture, $"{mu[k]:R} {sigma[k]:R}\n");
        }
        AtomicFile.Write(restartFile, staged => File.WriteAllText(staged, text.ToString()));
        AtomicFile.Write(checkpoint.State, staged => File.WriteAllText(staged, JsonSerializer.Serialize(state)));
    }
}
