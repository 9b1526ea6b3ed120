using System.Globalization;
using System.Text;
using ClusterML.Core.Active;
using ClusterML.Core.Engines;
using ClusterML.Core.IO;
using ClusterML.Core.Validation;
using ClusterML.Engines.Surrogate;
using ClusterML.Oracles;

namespace ClusterML.Engines.Active.Tests;

/// <summary>Round trials end to end in this process, with settings as <see cref="ActiveProposer"/> gives them and tiny ensembles.</summary>
[Collection("Torch")]
public sealed class ActiveRoundEngineTests : IDisposable
{
    private const string Target = "k_W_mK";
    private const int Seed = 5;
    private static readonly string[] Inputs = CandidatePoolTests.ThinFilmInputs;
    private static readonly ThinFilmOracle Oracle = new();

    private readonly string _folder = Directory.CreateTempSubdirectory("clusterml-active-tests-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    /// <summary>The generator pool the round engine opens by default: seed derived from the campaign seed.</summary>
    private static GeneratorPool Pool(long count = 3000) => new(Oracle, Inputs, count, Seeds.Derive(Seed, 77), "pool");

    private static List<(long Candidate, int Round, double[] X, double Y)> Label(CandidatePool pool, IEnumerable<long> candidates, Func<long, int>? round = null) =>
        [.. candidates.Select(k => (k, round?.Invoke(k) ?? 0, pool.Read(k, 1)[0], Oracle.Evaluate(pool.Read(k, 1)[0])[0]))];

    /// <summary>The labelled-rows CSV of <see cref="ActiveProposer"/>: <c>candidate,round,INPUTS…,TARGET</c>.</summary>
    private static string Csv(IEnumerable<(long Candidate, int Round, double[] X, double Y)> rows)
    {
        var text = new StringBuilder("candidate,round,").Append(string.Join(',', Inputs)).Append(',').Append(Target).Append('\n');
        foreach (var (candidate, round, x, y) in rows)
        {
            text.Append(candidate.ToString(CultureInfo.InvariantCulture)).Append(',').Append(round.ToString(CultureInfo.InvariantCulture));
            foreach (var v in x)
            {
                text.Append(',').Append(CsvTable.Format(v));
            }
            text.Append(',').Append(CsvTable.Format(y)).Append('\n');
        }
        return text.ToString();
    }

    private static Dictionary<string, object> Settings(int round, string arm, int select, string labelled, params (string Key, object Value)[] extra)
    {
        var settings = new Dictionary<string, object>(StringComparer.Ordinal)
        {
            ["target"] = Target,
            ["inputs"] = Inputs,
            ["pool.generator"] = "thin-film",
            ["pool.n"] = 3000,
            ["test.generator"] = "thin-film",
            ["test.n"] = 300,
            ["seed"] = Seed,
            ["round"] = round,
            ["arm"] = arm,
            ["select"] = select,
            ["final"] = false,
            ["labelled"] = labelled,
            ["oracle_calls"] = 40,
            ["surrogate.ensemble"] = 2,
            ["surrogate.epochs"] = 20,
            ["surrogate.width"] = 32,
            ["surrogate.layers"] = 2,
            ["acquisition"] = "uncertainty",
        };
        foreach (var (key, value) in extra)
        {
            settings[key] = value;
        }
        return settings;
    }

    private Dictionary<string, double> Run(Dictionary<string, object> settings)
    {
        var spec = Registrations.Create("active", Registrations.Settings([.. settings.Select(p => (p.Key, p.Value))]));
        IEngine engine = new ActiveRoundEngine();
        Assert.True(engine.Accepts(spec));
        var outcome = engine.Train(spec, new RunContext(Seed, ArtifactDirectory: _folder), TestContext.Current.CancellationToken);
        Assert.NotNull(outcome.Metrics);
        return outcome.Metrics.ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal);
    }

    /// <summary>The picks in the metrics: candidate and inputs, j = 0, 1, … while present.</summary>
    private static List<(long Candidate, double[] X)> Picks(Dictionary<string, double> metrics)
    {
        var picks = new List<(long, double[])>();
        for (var j = 0; metrics.TryGetValue($"{ActiveProposer.PickPrefix}{j}.candidate", out var candidate); j++)
        {
            picks.Add(((long)candidate, [.. Inputs.Select(c => metrics[$"{ActiveProposer.PickPrefix}{j}.{c}"])]));
        }
        return picks;
    }

    private static void AssertPicksAreThePoolsCandidates(CandidatePool pool, List<(long Candidate, double[] X)> picks)
    {
        Assert.Equal(picks.Count, picks.Select(p => p.Candidate).Distinct().Count());
        foreach (var (candidate, x) in picks)
        {
            Assert.InRange(candidate, 0, pool.Count - 1);
            Assert.Equal(pool.Read(candidate, 1)[0], x);
        }
    }

    private CsvTable Selected() => CsvTable.Read(Path.Combine(_folder, "selected.csv"), "selected");

    [Fact]
    public void Round_zero_should_pick_a_space_filling_design_of_pool_candidates()
    {
        var metrics = Run(Settings(0, "design", 12, Csv([]), ("oracle_calls", 0)));
        var pool = Pool();
        var picks = Picks(metrics);
        Assert.Equal(12, picks.Count);
        Assert.Equal(12, metrics["selected"]);
        Assert.Equal(3000, metrics["pool_size"]);
        Assert.Equal(0, metrics["labelled"]);
        AssertPicksAreThePoolsCandidates(pool, picks);
        Assert.Equal(SpaceFillingDesign.Pick(pool, 12, CancellationToken.None), picks.Select(p => p.Candidate).ToArray());
        Assert.False(metrics.ContainsKey(ActiveProposer.StopMetric));
        Assert.True(File.Exists(Path.Combine(_folder, "selected.csv")));
        Assert.True(File.Exists(Path.Combine(_folder, "round.json")));
    }

    [Fact]
    public void An_uncertainty_round_should_pick_unlabelled_candidates_where_the_ensemble_disagrees_most()
    {
        var pool = Pool();
        var labelled = Label(pool, Enumerable.Range(0, 40).Select(k => (long)k));
        var metrics = Run(Settings(1, "active", 6, Csv(labelled)));
        var picks = Picks(metrics);
        Assert.Equal(6, picks.Count);
        Assert.Equal(6, metrics["selected"]);
        AssertPicksAreThePoolsCandidates(pool, picks);
        Assert.All(picks, p => Assert.True(p.Candidate >= 40, $"candidate {p.Candidate} is labelled already"));
        Assert.Equal(40, metrics["labelled"]);
        Assert.Equal(2960, metrics["unlabelled"]);
        foreach (var key in new[] { "test_r2_log10", "test_rmse", "sigma_max", "sigma_mean" })
        {
            Assert.True(metrics.ContainsKey(key) && double.IsFinite(metrics[key]), $"metric {key} is missing");
        }
        Assert.Equal(0, metrics[ActiveProposer.StopMetric]);
        Assert.False(metrics.ContainsKey("stop_reason"));

        var selected = Selected();
        Assert.Equal(picks.Select(p => (double)p.Candidate), selected.Numeric("candidate"));
        var sigma = selected.Numeric("sigma");
        Assert.All(sigma, s => Assert.True(s <= metrics["sigma_max"] + 1e-12));
        Assert.True(sigma.Average() > metrics["sigma_mean"], $"picks' mean σ {sigma.Average()} ≤ the pool's {metrics["sigma_mean"]}");
        Assert.Equal(sigma.Select((s, i) => s), selected.Numeric("score")); // uncertainty scores σ
        Assert.True(File.Exists(Path.Combine(_folder, "labelled.csv")));
        Assert.True(Directory.Exists(Path.Combine(_folder, SurrogateEngine.ModelFolder)));
    }

    [Fact]
    public void Expected_improvement_for_a_minimum_should_pick_candidates_predicted_below_the_pools_median()
    {
        var pool = Pool();
        var labelled = Label(pool, Enumerable.Range(0, 40).Select(k => (long)k));
        // The 40 labels span less than 30×, so the target stays linear; the small ensemble this test was built with (batches of
        // 64 on bootstrap resamples) predicts the pool's low end better than the loop's defaults do at 40 rows.
        var metrics = Run(Settings(1, "active", 6, Csv(labelled), ("acquisition", "ei"), ("goal", "min"), ("surrogate.epochs", 120),
            ("surrogate.batch_size", 64), ("surrogate.bootstrap", true), ("surrogate.patience", 100)));
        var picks = Picks(metrics);
        Assert.Equal(6, picks.Count);
        Assert.All(picks, p => Assert.True(p.Candidate >= 40));
        Assert.Equal(labelled.Min(r => r.Y), metrics["best_label"]);
        Assert.Equal(labelled.MinBy(r => r.Y).Candidate, metrics["best_candidate"]);

        using var model = SurrogateModel.Load(Path.Combine(_folder, SurrogateEngine.ModelFolder));
        var predicted = model.Predict(pool.Read(0, (int)pool.Count), checkDomain: false).Mean.Order().ToArray();
        var median = predicted[predicted.Length / 2];
        var picked = Selected().Numeric("mean");
        Assert.True(picked.Average() < median, $"picks' predicted mean {picked.Average()} ≥ the pool's median prediction {median}\n{File.ReadAllText(Path.Combine(_folder, "selected.csv"))}\n{string.Join(", ", metrics.Where(m => !m.Key.StartsWith("next", StringComparison.Ordinal)).Select(m => m.Key + "=" + m.Value))}\nq10={predicted[predicted.Length / 10]} q90={predicted[9 * predicted.Length / 10]}");
        Assert.True(metrics["pool_best_predicted"] <= picked.Min() + 1e-9);
    }

    [Fact]
    public void A_pool_with_fewer_unlabelled_candidates_than_the_batch_should_stop_as_exhausted()
    {
        var generated = Pool(45);
        var path = Path.Combine(_folder, "pool.csv");
        File.WriteAllText(path, string.Join(',', Inputs) + "\n" + string.Concat(generated.Read(0, 45).Select(r => string.Join(',', r.Select(CsvTable.Format)) + "\n")));
        var table = CandidatePool.Open(new CandidateSource(null, 0, 0, path, null), Inputs, "pool");
        var labelled = Label(table, Enumerable.Range(0, 40).Select(k => (long)k));
        var settings = Settings(1, "active", 10, Csv(labelled), ("pool.data", path));
        settings.Remove("pool.generator");
        settings.Remove("pool.n");
        var metrics = Run(settings);
        Assert.Equal(1, metrics[ActiveProposer.StopMetric]);
        Assert.Equal(StopReasons.PoolExhausted, metrics["stop_reason"]);
        Assert.Equal(45, metrics["pool_size"]);
        Assert.Equal(5, metrics["unlabelled"]);
        var picks = Picks(metrics);
        Assert.Equal([40L, 41, 42, 43, 44], picks.Select(p => p.Candidate).Order().ToArray());
        AssertPicksAreThePoolsCandidates(table, picks);
    }

    [Fact]
    public void A_huge_stop_sigma_should_stop_the_active_arm_but_not_the_random_arm()
    {
        var pool = Pool();
        var labelled = Csv(Label(pool, Enumerable.Range(0, 40).Select(k => (long)k)));
        var active = Run(Settings(1, "active", 4, labelled, ("stop.sigma", 1e9)));
        Assert.Equal(1, active[ActiveProposer.StopMetric]);
        Assert.Equal(StopReasons.Sigma, active["stop_reason"]);
        Assert.Equal(4, Picks(active).Count);

        var random = Run(Settings(1, "random", 4, labelled, ("stop.sigma", 1e9)));
        Assert.Equal(0, random[ActiveProposer.StopMetric]);
        var picks = Picks(random);
        Assert.Equal(4, picks.Count);
        AssertPicksAreThePoolsCandidates(pool, picks);
        Assert.All(picks, p => Assert.True(p.Candidate >= 40));
    }

    [Fact]
    public void Patience_should_stop_when_the_last_rounds_found_no_better_label_and_not_otherwise()
    {
        var pool = Pool();
        var rows = Label(pool, Enumerable.Range(0, 40).Select(k => (long)k));
        // Round 1 labelled the ten largest conductivities: no improvement on round 0's minimum.
        var worst = rows.OrderByDescending(r => r.Y).Take(10).Select(r => r.Candidate).ToHashSet();
        var stale = rows.Select(r => r with { Round = worst.Contains(r.Candidate) ? 1 : 0 }).ToList();
        var metrics = Run(Settings(2, "active", 4, Csv(stale), ("goal", "min"), ("stop.patience", 1)));
        Assert.Equal(1, metrics[ActiveProposer.StopMetric]);
        Assert.Equal(StopReasons.NoImprovement, metrics["stop_reason"]);

        // Round 1 found the minimum: go on.
        var best = rows.OrderBy(r => r.Y).Take(10).Select(r => r.Candidate).ToHashSet();
        var improving = rows.Select(r => r with { Round = best.Contains(r.Candidate) ? 1 : 0 }).ToList();
        var again = Run(Settings(2, "active", 4, Csv(improving), ("goal", "min"), ("stop.patience", 1)));
        Assert.Equal(0, again[ActiveProposer.StopMetric]);
    }

    [Fact]
    public void The_final_round_should_train_and_save_the_model_without_picking()
    {
        var pool = Pool();
        var labelled = Label(pool, Enumerable.Range(0, 40).Select(k => (long)k));
        var metrics = Run(Settings(3, "active", 6, Csv(labelled), ("final", true)));
        Assert.DoesNotContain(metrics.Keys, k => k.StartsWith(ActiveProposer.PickPrefix, StringComparison.Ordinal));
        Assert.False(metrics.ContainsKey(ActiveProposer.StopMetric));
        Assert.True(metrics.ContainsKey("test_r2_log10"));
        Assert.True(Directory.Exists(Path.Combine(_folder, SurrogateEngine.ModelFolder)));
        using var model = SurrogateModel.Load(Path.Combine(_folder, SurrogateEngine.ModelFolder));
        Assert.Equal(2, model.Predict(pool.Read(0, 3), checkDomain: false).Members.Length);
        Assert.True(File.Exists(Path.Combine(_folder, "labelled.csv")));
        Assert.False(File.Exists(Path.Combine(_folder, "selected.csv")));
    }

    [Fact]
    public void A_round_with_fewer_than_eight_labelled_rows_should_be_an_input_error()
    {
        var labelled = Label(Pool(), Enumerable.Range(0, ActiveRoundEngine.MinimumRows - 1).Select(k => (long)k));
        var error = Assert.Throws<InvalidInputException>(() => Run(Settings(1, "active", 4, Csv(labelled))));
        Assert.Contains("7 rows", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("acquisition", "ucb", "acquisition")]
    [InlineData("acquisition", "ei", "acquisition")]
    [InlineData("acquisition", "thompson", "acquisition")]
    [InlineData("diversity", "spread", "diversity")]
    [InlineData("out_of_domain", "ignore", "out_of_domain")]
    [InlineData("goal", "median", "goal")]
    public void A_bad_setting_should_name_its_field(string key, string value, string field)
    {
        var error = Assert.Throws<InvalidInputException>(() => Registrations.Create("active", Registrations.Settings([.. Settings(1, "active", 4, Csv([]), (key, value)).Select(p => (p.Key, p.Value))])));
        Assert.Equal(field, error.Field);
    }

    [Fact]
    public void Patience_without_a_goal_zero_epochs_or_no_pool_should_name_their_fields()
    {
        InvalidInputException Error(Dictionary<string, object> settings) =>
            Assert.Throws<InvalidInputException>(() => Registrations.Create("active", Registrations.Settings([.. settings.Select(p => (p.Key, p.Value))])));
        Assert.Equal("stop.patience", Error(Settings(1, "active", 4, Csv([]), ("stop.patience", 2))).Field);
        Assert.Equal("surrogate.epochs", Error(Settings(1, "active", 4, Csv([]), ("surrogate.epochs", 0))).Field);
        var noPool = Settings(1, "active", 4, Csv([]));
        noPool.Remove("pool.generator");
        Assert.Equal("pool", Error(noPool).Field);
        Assert.Equal("pool.n", Error(Settings(1, "active", 4, Csv([]), ("pool.n", 0))).Field);
        // With a goal, ucb, ei and patience are fine.
        var spec = Assert.IsType<ActiveRoundSpec>(Registrations.Create("active", Registrations.Settings(
            [.. Settings(1, "active", 4, Csv([]), ("acquisition", "ucb"), ("goal", "max"), ("stop.patience", 2), ("kappa", 1.5)).Select(p => (p.Key, p.Value))])));
        Assert.Equal(("ucb", "max", 2, 1.5), (spec.Acquisition, spec.Goal, spec.StopPatience!.Value, spec.Kappa));
        Assert.Equal(2, spec.Surrogate.EnsembleSize);
        Assert.Equal(20, spec.Surrogate.Epochs);
        Assert.Equal(new CandidateSource("thin-film", 3000, Seeds.Derive(Seed, 77), null, null), spec.Pool);
        // Unset, the surrogate trains as a small labelled set needs: several steps per epoch, every member on every fit row
        // (the former batches of 64 on bootstrap resamples left 50 rows one step per epoch on ~63 % of them).
        Assert.Equal((16, false, 200), (spec.Surrogate.BatchSize, spec.Surrogate.Bootstrap, spec.Surrogate.Patience));
        var unset = Settings(1, "active", 4, Csv([]));
        unset.Remove("surrogate.epochs");
        var defaults = Assert.IsType<ActiveRoundSpec>(Registrations.Create("active", Registrations.Settings([.. unset.Select(p => (p.Key, p.Value))])));
        Assert.Equal(1000, defaults.Surrogate.Epochs);
    }
    [Fact]
    public void Out_of_domain_exclude_should_pick_only_candidates_inside_the_training_domain()
    {
        // Reproduced defect: every labelled film thicker than 2 µm, so the most uncertain candidates (thin films) are all out
        // of the training domain; the exclusion used to apply to that shortlist only and left the batch empty.
        var pool = Pool();
        var thick = Enumerable.Range(0, (int)pool.Count).Where(k => pool.Draw(k)[Array.IndexOf(Inputs, "thickness_nm")] > 2000).Take(40).Select(k => (long)k);
        var labelled = Csv(Label(pool, thick));
        var explored = Run(Settings(1, "active", 6, labelled));
        Assert.True(explored["shortlist_out_of_domain"] > 0, "the test needs a shortlist with out-of-domain candidates");
        var metrics = Run(Settings(1, "active", 6, labelled, ("out_of_domain", "exclude")));
        var picks = Picks(metrics);
        Assert.Equal(6, picks.Count);
        Assert.True(metrics["pool_out_of_domain_excluded"] > 0);
        Assert.Equal(0, metrics["stop"]);
        using var model = SurrogateModel.Load(Path.Combine(_folder, SurrogateEngine.ModelFolder));
        var rows = picks.Select(p => p.X).ToArray();
        Assert.All(model.Guard.Check(rows, model.Standardise(rows)), outside => Assert.False(outside));
    }

    private string WriteInitial(CandidatePool pool, int rows, bool labelled)
    {
        var path = Path.Combine(_folder, labelled ? "initial-labelled.csv" : "initial-design.csv");
        var header = string.Join(',', Inputs) + (labelled ? "," + Target : "");
        var lines = pool.Read(100, rows).Select(x => string.Join(',', x.Select(CsvTable.Format)) + (labelled ? "," + CsvTable.Format(Oracle.Evaluate(x)[0]) : ""));
        File.WriteAllText(path, header + "\n" + string.Join("\n", lines) + "\n");
        return path;
    }

    [Fact]
    public void Round_zero_with_a_design_csv_should_pick_its_first_rows_as_negative_candidates()
    {
        var pool = Pool();
        var path = WriteInitial(pool, 10, labelled: false);
        var metrics = Run(Settings(0, "design", 12, Csv([]), ("initial.data", path), ("initial.n", 5), ("oracle_calls", 0)));
        var picks = Picks(metrics);
        Assert.Equal([-1L, -2, -3, -4, -5], picks.Select(p => p.Candidate).ToArray());
        for (var r = 0; r < 5; r++)
        {
            Assert.Equal(pool.Read(100 + r, 1)[0], picks[r].X);
        }
    }

    [Fact]
    public void A_labelled_initial_csv_should_count_as_labelled_rows_of_round_one()
    {
        var pool = Pool();
        var path = WriteInitial(pool, 30, labelled: true);
        var metrics = Run(Settings(1, "active", 4, Csv([]), ("initial.data", path), ("goal", "min"), ("acquisition", "ei")));
        Assert.Equal(30, metrics["labelled"]);
        var best = Enumerable.Range(0, 30).Select(r => Oracle.Evaluate(pool.Read(100 + r, 1)[0])[0]).ToArray();
        Assert.Equal(best.Min(), metrics["best_label"], 1e-9);
        Assert.Equal(-1 - Array.IndexOf(best, best.Min()), metrics["best_candidate"]);
        Assert.Equal(4, Picks(metrics).Count);
        // Round 0 with a labelled CSV has nothing to label.
        var design = Run(Settings(0, "design", 12, Csv([]), ("initial.data", path), ("oracle_calls", 0)));
        Assert.Empty(Picks(design));
    }
}
