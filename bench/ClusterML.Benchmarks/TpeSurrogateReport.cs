using System.Collections.Concurrent;
using System.Collections.Immutable;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using ClusterML.Core.Campaigns;
using ClusterML.Core.Engines;
using ClusterML.Engines.Surrogate;
using ClusterML.Engines.Torch;
using ScottPlot;
using Stats = ClusterML.Engines.Surrogate.Statistics;

namespace ClusterML.Benchmarks;

/// <summary>
/// <c>tpe-quality-surrogate [seeds] [--trials N] [--epochs E] [--rows R] [--workers W] [--deadline-minutes M] [--first-seed F] [--curves FILE.jsonl] [--no-optuna] [--plot PATH]</c>: search quality on a
/// 4-hyperparameter sweep of ClusterML's own surrogate engine. The objective trains one surrogate in process
/// (<see cref="SurrogateEngine.Run"/>, ensemble 1, engine seed 0, one torch thread, no artifact folder) on a fixed thin-film
/// data set (R rows, oracle seed 1; inputs thickness_nm, roughness_nm, temperature_K, direction; target k_W_mK, log-transformed
/// by the engine) and returns the outcome's <c>test_rmse</c> (W/m/K, raw units) — a deterministic function of the point, so it is
/// memoised. Axes: <c>lr</c> log-uniform 1e-4..3e-2, <c>width</c> int 8..96 step 8, <c>layers</c> int 1..4, <c>weight_decay</c>
/// uniform 0..1e-3 (numeric, so the GP can model it; an activation choice could not be). For each seed, sequential studies of
/// N trials with ClusterML's TPE, Optuna 3.1's TPESampler (ask/tell through <c>/usr/bin/python3</c>, the values computed here),
/// ClusterML's GP and random search; prints the median best after 50 and N trials and draws the median best-so-far curves.
/// <c>tpe-quality-surrogate-cost</c> times single evaluations and checks that repeating a point gives the same value.
/// </summary>
public static class TpeSurrogateReport
{
    private static readonly ParameterSpace[] Space =
    [
        new LogUniformSpace("lr", 1e-4, 3e-2),
        new IntSpace("width", 8, 96, 8),
        new IntSpace("layers", 1, 4, 1),
        new UniformSpace("weight_decay", 0, 1e-3),
    ];

    private static readonly string[] Inputs = ["thickness_nm", "roughness_nm", "temperature_K", "direction"];

    private sealed record Point(double Lr, long Width, long Layers, double WeightDecay)
    {
        public static Point Of(IReadOnlyDictionary<string, CampaignValue> p) => new(
            Real(p["lr"]), Integer(p["width"]), Integer(p["layers"]), Real(p["weight_decay"]));

        private static double Real(CampaignValue v) => v switch
        {
            CampaignValue.Real r => r.Value,
            CampaignValue.Integer i => i.Value,
            _ => throw new ArgumentException($"not a number: {v}"),
        };

        private static long Integer(CampaignValue v) => v switch
        {
            CampaignValue.Integer i => i.Value,
            CampaignValue.Real r => (long)Math.Round(r.Value),
            _ => throw new ArgumentException($"not an integer: {v}"),
        };

        public ImmutableDictionary<string, CampaignValue> ToParameters() => new Dictionary<string, CampaignValue>
        {
            ["lr"] = new CampaignValue.Real(Lr),
            ["width"] = new CampaignValue.Integer(Width),
            ["layers"] = new CampaignValue.Integer(Layers),
            ["weight_decay"] = new CampaignValue.Real(WeightDecay),
        }.ToImmutableDictionary(StringComparer.Ordinal);
    }

    /// <summary>The memoised objective: one surrogate trained per distinct point.</summary>
    private sealed class Objective(string csv, int epochs)
    {
        private readonly ConcurrentDictionary<Point, double> cache = new();
        private readonly SurrogateEngine engine = new();

        private int calls;
        private int failures;

        public int Failures => failures;
        private long trainingTicks;

        public int Calls => calls;

        public int Trainings => cache.Count;

        public TimeSpan TrainingTime => TimeSpan.FromTicks(Interlocked.Read(ref trainingTicks));

        /// <summary>The value at <paramref name="point"/>: trained once, then remembered (the first training's value wins).</summary>
        public double Evaluate(Point point)
        {
            Interlocked.Increment(ref calls);
            return cache.TryGetValue(point, out var known) ? known : cache.GetOrAdd(point, Train(point));
        }

        public double Train(Point point)
        {
            var clock = Stopwatch.StartNew();
            if (Environment.GetEnvironmentVariable("CLUSTERML_BENCH_TRACE") is { Length: > 0 } trace)
            {
                lock (this)
                {
                    File.AppendAllLines(trace, [string.Create(CultureInfo.InvariantCulture, $"{point.Lr:R} {point.Width} {point.Layers} {point.WeightDecay:R}")]);
                }
            }
            TorchThreads.Apply(1);
            var spec = new SurrogateSpec(csv, "k_W_mK", Inputs, [],
                HiddenLayers: (int)point.Layers, Width: (int)point.Width, Epochs: epochs, LearningRate: point.Lr,
                WeightDecay: point.WeightDecay, Patience: epochs, EnsembleSize: 1);
            double? rmse;
            try
            {
                rmse = engine.Run(spec, new RunContext(0), CancellationToken.None).Metrics["test_rmse"];
            }
            catch (System.Runtime.InteropServices.ExternalException)
            {
                rmse = null; // torch refused a step (seen once with three trainings at a time): a failed trial
            }
            Interlocked.Add(ref trainingTicks, clock.Elapsed.Ticks);
            if (rmse is { } v && double.IsFinite(v))
            {
                return v;
            }
            Interlocked.Increment(ref failures);
            return double.NaN; // failed: the samplers leave it out, Optuna is told FAIL
        }
    }

    private static int Option(string[] args, string name, int fallback) =>
        Array.IndexOf(args, name) is var i and >= 0 && i + 1 < args.Length ? int.Parse(args[i + 1], CultureInfo.InvariantCulture) : fallback;

    private static string Data(string folder, int rows) => SurrogateFixture.GenerateCsv("thin-film", rows, 1, folder);

    /// <summary>Times evaluations at a few points (small, default, large network) and checks repeats give identical values.</summary>
    public static void Cost(string[] args)
    {
        var epochs = Option(args, "--epochs", 10);
        var rows = Option(args, "--rows", 600);
        var folder = Directory.CreateTempSubdirectory("clusterml-tpe-surrogate-").FullName;
        try
        {
            var objective = new Objective(Data(folder, rows), epochs);
            Point[] points = [new(3e-3, 64, 3, 0), new(1e-4, 8, 1, 0), new(3e-2, 96, 4, 1e-3), new(1e-3, 32, 2, 5e-4)];
            objective.Train(points[0]); // warm-up (torch load, JIT)
            Console.WriteLine($"rows {rows}, epochs {epochs}");
            foreach (var point in points)
            {
                var times = new List<double>();
                var values = new List<double>();
                for (var r = 0; r < 3; r++)
                {
                    var clock = Stopwatch.StartNew();
                    values.Add(objective.Train(point));
                    times.Add(clock.Elapsed.TotalSeconds);
                }
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{point}: test_rmse {string.Join(", ", values.Select(v => v.ToString("R", CultureInfo.InvariantCulture)))} (identical: {values.Distinct().Count() == 1}); s per evaluation {string.Join(", ", times.Select(t => t.ToString("F3", CultureInfo.InvariantCulture)))}"));
            }
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    public static void Quality(string[] args)
    {
        var seeds = args.Length > 0 && !args[0].StartsWith("--", StringComparison.Ordinal) ? int.Parse(args[0], CultureInfo.InvariantCulture) : 20;
        var trials = Option(args, "--trials", 100);
        var epochs = Option(args, "--epochs", 10);
        var rows = Option(args, "--rows", 600);
        var workers = Option(args, "--workers", 2);
        var deadlineMinutes = Option(args, "--deadline-minutes", int.MaxValue);
        var firstSeed = Option(args, "--first-seed", 0);
        var curvesPath = Array.IndexOf(args, "--curves") is var c and >= 0 && c + 1 < args.Length ? args[c + 1] : null;
        var withOptuna = !args.Contains("--no-optuna");
        var plotPath = Array.IndexOf(args, "--plot") is var p and >= 0 && p + 1 < args.Length ? args[p + 1] : "docs/tpe-quality-surrogate.png";
        var folder = Directory.CreateTempSubdirectory("clusterml-tpe-surrogate-").FullName;
        var total = Stopwatch.StartNew();
        try
        {
            var objective = new Objective(Data(folder, rows), epochs);
            var samplers = new List<(string Name, Func<int, double[]> Run)>
            {
                ("clusterml tpe", seed => Study(objective, seed, trials, (o, s) => TpeSampler.Propose(Space, o, s, TpeOptions.Default))),
                ("clusterml gp", seed => Study(objective, seed, trials, (o, s) => GpSampler.Propose(Space, o, s))),
                ("clusterml random", seed => Study(objective, seed, trials, (o, s) => TpeSampler.Propose(Space, o, s, TpeOptions.Default with { StartupTrials = int.MaxValue }))),
            };
            if (withOptuna)
            {
                samplers.Insert(1, ("optuna tpe", seed => OptunaStudy(objective, seed, trials)));
            }
            var perSeed = new double[seeds][][];
            var seconds = new double[seeds, samplers.Count];
            // Seeds run on `--workers` threads (2), each training with one torch thread; the samplers of a seed run in turn.
            Parallel.For(0, seeds, new ParallelOptions { MaxDegreeOfParallelism = workers }, seed =>
            {
                if (total.Elapsed.TotalMinutes > deadlineMinutes)
                {
                    return; // out of time: this seed is left out of the report
                }
                TorchThreads.Apply(1);
                var runs = new double[samplers.Count][];
                perSeed[seed] = runs;
                for (var i = 0; i < samplers.Count; i++)
                {
                    var clock = Stopwatch.StartNew();
                    perSeed[seed][i] = samplers[i].Run(firstSeed + seed);
                    seconds[seed, i] = clock.Elapsed.TotalSeconds;
                }
                var bests = string.Join(", ", samplers.Select((s, i) => string.Create(CultureInfo.InvariantCulture, $"{s.Name} {perSeed[seed][i][^1]:G4}")));
                if (curvesPath is not null)
                {
                    var line = JsonSerializer.Serialize(new SeedCurves(firstSeed + seed, samplers.Select((s, i) => (s.Name, Curve: runs[i])).ToDictionary(x => x.Name, x => x.Curve)));
                    lock (OptunaLock)
                    {
                        File.AppendAllLines(curvesPath, [line]);
                    }
                }
                Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"seed {firstSeed + seed}: {total.Elapsed.TotalMinutes:F1} min, {objective.Trainings} trainings for {objective.Calls} evaluations, {bests}"));
            });
            var done = Enumerable.Range(0, seeds).Where(k => perSeed[k] is not null).ToArray();
            if (done.Length < seeds)
            {
                Console.WriteLine($"(out of time after {deadlineMinutes} min: {done.Length} of {seeds} seeds finished)");
                seeds = done.Length;
            }
            var curves = samplers.Select((s, i) => (s.Name, Runs: done.Select(k => perSeed[k][i]).ToList()))
                .ToDictionary(c => c.Name, c => c.Runs);
            var secondsBySampler = samplers.Select((s, i) => (s.Name, Seconds: done.Sum(k => seconds[k, i])))
                .ToDictionary(c => c.Name, c => c.Seconds);

            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"Surrogate sweep (thin-film, {rows} rows, {epochs} epochs, ensemble 1, engine seed 0; value = test RMSE of k in W/m/K): median over {seeds} seeds of the best value after 50 and {trials} trials ({workers} seeds at a time)"));
            Console.WriteLine();
            Console.WriteLine($"| sampler | best after 50 | best after {trials} | quartiles after {trials} | sampler time (s, summed over seeds) |");
            Console.WriteLine("|---|---:|---:|---:|---:|");
            foreach (var (name, runs) in curves.Where(c => c.Value.Count > 0))
            {
                var at50 = Stats.Quantile([.. runs.Select(r => r[Math.Min(49, trials - 1)])], 0.5);
                var last = runs.Select(r => r[^1]).ToArray();
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"| {name} | {at50:G4} | {Stats.Quantile(last, 0.5):G4} | {Stats.Quantile(last, 0.25):G4}–{Stats.Quantile(last, 0.75):G4} | {secondsBySampler[name]:F0} |"));
            }
            Console.WriteLine();
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{objective.Calls} evaluations, {objective.Trainings} distinct points trained, {objective.Failures} failed ({objective.TrainingTime.TotalSeconds / Math.Max(1, objective.Trainings):F3} s each on average); total {total.Elapsed.TotalMinutes:F1} min"));
            Plot(curves, seeds, plotPath, rows, epochs);
            Console.WriteLine($"plot: {plotPath}");
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    private sealed record SeedCurves(int Seed, Dictionary<string, double[]> Curves);

    /// <summary>
    /// <c>tpe-quality-surrogate-merge FILE... [--plot PATH] [--rows R] [--epochs E]</c>: the table and plot over the seeds of
    /// several runs' <c>--curves</c> files (a seed measured twice counts once), e.g. of runs over different <c>--first-seed</c> ranges.
    /// </summary>
    public static void Merge(string[] args)
    {
        var plotPath = Array.IndexOf(args, "--plot") is var p and >= 0 && p + 1 < args.Length ? args[p + 1] : "docs/tpe-quality-surrogate.png";
        var files = args.TakeWhile(a => !a.StartsWith("--", StringComparison.Ordinal)).ToArray();
        var bySeed = new SortedDictionary<int, SeedCurves>();
        foreach (var line in files.SelectMany(File.ReadLines).Where(l => l.Length > 0))
        {
            var seed = JsonSerializer.Deserialize<SeedCurves>(line)!;
            bySeed.TryAdd(seed.Seed, seed);
        }
        var names = bySeed.Values.First().Curves.Keys.ToArray();
        var curves = names.ToDictionary(n => n, n => bySeed.Values.Select(s => s.Curves[n]).ToList());
        var trials = curves[names[0]][0].Length;
        Console.WriteLine($"median over {bySeed.Count} seeds ({string.Join(", ", bySeed.Keys)}) of the best value after 50 and {trials} trials");
        Console.WriteLine();
        Console.WriteLine($"| sampler | best after 50 | best after {trials} | quartiles after {trials} |");
        Console.WriteLine("|---|---:|---:|---:|");
        foreach (var (name, runs) in curves)
        {
            var at50 = Stats.Quantile([.. runs.Select(r => r[Math.Min(49, trials - 1)])], 0.5);
            var last = runs.Select(r => r[^1]).ToArray();
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {name} | {at50:G4} | {Stats.Quantile(last, 0.5):G4} | {Stats.Quantile(last, 0.25):G4}–{Stats.Quantile(last, 0.75):G4} |"));
        }
        Plot(curves, bySeed.Count, plotPath, Option(args, "--rows", 600), Option(args, "--epochs", 10));
        Console.WriteLine($"plot: {plotPath}");
    }

    private static double Best(double value, double before) => double.IsNaN(value) ? before : Math.Min(value, before);

    /// <summary>The best value after each trial of one sequential ClusterML study.</summary>
    private static double[] Study(Objective objective, int seed, int trials, Func<List<SearchObservation>, int, ImmutableDictionary<string, CampaignValue>> propose)
    {
        var observations = new List<SearchObservation>();
        var best = new double[trials];
        for (var k = 0; k < trials; k++)
        {
            var point = propose(observations, Seeds.Derive(seed, 2_000_000 + k));
            var value = objective.Evaluate(Point.Of(point));
            observations.Add(new SearchObservation(point, value));
            best[k] = Best(value, k > 0 ? best[k - 1] : double.PositiveInfinity);
        }
        return best;
    }

    /// <summary>
    /// Optuna 3.1's TPESampler(seed) on the same space through ask/tell: python prints each trial's parameters as a JSON line
    /// and reads the value back as one line.
    /// </summary>
    private const string OptunaScript = """
        import json, math, sys
        import optuna
        optuna.logging.set_verbosity(optuna.logging.WARNING)
        seed, trials = int(sys.argv[1]), int(sys.argv[2])
        study = optuna.create_study(sampler=optuna.samplers.TPESampler(seed=seed))
        for _ in range(trials):
            trial = study.ask()
            params = {
                "lr": trial.suggest_float("lr", 1e-4, 3e-2, log=True),
                "width": trial.suggest_int("width", 8, 96, step=8),
                "layers": trial.suggest_int("layers", 1, 4),
                "weight_decay": trial.suggest_float("weight_decay", 0.0, 1e-3),
            }
            print(json.dumps(params), flush=True)
            line = sys.stdin.readline()
            if not line:
                sys.exit(1)
            value = float(line)
            if math.isnan(value):
                study.tell(trial, state=optuna.trial.TrialState.FAIL)
            else:
                study.tell(trial, value)
        """;

    private static readonly Lock OptunaLock = new();
    private static string? optunaPath;

    private static double[] OptunaStudy(Objective objective, int seed, int trials)
    {
        lock (OptunaLock)
        {
            if (optunaPath is null)
            {
                var path = Path.Combine(Path.GetTempPath(), $"clusterml-optuna-surrogate-{Environment.ProcessId}.py");
                File.WriteAllText(path, OptunaScript);
                AppDomain.CurrentDomain.ProcessExit += (_, _) => File.Delete(path);
                optunaPath = path;
            }
        }
        // Debian's python3-optuna installs into the system interpreter, which a pyenv or venv python3 on PATH may hide.
        var python = File.Exists("/usr/bin/python3") ? "/usr/bin/python3" : "python3";
        using var process = Process.Start(new ProcessStartInfo(python, [optunaPath, seed.ToString(CultureInfo.InvariantCulture), trials.ToString(CultureInfo.InvariantCulture)])
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        }) ?? throw new InvalidOperationException("python3 did not start");
        var error = process.StandardError.ReadToEndAsync();
        var best = new double[trials];
        for (var k = 0; k < trials; k++)
        {
            var line = process.StandardOutput.ReadLine()
                ?? throw new InvalidOperationException($"Optuna stopped after {k} trials: {error.Result.Trim().Split('\n').LastOrDefault()}");
            using var json = JsonDocument.Parse(line);
            var root = json.RootElement;
            var point = new Point(root.GetProperty("lr").GetDouble(), root.GetProperty("width").GetInt64(),
                root.GetProperty("layers").GetInt64(), root.GetProperty("weight_decay").GetDouble());
            var value = objective.Evaluate(point);
            process.StandardInput.WriteLine(value.ToString("R", CultureInfo.InvariantCulture));
            process.StandardInput.Flush();
            best[k] = Best(value, k > 0 ? best[k - 1] : double.PositiveInfinity);
        }
        process.StandardInput.Close();
        process.WaitForExit();
        return best;
    }

    private static void Plot(Dictionary<string, List<double[]>> curves, int seeds, string path, int rows, int epochs)
    {
        var plot = new Plot();
        foreach (var (name, runs) in curves.Where(c => c.Value.Count > 0))
        {
            var length = runs[0].Length;
            var xs = Enumerable.Range(1, length).Select(k => (double)k).ToArray();
            var median = Enumerable.Range(0, length).Select(k => Stats.Quantile([.. runs.Select(r => r[k])], 0.5)).ToArray();
            var line = plot.Add.ScatterLine(xs, median);
            line.LegendText = name;
            line.LineWidth = 2;
            line.MarkerSize = 0;
        }
        plot.Title($"Surrogate sweep (thin-film, {rows} rows, {epochs} epochs): median best test RMSE over {seeds} seeds");
        plot.XLabel("trial");
        plot.YLabel("best test RMSE so far (W/m/K)");
        plot.ShowLegend(Alignment.UpperRight);
        var folder = Path.GetDirectoryName(Path.GetFullPath(path));
        if (folder is not null)
        {
            Directory.CreateDirectory(folder);
        }
        plot.SavePng(path, 1000, 600);
    }
}
