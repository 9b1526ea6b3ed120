using System.Globalization;
using System.Text.Json;
using ClusterML.Core.Active;
using ClusterML.Core.Engines;
using ClusterML.Core.IO;
using ClusterML.Core.Specs;
using ClusterML.Core.Validation;
using ClusterML.Engines.Surrogate;
using ClusterML.Engines.Torch;

namespace ClusterML.Engines.Active;

/// <summary>
/// A round of active learning on one worker: trains the surrogate ensemble on the rows labelled so far (the settings of
/// <c>surrogate train</c>), scores it on the fixed test set, streams the pool through it and picks the next batch
/// (<see cref="Acquisition"/>, then <see cref="BatchSelection"/> on a shortlist of the best-scored candidates), and applies the
/// stopping rules. Round 0 picks the initial design instead (<see cref="SpaceFillingDesign"/>, or the rows of a design CSV).
/// The picks go back as metrics (<c>next.J.candidate</c>, <c>next.J.COLUMN</c>), from which the coordinator makes the oracle
/// calls; the model, the labelled rows, the picks and the round's metrics are the trial's artifacts.
/// </summary>
public sealed class ActiveRoundEngine : Engine<ActiveRoundSpec>, IEngine
{
    /// <summary>The <c>active</c> engine (round trials of <c>kind: active</c> campaigns; never named in a sweep).</summary>
    public static EngineRegistration Registration { get; } = new EngineRegistration<ActiveRoundSpec>(
        ActiveNames.RoundEngine, "one round of an active-learning campaign: train the surrogate, screen the pool, pick the next oracle calls",
        ActiveRoundSettings.Read, () => new ActiveRoundEngine());

    /// <summary>Rows needed before a surrogate is trained (the design must label at least this many).</summary>
    public const int MinimumRows = 8;

    /// <summary>The shortlist the batch is spread over: this many times the batch, at least <see cref="MinimumShortlist"/>.</summary>
    public const int ShortlistFactor = 20, MinimumShortlist = 500;

    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true };

    /// <summary>Checks the settings that need no file: acquisition, goal, diversity and the rules between them.</summary>
    /// <exception cref="InvalidInputException">A setting is out of range; the field is its YAML path.</exception>
    public static ActiveRoundSpec Validated(ActiveRoundSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        if (!ActiveRoundSpec.Acquisitions.Contains(spec.Acquisition))
        {
            throw new InvalidInputException("acquisition", $"'{spec.Acquisition}' is not one of {string.Join(", ", ActiveRoundSpec.Acquisitions)}");
        }
        if (spec.Goal is not (null or "min" or "max"))
        {
            throw new InvalidInputException("goal", $"mode '{spec.Goal}' is not min or max");
        }
        if (spec.Acquisition is "ucb" or "ei" && spec.Goal is null)
        {
            throw new InvalidInputException("acquisition", $"{spec.Acquisition} needs goal: {{ mode: min }} (or max)");
        }
        if (spec.StopPatience is not null && spec.Goal is null)
        {
            throw new InvalidInputException("stop.patience", "counts rounds without a better label: it needs goal: { mode: min } (or max)");
        }
        if (!ActiveRoundSpec.Diversities.Contains(spec.Diversity))
        {
            throw new InvalidInputException("diversity", $"'{spec.Diversity}' is not one of {string.Join(", ", ActiveRoundSpec.Diversities)}");
        }
        if (spec.OutOfDomain is not ("explore" or "exclude"))
        {
            throw new InvalidInputException("out_of_domain", $"'{spec.OutOfDomain}' is not explore or exclude");
        }
        if (spec.Inputs.Count == 0 || string.IsNullOrWhiteSpace(spec.Target))
        {
            throw new InvalidInputException("inputs", "a round needs the input columns and the target");
        }
        if (spec.Pool.Generator is not null && spec.Pool.Count < 1)
        {
            throw new InvalidInputException("pool.n", $"must be at least 1 (got {spec.Pool.Count})");
        }
        return spec;
    }

    /// <summary>Everything a campaign can check before it runs: the settings, the pool, the test set and the initial CSV.</summary>
    void IEngine.Check(ITrialSpec spec)
    {
        var round = Validated((ActiveRoundSpec)spec);
        var pool = CandidatePool.Open(round.Pool, round.Inputs, "pool");
        if (pool.Count == 0)
        {
            throw new InvalidInputException("pool", "has no candidates");
        }
        if (round.Test is { } test)
        {
            _ = TestSet(round, test, CancellationToken.None);
        }
        if (round.InitialData is not null)
        {
            _ = Initial(round);
        }
    }

    protected override TrainingOutcome Train(ActiveRoundSpec spec, RunContext context, CancellationToken cancellationToken)
    {
        TorchThreads.Apply();
        spec = Validated(spec);
        var folder = context.ArtifactDirectory;
        var rows = Labelled(spec);
        var pool = CandidatePool.Open(spec.Pool, spec.Inputs, "pool");
        var metrics = new Dictionary<string, double>(StringComparer.Ordinal)
        {
            ["labelled"] = rows.Count,
            ["oracle_calls"] = spec.OracleCalls,
            ["pool_size"] = pool.Count,
        };
        var artifacts = new List<string>();
        if (folder is not null)
        {
            Directory.CreateDirectory(folder);
        }
        if (spec.Round == 0)
        {
            var design = Design(spec, pool, cancellationToken);
            metrics["selected"] = design.Count;
            AddPicks(metrics, spec, design);
            if (folder is not null)
            {
                artifacts.Add(WriteSelected(folder, spec, design));
                artifacts.Add(WriteRound(folder, metrics));
            }
            return new TrainingOutcome(double.NaN, [], [], metrics, artifacts); // the design trains nothing: no loss
        }
        if (rows.Count < MinimumRows)
        {
            throw new InvalidInputException("initial", $"{rows.Count} rows are labelled before round {spec.Round}; a surrogate needs at least {MinimumRows} (a larger initial design, or fewer failed oracle calls)");
        }

        // Train on every labelled row; test on the fixed test set (or, without one, on the surrogate's own held-out share).
        var trainingFolder = folder ?? Directory.CreateTempSubdirectory("clusterml-active-").FullName;
        try
        {
            var test = spec.Test is { } source ? TestSet(spec, source, cancellationToken) : null;
            var bounds = pool.Bounds(cancellationToken);
            var data = Dataset(spec, rows, test, bounds);
            int[]? testRows = test is null ? null : [.. Enumerable.Range(rows.Count, test.Value.Y.Length)];
            var report = new SurrogateEngine().Run(spec.Surrogate, data, testRows, context with { ArtifactDirectory = trainingFolder }, cancellationToken);
            foreach (var (key, value) in report.Metrics)
            {
                if (value is { } v && double.IsFinite(v) && key is "test_r2" or "test_r2_log10" or "test_rmse" or "test_mae" or "validation_loss" or "std_scale" or "test_within_2sigma")
                {
                    metrics[key] = v;
                }
            }
            artifacts.AddRange(report.Outcome.Artifacts ?? []);
            var best = Best(spec, rows);
            if (best is { } b)
            {
                metrics["best_label"] = b.Row.Label;
                metrics["best_candidate"] = b.Row.Candidate;
                metrics["best_round"] = b.Row.Round;
            }

            var picks = new List<Pick>();
            if (!spec.Final)
            {
                using var model = SurrogateModel.Load(Path.Combine(trainingFolder, SurrogateEngine.ModelFolder));
                var screen = Screen(spec, model, pool, rows, best?.Row.Label, context.Seed, cancellationToken);
                picks = screen.Picks;
                metrics["sigma_max"] = screen.SigmaMax;
                metrics["sigma_mean"] = screen.SigmaMean;
                metrics[spec.OutOfDomain == "exclude" ? "pool_out_of_domain_excluded" : "shortlist_out_of_domain"] = screen.OutOfDomain;
                metrics["unlabelled"] = screen.Unlabelled;
                if (screen.BestPredicted is { } predicted)
                {
                    metrics["pool_best_predicted"] = predicted;
                }
                metrics["selected"] = picks.Count;
                AddPicks(metrics, spec, picks);
                var stop = StopReason(spec, rows, screen);
                metrics[ActiveProposer.StopMetric] = stop > 0 ? 1 : 0;
                if (stop > 0)
                {
                    metrics["stop_reason"] = stop;
                }
            }
            if (folder is not null)
            {
                artifacts.Add(WriteLabelled(folder, spec, rows));
                if (!spec.Final)
                {
                    artifacts.Add(WriteSelected(folder, spec, picks));
                }
                artifacts.Add(WriteRound(folder, metrics));
            }
            var loss = metrics.TryGetValue("test_rmse", out var rmse) ? rmse : report.Outcome.FinalLoss;
            return new TrainingOutcome(loss, report.Outcome.LossCurve, [], metrics, [.. artifacts.Distinct(StringComparer.Ordinal)]);
        }
        finally
        {
            if (folder is null)
            {
                Directory.Delete(trainingFolder, recursive: true);
            }
        }
    }

    /// <summary>One labelled row (candidate −1 − r for row r of an initial CSV).</summary>
    public sealed record Row(long Candidate, int Round, double[] Inputs, double Label);

    /// <summary>One pick: the candidate, its inputs, its acquisition score and the ensemble's μ and σ (model space).</summary>
    public sealed record Pick(long Candidate, double[] Inputs, double Score, double Mean, double Sigma, bool OutOfDomain);

    private sealed record ScreenResult(List<Pick> Picks, double SigmaMax, double SigmaMean, double OutOfDomain, long Unlabelled, double? BestPredicted);

    /// <summary>The labelled rows: a labelled initial CSV's, then the oracle calls' (the <c>labelled</c> setting).</summary>
    internal static List<Row> Labelled(ActiveRoundSpec spec)
    {
        var rows = new List<Row>();
        if (spec.InitialData is not null && spec.InitialCount == 0)
        {
            var (table, inputs) = Initial(spec);
            var labels = table.Numeric(spec.Target);
            rows.AddRange(inputs.Select((x, r) => new Row(-1 - r, 0, x, labels[r])));
        }
        var lines = spec.Labelled.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        for (var i = 1; i < lines.Length; i++)
        {
            var cells = lines[i].Split(',');
            rows.Add(new Row(long.Parse(cells[0], CultureInfo.InvariantCulture), int.Parse(cells[1], CultureInfo.InvariantCulture),
                [.. cells[2..^1].Select(c => double.Parse(c, NumberStyles.Float, CultureInfo.InvariantCulture))], double.Parse(cells[^1], NumberStyles.Float, CultureInfo.InvariantCulture)));
        }
        return rows;
    }

    /// <summary>The initial CSV and its input rows; checks the target column is there exactly when the rows come labelled.</summary>
    private static (CsvTable Table, double[][] Inputs) Initial(ActiveRoundSpec spec)
    {
        var table = CsvTable.Read(spec.InitialData!, "initial.data");
        var labelled = spec.InitialCount == 0;
        if (labelled && !table.Has(spec.Target))
        {
            throw new InvalidInputException("initial.data", $"has no column '{spec.Target}': a design to label needs n (how many of its rows the oracle labels), labelled rows the target", table.Path);
        }
        if (!labelled && table.Count < spec.InitialCount)
        {
            throw new InvalidInputException("initial.n", $"asks for {spec.InitialCount} rows; {table.Path} has {table.Count}");
        }
        var pool = new TablePool(table, spec.Inputs);
        if (labelled)
        {
            _ = table.Numeric(spec.Target);
        }
        return (table, pool.Read(0, (int)pool.Count));
    }

    /// <summary>Round 0: the rows of a design CSV to label, or a space-filling design from the pool.</summary>
    private static List<Pick> Design(ActiveRoundSpec spec, CandidatePool pool, CancellationToken cancellationToken)
    {
        if (spec.InitialData is not null)
        {
            if (spec.InitialCount == 0)
            {
                return [];
            }
            var (_, inputs) = Initial(spec);
            return [.. inputs.Take(spec.InitialCount).Select((x, r) => new Pick(-1 - r, x, 0, double.NaN, double.NaN, false))];
        }
        var picked = SpaceFillingDesign.Pick(pool, spec.Select, cancellationToken);
        return [.. picked.Select(k => new Pick(k, pool.Read(k, 1)[0], 0, double.NaN, double.NaN, false))];
    }

    /// <summary>The test set's inputs and labels: a generator's draws labelled by it (free), or a labelled CSV.</summary>
    private static (double[][] X, double[] Y)? TestSet(ActiveRoundSpec spec, CandidateSource source, CancellationToken cancellationToken)
    {
        var set = CandidatePool.Open(source, spec.Inputs, "test");
        var x = set.Read(0, (int)set.Count);
        if (set is GeneratorPool generator)
        {
            var oracle = generator.Oracle;
            var target = oracle.Outputs.ToList().IndexOf(spec.Target);
            if (target < 0)
            {
                throw new InvalidInputException("test.generator", $"generator {oracle.Name} does not give '{spec.Target}' ({string.Join(", ", oracle.Outputs)})");
            }
            var order = spec.Inputs.Select(name => oracle.Inputs.ToList().FindIndex(i => i.Name == name)).ToArray();
            var y = new double[x.Length];
            Parallel.For(0, x.Length, new ParallelOptions { CancellationToken = cancellationToken }, r =>
            {
                var vector = new double[order.Length];
                for (var c = 0; c < order.Length; c++)
                {
                    vector[order[c]] = x[r][c];
                }
                y[r] = oracle.Evaluate(vector)[target];
            });
            return (x, y);
        }
        var table = ((TablePool)set).Table;
        return (x, table.Numeric(spec.Target));
    }

    /// <summary>
    /// The surrogate's data: the labelled rows, then the test rows. Log columns: the YAML's <c>surrogate.log</c>, and with
    /// <c>log_auto</c> every input whose pool values are positive and span 30× (stable from round to round) and the target
    /// when its labels (the test set's too) do.
    /// </summary>
    private static SurrogateDataset Dataset(ActiveRoundSpec spec, List<Row> rows, (double[][] X, double[] Y)? test, (double[] Min, double[] Max) bounds)
    {
        var x = rows.Select(r => r.Inputs).Concat(test?.X ?? []).ToArray();
        var y = rows.Select(r => r.Label).Concat(test?.Y ?? []).ToArray();
        var log = new HashSet<string>(spec.Surrogate.LogColumns, StringComparer.Ordinal);
        if (spec.Surrogate.LogAuto)
        {
            for (var c = 0; c < spec.Inputs.Count; c++)
            {
                if (bounds.Min[c] > 0 && bounds.Max[c] / bounds.Min[c] >= SurrogateDataset.AutoLogSpan)
                {
                    log.Add(spec.Inputs[c]);
                }
            }
            // The labels known to this round, the test set's included: a few design rows alone may not show the decades.
            var labels = y;
            if (labels.Min() > 0 && labels.Max() / labels.Min() >= SurrogateDataset.AutoLogSpan)
            {
                log.Add(spec.Target);
            }
        }
        foreach (var name in log)
        {
            var column = name == spec.Target ? y : spec.Inputs.Contains(name) ? x.Select(r => r[spec.Inputs.ToList().IndexOf(name)]).ToArray() : null;
            if (column is null)
            {
                throw new InvalidInputException("surrogate.log", $"'{name}' is neither the target nor an input");
            }
            if (column.Any(v => v <= 0))
            {
                throw new InvalidInputException("surrogate.log", $"'{name}' has values ≤ 0: it cannot be log-transformed");
            }
        }
        return new SurrogateDataset("labelled", spec.Inputs, spec.Target, x, y, log);
    }

    /// <summary>The best labelled row for the goal (null without a goal).</summary>
    private static (Row Row, int Index)? Best(ActiveRoundSpec spec, List<Row> rows)
    {
        if (spec.Goal is null || rows.Count == 0)
        {
            return null;
        }
        var best = 0;
        for (var i = 1; i < rows.Count; i++)
        {
            if (spec.Goal == "min" ? rows[i].Label < rows[best].Label : rows[i].Label > rows[best].Label)
            {
                best = i;
            }
        }
        return (rows[best], best);
    }

    /// <summary>Streams the pool through the ensemble, keeps a shortlist of the best scores, handles out-of-domain candidates, spreads the batch.</summary>
    private static ScreenResult Screen(ActiveRoundSpec spec, SurrogateModel model, CandidatePool pool, List<Row> rows, double? bestLabel, int seed, CancellationToken cancellationToken)
    {
        var labelled = rows.Select(r => r.Candidate).Where(c => c >= 0).ToHashSet();
        var transform = model.Metadata.Target;
        var bestModel = bestLabel is { } b ? transform.ToModelSpace(b) : 0;
        var scale = model.Metadata.Uncertainty.StdScale;
        var shortlistSize = Math.Max(MinimumShortlist, ShortlistFactor * spec.Select);
        var shortlist = new PriorityQueue<Pick, double>();
        var random = new Random(Seeds.Derive(seed, 11));
        var (sigmaMax, sigmaSum, unlabelled) = (0.0, 0.0, 0L);
        double? bestPredicted = null;
        var exclude = spec.OutOfDomain == "exclude";
        var excluded = 0L;
        var isRandom = spec.Arm == ActiveSpec.RandomArm || spec.Acquisition == "random";
        var density = spec.Density > 0 && !isRandom ? PoolDensity.Of(pool, model, cancellationToken) : null;
        foreach (var (start, chunk) in pool.Chunks(cancellationToken))
        {
            // Excluded candidates never compete: a shortlist of out-of-domain ones would leave the batch empty.
            var prediction = model.Predict(chunk, checkDomain: exclude);
            var members = prediction.Members;
            for (var r = 0; r < chunk.Length; r++)
            {
                var candidate = start + r;
                if (labelled.Contains(candidate))
                {
                    continue;
                }
                if (exclude && prediction.OutOfDomain[r])
                {
                    excluded++;
                    continue;
                }
                unlabelled++;
                // μ and σ in the target's model space (log10 for a log target), σ calibrated with the ensemble's z-scale.
                double sum = 0, squares = 0;
                foreach (var member in members)
                {
                    sum += transform.ToModelSpace(member[r]);
                }
                var mean = sum / members.Length;
                foreach (var member in members)
                {
                    var d = transform.ToModelSpace(member[r]) - mean;
                    squares += d * d;
                }
                var sigma = members.Length > 1 ? scale * Math.Sqrt(squares / (members.Length - 1)) : 0;
                sigmaMax = Math.Max(sigmaMax, sigma);
                sigmaSum += sigma;
                var raw = transform.Log ? Math.Pow(10, mean) : mean;
                if (spec.Goal is { } goal && (bestPredicted is not { } bp || (goal == "min" ? raw < bp : raw > bp)))
                {
                    bestPredicted = raw;
                }
                var score = isRandom
                    ? random.NextDouble()
                    : Acquisition.Score(spec.Acquisition, spec.Goal, mean, sigma, spec.Kappa, spec.Xi, bestModel);
                if (density is not null)
                {
                    // Information density: a candidate counts for the share of the pool it stands for.
                    score *= Math.Pow(density.At(chunk[r]), spec.Density);
                }
                if (shortlist.Count < shortlistSize)
                {
                    shortlist.Enqueue(new Pick(candidate, chunk[r], score, raw, sigma, false), score);
                }
                else if (score > shortlist.Peek().Score)
                {
                    shortlist.EnqueueDequeue(new Pick(candidate, chunk[r], score, raw, sigma, false), score);
                }
            }
        }
        var listed = new List<Pick>(shortlist.Count);
        while (shortlist.TryDequeue(out var pick, out _))
        {
            listed.Add(pick);
        }
        listed.Reverse(); // best first
        // Explored: the shortlist's out-of-domain candidates are counted and marked (extrapolation the batch may include).
        double outOfDomain = excluded;
        if (listed.Count > 0 && !exclude)
        {
            var standardised = model.Standardise([.. listed.Select(p => p.Inputs)]);
            var flags = model.Guard.Check([.. listed.Select(p => p.Inputs)], standardised);
            outOfDomain = flags.Count(f => f);
            listed = [.. listed.Select((p, i) => p with { OutOfDomain = flags[i] })];
        }
        var points = model.Standardise([.. listed.Select(p => p.Inputs)]);
        var chosen = BatchSelection.Pick(points, [.. listed.Select(p => p.Score)], spec.Select, isRandom ? "none" : spec.Diversity, Seeds.Derive(seed, 12));
        return new ScreenResult([.. chosen.Select(i => listed[i])], sigmaMax, unlabelled > 0 ? sigmaSum / unlabelled : 0, outOfDomain, unlabelled, bestPredicted);
    }

    /// <summary>The active arm's stopping rules (0: go on): the pool exhausted, σ below <c>stop.sigma</c>, no better label for <c>stop.patience</c> rounds.</summary>
    private static int StopReason(ActiveRoundSpec spec, List<Row> rows, ScreenResult screen)
    {
        if (spec.Arm != ActiveSpec.ActiveArm)
        {
            return 0;
        }
        if (screen.Unlabelled <= spec.Select)
        {
            return StopReasons.PoolExhausted;
        }
        if (screen.Picks.Count == 0)
        {
            return StopReasons.NothingInDomain;
        }
        if (spec.StopSigma is { } sigma && screen.SigmaMax <= sigma)
        {
            return StopReasons.Sigma;
        }
        if (spec.StopPatience is { } patience && spec.Goal is { } goal && rows.Count > 0)
        {
            // The best label after each round so far; stop when the last `patience` rounds improved nothing.
            double Best(int throughRound)
            {
                var labels = rows.Where(r => r.Round <= throughRound).Select(r => r.Label).ToArray();
                return labels.Length == 0 ? double.NaN : goal == "min" ? labels.Min() : labels.Max();
            }
            var last = spec.Round - 1;
            var before = last - patience;
            if (before >= 0 && Best(last) == Best(before))
            {
                return StopReasons.NoImprovement;
            }
        }
        return 0;
    }

    private static void AddPicks(Dictionary<string, double> metrics, ActiveRoundSpec spec, IReadOnlyList<Pick> picks)
    {
        for (var j = 0; j < picks.Count; j++)
        {
            metrics[$"{ActiveProposer.PickPrefix}{j}.candidate"] = picks[j].Candidate;
            for (var c = 0; c < spec.Inputs.Count; c++)
            {
                metrics[$"{ActiveProposer.PickPrefix}{j}.{spec.Inputs[c]}"] = picks[j].Inputs[c];
            }
        }
    }

    private static string WriteSelected(string folder, ActiveRoundSpec spec, IReadOnlyList<Pick> picks)
    {
        const string name = "selected.csv";
        CsvTable.Write(Path.Combine(folder, name), ["candidate", .. spec.Inputs, "score", "mean", "sigma", "out_of_domain"],
            picks.Select(p => (IReadOnlyList<string>)[p.Candidate.ToString(CultureInfo.InvariantCulture), .. p.Inputs.Select(CsvTable.Format),
                CsvTable.Format(p.Score), CsvTable.Format(p.Mean), CsvTable.Format(p.Sigma), p.OutOfDomain ? "true" : "false"]));
        return name;
    }

    private static string WriteLabelled(string folder, ActiveRoundSpec spec, IReadOnlyList<Row> rows)
    {
        const string name = "labelled.csv";
        CsvTable.Write(Path.Combine(folder, name), ["candidate", "round", .. spec.Inputs, spec.Target],
            rows.Select(r => (IReadOnlyList<string>)[r.Candidate.ToString(CultureInfo.InvariantCulture), r.Round.ToString(CultureInfo.InvariantCulture),
                .. r.Inputs.Select(CsvTable.Format), CsvTable.Format(r.Label)]));
        return name;
    }

    private static string WriteRound(string folder, Dictionary<string, double> metrics)
    {
        const string name = "round.json";
        var shown = metrics.Where(p => !p.Key.StartsWith(ActiveProposer.PickPrefix, StringComparison.Ordinal)).OrderBy(p => p.Key, StringComparer.Ordinal)
            .ToDictionary(p => p.Key, p => double.IsFinite(p.Value) ? (double?)p.Value : null);
        File.WriteAllText(Path.Combine(folder, name), JsonSerializer.Serialize(shown, Json) + "\n");
        return name;
    }
}
