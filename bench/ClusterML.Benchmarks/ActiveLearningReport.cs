using System.Diagnostics;
using System.Globalization;
using ClusterML.Core.Active;
using ClusterML.Core.Campaigns;
using ClusterML.Core.Coordination;
using ClusterML.Core.Engines;
using ClusterML.Core.Files;
using ClusterML.Engines.Active;

namespace ClusterML.Benchmarks;

/// <summary>
/// The thin-film numbers of active learning (issue 17): the campaign's own proposer and engines, driven in this process in
/// dispatch order (what the cluster runs, without the cluster, which changes no number).
/// <list type="number">
/// <item><c>active-learning r2 [seeds] [budget] [density] [surrogate] [acquisition] [batch] [initial]</c>: oracle calls until
/// the surrogate's test R² of log10(k) first reaches 0.995, and from which it stays there, with <c>uncertainty</c> acquisition
/// and with random sampling (the campaign's <c>compare_random</c> arm: same design, same ensemble settings and seeds).
/// Defaults: 3 seeds, budget 600, β 0, <c>ensemble: 5</c> (the active loop's surrogate defaults), uncertainty, batches of
/// 10 after 20 design points; a seed ends when both arms have been at the goal for three rounds in a row.</item>
/// <item><c>active-learning min [seeds]</c>: oracle calls until a candidate within the best 0.1 % of a 10⁵-candidate pool is
/// labelled (<c>goal: min</c>, ei and ucb), against random sampling's exact expectation (N + 1)/(K + 1) for K good
/// candidates among N drawn without replacement.</item>
/// </list>
/// Run with <c>dotnet run -c Release --project bench/ClusterML.Benchmarks -- active-learning r2 3</c>.
/// </summary>
public static class ActiveLearningReport
{
    public static void Run(string[] args)
    {
        var what = args.Length > 0 ? args[0] : "r2";
        var seeds = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 3;
        if (what == "r2")
        {
            R2(seeds, args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 600, args.Length > 3 ? double.Parse(args[3], CultureInfo.InvariantCulture) : 0,
                args.Length > 4 ? args[4] : "ensemble: 5", args.Length > 5 ? args[5] : "uncertainty",
                args.Length > 6 ? int.Parse(args[6], CultureInfo.InvariantCulture) : 10, args.Length > 7 ? int.Parse(args[7], CultureInfo.InvariantCulture) : 20);
        }
        else
        {
            Minimum(seeds);
        }
    }

    /// <summary>One round trial's numbers: its arm, the oracle calls its arm had made, the test R² (log10) and the best label.</summary>
    public sealed record RoundRecord(string Arm, int Round, int OracleCalls, double R2Log, double BestLabel);

    /// <param name="density">β of <c>density</c> (0: plain uncertainty).</param>
    private static void R2(int seeds, int budget, double density, string surrogate, string acquisition, int batch, int initial)
    {
        Console.WriteLine($"{acquisition}{(density > 0 ? $" × density^{density.ToString(CultureInfo.InvariantCulture)}" : "")}, batches of {batch} after {initial} design points, surrogate {{ {surrogate} }}");
        Console.WriteLine($"| seed | calls to R²(log10) ≥ 0.995, uncertainty | calls, random | R²(log10) at the last round: uncertainty / random | wall time |");
        Console.WriteLine("|---:|---:|---:|---|---:|");
        var ratios = new List<double>();
        foreach (var seed in Enumerable.Range(1, seeds))
        {
            var clock = Stopwatch.StartNew();
            var yaml = $"""
                name: al-r2
                kind: active
                seed: {seed}
                oracle: {"{"} generator: thin-film {"}"}
                pool: {"{"} generator: thin-film, n: 100000 {"}"}
                test: {"{"} generator: thin-film, n: 2000 {"}"}
                target: k_W_mK
                inputs: [thickness_nm, roughness_nm, temperature_K, direction]
                initial: {initial}
                batch: {batch}
                acquisition: {acquisition}
                density: {density.ToString(CultureInfo.InvariantCulture)}
                surrogate: {"{"} {surrogate} {"}"}
                budget: {"{"} oracle_calls: {budget} {"}"}
                compare_random: true
                """;
            // Stops once both arms have stayed at the goal for three rounds in a row (or the budget is spent).
            var rounds = Drive(yaml, records => Settled(records, ActiveSpec.ActiveArm) && Settled(records, ActiveSpec.RandomArm));
            List<RoundRecord> Trained(string arm) => [.. rounds.Where(r => r.Arm == arm && r.Round > 0).OrderBy(r => r.Round)];
            int? First(string arm) => Trained(arm).FirstOrDefault(Reached)?.OracleCalls;
            // From which call on the arm stays at the goal to the end of the budget (training noise makes "first" flicker).
            int? Stays(string arm)
            {
                var ordered = Trained(arm);
                var from = ordered.Count;
                while (from > 0 && Reached(ordered[from - 1]))
                {
                    from--;
                }
                return from < ordered.Count ? ordered[from].OracleCalls : null;
            }
            var active = First(ActiveSpec.ActiveArm);
            var random = First(ActiveSpec.RandomArm);
            var activeStays = Stays(ActiveSpec.ActiveArm);
            var randomStays = Stays(ActiveSpec.RandomArm);
            Console.WriteLine($"seed {seed}: stays at R² ≥ 0.995 from {activeStays?.ToString(CultureInfo.InvariantCulture) ?? "–"} ({acquisition}) / {randomStays?.ToString(CultureInfo.InvariantCulture) ?? "–"} (random) calls; mean R² over rounds {rounds.Where(r => r.Arm == ActiveSpec.ActiveArm).Average(r => r.R2Log):F4} / {rounds.Where(r => r.Arm == ActiveSpec.RandomArm).Average(r => r.R2Log):F4}");
            string Last(string arm) => rounds.Where(r => r.Arm == arm).OrderBy(r => r.Round).LastOrDefault() is { } r ? r.R2Log.ToString("F4", CultureInfo.InvariantCulture) : "–";
            if (active is { } a && random is { } b)
            {
                ratios.Add(b / (double)a);
            }
            Console.WriteLine($"| {seed} | {active?.ToString(CultureInfo.InvariantCulture) ?? $"> {budget}"} | {random?.ToString(CultureInfo.InvariantCulture) ?? $"> {budget}"} | {Last(ActiveSpec.ActiveArm)} / {Last(ActiveSpec.RandomArm)} | {clock.Elapsed.TotalMinutes:F1} min |");
            foreach (var r in rounds.Where(r => r.Round > 0))
            {
                Console.Error.WriteLine(FormattableString.Invariant($"seed {seed} {r.Arm} round {r.Round}: {r.OracleCalls} calls, R²(log10) {r.R2Log:F4}"));
            }
        }
        if (ratios.Count > 0)
        {
            Console.WriteLine($"random / uncertainty oracle calls: {string.Join(", ", ratios.Select(r => r.ToString("F2", CultureInfo.InvariantCulture)))}; geometric mean {Math.Exp(ratios.Average(Math.Log)):F2}×");
        }

        static bool Reached(RoundRecord r) => r.R2Log >= 0.995;
        static bool Settled(IReadOnlyList<RoundRecord> records, string arm) =>
            records.Where(r => r.Arm == arm).OrderBy(r => r.Round).TakeLast(3) is var last && last.Count() == 3 && last.All(Reached);
    }

    private static void Minimum(int seeds)
    {
        const int PoolSize = 100_000;
        Console.WriteLine("| seed | acquisition | pool's 0.1 % threshold (W/m/K) | calls to a candidate in the best 0.1 % (the call; its batch spent) | random: expected calls | ratio (call; batch) |");
        Console.WriteLine("|---:|---|---:|---:|---:|---:|");
        foreach (var seed in Enumerable.Range(1, seeds))
        {
            var poolSeed = 100 + seed;
            var oracle = new ClusterML.Oracles.ThinFilmOracle();
            string[] inputs = ["thickness_nm", "roughness_nm", "temperature_K", "direction"];
            var pool = new GeneratorPool(oracle, inputs, PoolSize, poolSeed, "pool");
            var truth = new double[PoolSize];
            Parallel.For(0, PoolSize, k => truth[k] = oracle.Evaluate(pool.Draw(k))[0]);
            var sorted = truth.Order().ToArray();
            var good = PoolSize / 1000;
            var threshold = sorted[good - 1];
            var expected = (PoolSize + 1.0) / (good + 1.0);
            foreach (var acquisition in new[] { "ei", "ucb" })
            {
                var yaml = $"""
                    name: al-min
                    kind: active
                    seed: {seed}
                    oracle: {"{"} generator: thin-film {"}"}
                    pool: {"{"} generator: thin-film, n: {PoolSize}, seed: {poolSeed} {"}"}
                    target: k_W_mK
                    inputs: [thickness_nm, roughness_nm, temperature_K, direction]
                    initial: 20
                    batch: 10
                    acquisition: {acquisition}
                    goal: {"{"} target: k_W_mK, mode: min {"}"}
                    surrogate: {"{"} ensemble: 5, epochs: 300, batch_size: 64, bootstrap: true, patience: 100 {"}"}
                    budget: {"{"} oracle_calls: 500 {"}"}
                    """;
                var rounds = Drive(yaml, records => records.Any(r => r.BestLabel <= threshold), out var labels);
                // The call that found it (in dispatch order), and the calls spent by the end of its batch (the next round
                // trial's count: a batch's calls run together).
                var call = labels.FindIndex(l => l.Label <= threshold) is var at and >= 0 ? at + 1 : (int?)null;
                var batch = rounds.Where(r => r.Round > 0).OrderBy(r => r.Round).FirstOrDefault(r => r.BestLabel <= threshold)?.OracleCalls;
                string Ratio(int? calls) => calls is { } c ? (expected / c).ToString("F1", CultureInfo.InvariantCulture) + "×" : "–";
                Console.WriteLine($"| {seed} | {acquisition} | {threshold:G4} | {call?.ToString(CultureInfo.InvariantCulture) ?? "> 500"}; {batch?.ToString(CultureInfo.InvariantCulture) ?? "–"} | {expected:F0} | {Ratio(call)}; {Ratio(batch)} |");
            }
        }
    }

    /// <summary>
    /// Runs an active-learning campaign's trials in dispatch order in this process (each to completion, so every trial is
    /// ready when reached) with the campaign's proposer; stops when the proposer ends it or <paramref name="enough"/> holds.
    /// </summary>
    public static List<RoundRecord> Drive(string yaml, Func<IReadOnlyList<RoundRecord>, bool> enough) => Drive(yaml, enough, out _);

    /// <inheritdoc cref="Drive(string, Func{IReadOnlyList{RoundRecord}, bool})"/>
    /// <param name="labels">Every oracle call's label in dispatch order, with its arm (the design's count as the active arm's).</param>
    public static List<RoundRecord> Drive(string yaml, Func<IReadOnlyList<RoundRecord>, bool> enough, out List<(string Arm, double Label)> labels)
    {
        labels = [];
        ClusterML.Cli.Hosting.ClusterHost.RegisterEngines();
        var spec = CampaignSpecReader.Parse(yaml, "/bench/al.yaml");
        var plan = CampaignPlanner.Compact(CampaignPlanner.Plan(spec, "bench", 0), yaml, "/bench/al.yaml", new Dictionary<string, BlobRef>());
        var proposer = (ActiveProposer)TrialProposer.For(plan)!;
        var trials = CampaignPlanner.Trials(plan);
        var engines = ClusterML.Cli.Hosting.ClusterHost.Engines();
        var seen = new List<TrialProposer.Seen>();
        var records = new List<RoundRecord>();
        for (var i = 0; i < trials.Length; i++)
        {
            if (proposer.Over(i, seen) is not null || enough(records))
            {
                break;
            }
            var parameters = proposer.Propose(i, seen, trials[i].Parameters);
            if (parameters is null)
            {
                seen.Add(new TrialProposer.Seen(trials[i].Parameters, CampaignBook.Stopped, double.NaN));
                continue;
            }
            var trial = proposer.Trial(trials[i], parameters, seen);
            var engine = engines.First(e => e.Accepts(trial.Spec));
            var outcome = engine.Train(trial.Spec, new RunContext(trial.Seed), CancellationToken.None);
            var metrics = outcome.Metrics ?? new Dictionary<string, double>();
            seen.Add(new TrialProposer.Seen(parameters, CampaignBook.Completed, outcome.FinalLoss) { Metrics = metrics });
            var slot = proposer.Layout[i];
            if (!slot.IsRound && metrics.TryGetValue(proposer.Layout.Spec.Target, out var label))
            {
                labels.Add((slot.Arm, label));
            }
            if (slot.IsRound && slot.Round > 0)
            {
                records.Add(new RoundRecord(slot.Arm, slot.Round, (int)metrics["oracle_calls"], metrics.GetValueOrDefault("test_r2_log10", double.NaN),
                    metrics.GetValueOrDefault("best_label", double.NaN)));
            }
        }
        return records;
    }
}
