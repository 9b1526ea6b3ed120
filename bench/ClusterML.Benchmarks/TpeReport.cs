using System.Collections.Immutable;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using ClusterML.Core.Campaigns;
using ClusterML.Core.Engines;
using ClusterML.Engines.Surrogate;

namespace ClusterML.Benchmarks;

/// <summary>
/// TPE and GP search quality and proposal cost. <c>tpe-quality [seeds]</c>: on Branin (2-D) and Hartmann-6, the median over seeds of
/// the best value after 50 and 100 sequential trials, for ClusterML's TPE (univariate and multivariate), GP, random search, and
/// Optuna's TPESampler and RandomSampler when <c>/usr/bin/python3</c> (else <c>python3</c>) can import optuna (Debian: <c>apt-get install python3-optuna</c>),
/// run in the same process tree. <c>tpe-cost</c>: milliseconds per proposal with 100 and 1 000 finished trials (6-D), against
/// the cost of a random draw in the same run. Run with <c>dotnet run -c Release --project bench/ClusterML.Benchmarks -- tpe-quality</c>.
/// </summary>
public static class TpeReport
{
    private sealed record Problem(string Name, ParameterSpace[] Space, Func<double[], double> F, double Minimum);

    private static readonly Problem[] Problems =
    [
        new("branin", [new UniformSpace("x0", -5, 10), new UniformSpace("x1", 0, 15)], Branin, 0.397887),
        new("hartmann6", [.. Enumerable.Range(0, 6).Select(i => (ParameterSpace)new UniformSpace($"x{i}", 0, 1))], Hartmann6, -3.32237),
    ];

    private static double Branin(double[] x)
    {
        const double b = 5.1 / (4 * Math.PI * Math.PI), c = 5 / Math.PI, t = 1 / (8 * Math.PI);
        return Math.Pow(x[1] - (b * x[0] * x[0]) + (c * x[0]) - 6, 2) + (10 * (1 - t) * Math.Cos(x[0])) + 10;
    }

    private static readonly double[] HartmannAlpha = [1.0, 1.2, 3.0, 3.2];

    private static readonly double[,] HartmannA =
    {
        { 10, 3, 17, 3.5, 1.7, 8 }, { 0.05, 10, 17, 0.1, 8, 14 }, { 3, 3.5, 1.7, 10, 17, 8 }, { 17, 8, 0.05, 10, 0.1, 14 },
    };

    private static readonly double[,] HartmannP =
    {
        { 0.1312, 0.1696, 0.5569, 0.0124, 0.8283, 0.5886 }, { 0.2329, 0.4135, 0.8307, 0.3736, 0.1004, 0.9991 },
        { 0.2348, 0.1451, 0.3522, 0.2883, 0.3047, 0.6650 }, { 0.4047, 0.8828, 0.8732, 0.5743, 0.1091, 0.0381 },
    };

    private static double Hartmann6(double[] x)
    {
        var sum = 0.0;
        for (var i = 0; i < 4; i++)
        {
            var inner = 0.0;
            for (var j = 0; j < 6; j++)
            {
                inner += HartmannA[i, j] * Math.Pow(x[j] - HartmannP[i, j], 2);
            }
            sum += HartmannAlpha[i] * Math.Exp(-inner);
        }
        return -sum;
    }

    /// <summary>The best value after each trial of one sequential study.</summary>
    private static double[] Study(Problem problem, int seed, int trials, TpeOptions options) =>
        Study(problem, seed, trials, (observations, s) => TpeSampler.Propose(problem.Space, observations, s, options));

    private static double[] Study(Problem problem, int seed, int trials, Func<List<SearchObservation>, int, ImmutableDictionary<string, CampaignValue>> propose)
    {
        var observations = new List<SearchObservation>();
        var best = new double[trials];
        for (var k = 0; k < trials; k++)
        {
            var point = propose(observations, Seeds.Derive(seed, 2_000_000 + k));
            var value = problem.F([.. problem.Space.Select(a => ((CampaignValue.Real)point[a.Name]).Value)]);
            observations.Add(new SearchObservation(point, value));
            best[k] = Math.Min(value, k > 0 ? best[k - 1] : double.PositiveInfinity);
        }
        return best;
    }

    public static void Quality(string[] args)
    {
        var seeds = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 20;
        var withOptuna = !args.Contains("--no-optuna");
        // A GP proposal costs a fit (0.1–1 s with 100 trials): --gp-seeds N runs it on the first N seeds only (0: not at all).
        var gpSeeds = Array.IndexOf(args, "--gp-seeds") is var g and >= 0 && g + 1 < args.Length ? int.Parse(args[g + 1], CultureInfo.InvariantCulture) : seeds;
        const int trials = 100;
        var curves = new Dictionary<(string Problem, string Sampler), double[][]>();
        foreach (var problem in Problems)
        {
            foreach (var (name, options) in new[]
            {
                ("clusterml tpe", TpeOptions.Default),
                ("clusterml tpe multivariate", TpeOptions.Default with { Multivariate = true }),
                ("clusterml random", TpeOptions.Default with { StartupTrials = int.MaxValue }),
            })
            {
                curves[(problem.Name, name)] = [.. Enumerable.Range(0, seeds).Select(seed => Study(problem, seed, trials, options))];
            }
            if (gpSeeds > 0)
            {
                var clock = Stopwatch.StartNew();
                curves[(problem.Name, $"clusterml gp ({gpSeeds} seeds)")] = [.. Enumerable.Range(0, gpSeeds)
                    .Select(seed => Study(problem, seed, trials, (observations, s) => GpSampler.Propose(problem.Space, observations, s)))];
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"gp on {problem.Name}: {clock.Elapsed.TotalMilliseconds / (gpSeeds * (trials - 10)):F0} ms per model-based proposal"));
            }
        }
        foreach (var ((problem, sampler), runs) in withOptuna ? Optuna(seeds, trials) : [])
        {
            curves[(problem, sampler)] = runs;
        }

        Console.WriteLine($"Median over {seeds} seeds of the best value (regret = best − minimum) after 50 and 100 sequential trials:");
        Console.WriteLine();
        Console.WriteLine("| problem | sampler | best after 50 | regret after 50 | best after 100 | regret after 100 |");
        Console.WriteLine("|---|---|---:|---:|---:|---:|");
        foreach (var ((problemName, sampler), runs) in curves.OrderBy(c => c.Key.Problem, StringComparer.Ordinal))
        {
            var minimum = Problems.First(p => p.Name == problemName).Minimum;
            var at50 = Statistics.Quantile([.. runs.Select(r => r[49])], 0.5);
            var at100 = Statistics.Quantile([.. runs.Select(r => r[99])], 0.5);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {problemName} | {sampler} | {at50:G5} | {at50 - minimum:G3} | {at100:G5} | {at100 - minimum:G3} |"));
        }
        if (withOptuna && !curves.Keys.Any(k => k.Sampler.StartsWith("optuna", StringComparison.Ordinal)))
        {
            Console.WriteLine();
            Console.WriteLine("(Optuna not measured: python3 cannot import optuna; on Debian: apt-get install python3-optuna)");
        }
    }

    /// <summary>Optuna's TPE and random samplers on the same problems, through python3; empty when optuna is not importable.</summary>
    private static IEnumerable<((string Problem, string Sampler), double[][])> Optuna(int seeds, int trials)
    {
        const string script = """
            import json, math, sys
            import optuna
            optuna.logging.set_verbosity(optuna.logging.WARNING)
            seeds, trials = int(sys.argv[1]), int(sys.argv[2])
            def branin(t):
                x0, x1 = t.suggest_float("x0", -5, 10), t.suggest_float("x1", 0, 15)
                b, c, s = 5.1 / (4 * math.pi ** 2), 5 / math.pi, 1 / (8 * math.pi)
                return (x1 - b * x0 ** 2 + c * x0 - 6) ** 2 + 10 * (1 - s) * math.cos(x0) + 10
            A = [[10, 3, 17, 3.5, 1.7, 8], [0.05, 10, 17, 0.1, 8, 14], [3, 3.5, 1.7, 10, 17, 8], [17, 8, 0.05, 10, 0.1, 14]]
            P = [[0.1312, 0.1696, 0.5569, 0.0124, 0.8283, 0.5886], [0.2329, 0.4135, 0.8307, 0.3736, 0.1004, 0.9991],
                 [0.2348, 0.1451, 0.3522, 0.2883, 0.3047, 0.6650], [0.4047, 0.8828, 0.8732, 0.5743, 0.1091, 0.0381]]
            alpha = [1.0, 1.2, 3.0, 3.2]
            def hartmann6(t):
                x = [t.suggest_float(f"x{i}", 0, 1) for i in range(6)]
                return -sum(alpha[i] * math.exp(-sum(A[i][j] * (x[j] - P[i][j]) ** 2 for j in range(6))) for i in range(4))
            out = {}
            for name, f in (("branin", branin), ("hartmann6", hartmann6)):
                for label, make in (("optuna tpe", lambda s: optuna.samplers.TPESampler(seed=s)),
                                    ("optuna tpe multivariate", lambda s: optuna.samplers.TPESampler(seed=s, multivariate=True)),
                                    ("optuna random", lambda s: optuna.samplers.RandomSampler(seed=s))):
                    runs = []
                    for seed in range(seeds):
                        study = optuna.create_study(sampler=make(seed))
                        study.optimize(f, n_trials=trials)
                        best, curve = math.inf, []
                        for trial in study.trials:
                            best = min(best, trial.value)
                            curve.append(best)
                        runs.append(curve)
                    out[name + "|" + label] = runs
            print(json.dumps(out))
            """;
        var path = Path.Combine(Path.GetTempPath(), $"clusterml-optuna-{Environment.ProcessId}.py");
        File.WriteAllText(path, script);
        try
        {
            // Debian's python3-optuna installs into the system interpreter, which a pyenv or venv python3 on PATH may hide.
            var python = File.Exists("/usr/bin/python3") ? "/usr/bin/python3" : "python3";
            using var process = Process.Start(new ProcessStartInfo(python, [path, seeds.ToString(CultureInfo.InvariantCulture), trials.ToString(CultureInfo.InvariantCulture)])
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            });
            if (process is null)
            {
                return [];
            }
            var output = process.StandardOutput.ReadToEndAsync();
            var error = process.StandardError.ReadToEndAsync();
            process.WaitForExit();
            if (process.ExitCode != 0)
            {
                Console.Error.WriteLine($"Optuna run failed (exit {process.ExitCode}): {error.Result.Trim().Split('\n').LastOrDefault()}");
                return [];
            }
            var parsed = JsonSerializer.Deserialize<Dictionary<string, double[][]>>(output.Result)!;
            return parsed.Select(p => ((p.Key.Split('|')[0], p.Key.Split('|')[1]), p.Value)).ToArray();
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return [];
        }
        finally
        {
            File.Delete(path);
        }
    }

    public static void Cost()
    {
        var space = Problems[1].Space;
        var random = new Random(1);
        var finished = Enumerable.Range(0, 1000)
            .Select(_ => (IReadOnlyDictionary<string, CampaignValue>)space.ToImmutableDictionary(a => a.Name, a => (CampaignValue)new CampaignValue.Real(random.NextDouble()), StringComparer.Ordinal))
            .Select(p => new SearchObservation(p, Hartmann6([.. space.Select(a => ((CampaignValue.Real)p[a.Name]).Value)])))
            .ToList();
        double Milliseconds(IReadOnlyList<SearchObservation> observations, TpeOptions options, int repeats)
        {
            TpeSampler.Propose(space, observations, 0, options); // warm-up
            var clock = Stopwatch.StartNew();
            for (var i = 0; i < repeats; i++)
            {
                TpeSampler.Propose(space, observations, i, options);
            }
            return clock.Elapsed.TotalMilliseconds / repeats;
        }
        var baseline = Milliseconds(finished, TpeOptions.Default with { StartupTrials = int.MaxValue }, 2000);
        Console.WriteLine("| finished trials | sampler (6-D) | ms per proposal | ÷ random draw |");
        Console.WriteLine("|---:|---|---:|---:|");
        foreach (var n in new[] { 100, 1000 })
        {
            foreach (var (name, options) in new[] { ("tpe", TpeOptions.Default), ("tpe multivariate", TpeOptions.Default with { Multivariate = true }) })
            {
                var ms = Milliseconds(finished.Take(n).ToList(), options, n == 1000 ? 100 : 400);
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {n} | {name} | {ms:F3} | {ms / baseline:F0} |"));
            }
        }
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"(a random draw: {baseline * 1000:F1} µs)"));
    }
}
