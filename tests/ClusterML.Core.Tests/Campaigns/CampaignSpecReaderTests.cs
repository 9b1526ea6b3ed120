using ClusterML.Core.Campaigns;
using ClusterML.Core.Coordination;
using ClusterML.Core.Validation;

namespace ClusterML.Core.Tests.Campaigns;

public sealed class CampaignSpecReaderTests
{
    private const string Valid = """
        name: demo
        engine: surrogate
        seed: 4
        device: cuda
        base:
          data: d.csv
          epochs: 30
          ratio: 0.5
          log_auto: false
          inputs: [a, b]
          quoted: "12"
        space:
          width: { type: choice, values: [16, 32] }
          layers: { type: int, low: 1, high: 3 }
          lr: { type: log-uniform, low: 1.0e-4, high: 1.0e-2 }
          wd: { type: uniform, low: 0, high: 0.001 }
          nx: { type: int, low: 21, high: 201, step: 20 }
        search:
          kind: random
          points_per_axis: 5
        budget:
          max_trials: 5
          max_concurrent: 2
          wall_time: 30m
        early_stopping:
          metric: validation_loss
          mode: max
          grace_period: 5
          reduction_factor: 2
          max_epochs: 80
        retries: 3
        """;

    // The smallest valid campaign; error cases below append to it or replace parts of it, so their line numbers are easy to read.
    private const string Minimal = "engine: fd\nspace:\n  x: {type: int, low: 1, high: 3}\nsearch: {kind: grid}\n";

    public static string RepoRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "ClusterML.sln")))
        {
            dir = dir.Parent;
        }
        return dir?.FullName ?? throw new InvalidOperationException("ClusterML.sln not found above the test folder");
    }

    private static string Example(string file) => Path.Combine(RepoRoot(), "config", "campaigns", file);

    [Fact]
    public void A_valid_spec_should_keep_every_setting_with_its_yaml_type()
    {
        var spec = CampaignSpecReader.Parse(Valid, "/x/demo.yaml");
        Assert.Equal(("demo", "surrogate", 4, "cuda", 3, "/x/demo.yaml"), (spec.Name, spec.Engine, spec.Seed, spec.Device, spec.Retries, spec.SourcePath));
        Assert.Equal(new CampaignValue.Text("d.csv"), spec.Base["data"]);
        Assert.Equal(new CampaignValue.Integer(30), spec.Base["epochs"]);
        Assert.Equal(new CampaignValue.Real(0.5), spec.Base["ratio"]);
        Assert.Equal(new CampaignValue.Boolean(false), spec.Base["log_auto"]);
        Assert.Equal(new CampaignValue.Text("12"), spec.Base["quoted"]);
        Assert.Equal(CampaignValue.From(new[] { "a", "b" }), spec.Base["inputs"]);
        Assert.Equal(["width", "layers", "lr", "wd", "nx"], spec.Space.Select(s => s.Name));
        Assert.Equal(new ChoiceSpace("width", [new CampaignValue.Integer(16), new CampaignValue.Integer(32)]), spec.Space[0]);
        Assert.Equal(new IntSpace("layers", 1, 3, 1), spec.Space[1]);
        Assert.Equal(new LogUniformSpace("lr", 1e-4, 1e-2), spec.Space[2]);
        Assert.Equal(new UniformSpace("wd", 0, 0.001), spec.Space[3]);
        Assert.Equal(new IntSpace("nx", 21, 201, 20), spec.Space[4]);
        Assert.Equal(new SearchSpec(SearchKind.Random, 5), spec.Search);
        Assert.Equal(new BudgetSpec(5, 2, TimeSpan.FromMinutes(30)), spec.Budget);
        Assert.Equal(new EarlyStoppingSpec("validation_loss", MetricMode.Max, 5, 2, 80), spec.EarlyStopping);
    }

    [Fact]
    public void Optional_settings_should_take_their_documented_defaults()
    {
        var spec = CampaignSpecReader.Parse(Minimal, "/campaigns/heat-grid.yaml");
        Assert.Equal(("heat-grid", 0, "cpu", 1), (spec.Name, spec.Seed, spec.Device, spec.Retries));
        Assert.Empty(spec.Base);
        Assert.Equal(new SearchSpec(SearchKind.Grid, 3), spec.Search);
        Assert.Equal(new BudgetSpec(null, 0, null), spec.Budget);
        Assert.Null(spec.EarlyStopping);
    }

    [Theory]
    // Structure and top-level keys.
    [InlineData("", "campaign", 1, "empty")]
    [InlineData("- engine: fd\n", "campaign", 1, "must be a mapping")]
    [InlineData(Minimal + "---\nengine: fd\n", "campaign", 6, "single YAML document")]
    [InlineData("engine: fd\nsearch: {kind: grid}\n", "space", 1, "is required")]
    [InlineData("space:\n  x: {type: int, low: 1, high: 3}\nsearch: {kind: grid}\n", "engine", 1, "is required")]
    [InlineData("engine: Fd!\nspace:\n  x: {type: int, low: 1, high: 3}\nsearch: {kind: grid}\n", "engine", 1, "not an engine name")]
    [InlineData(Minimal + "retry: 2\n", "retry", 5, "did you mean 'retries'?")]
    [InlineData(Minimal + "seed: one\n", "seed", 5, "must be a whole number (got 'one')")]
    [InlineData(Minimal + "seed: 99999999999999999999\n", "seed", 5, "too large for a 64-bit whole number")]
    [InlineData(Minimal + "retries: 1.5\n", "retries", 5, "must be a whole number (got 1.5)")]
    [InlineData(Minimal + "retries: 101\n", "retries", 5, "between 0 and 100")]
    [InlineData(Minimal + "device:\n", "device", 5, "has no value")]
    [InlineData("engine: fd\nspace: [1, 2\n", "yaml", 3, "did not find expected")]
    [InlineData(Minimal + "seed: 1\nseed: 2\n", "yaml", 6, "Duplicate key")]
    // base
    [InlineData(Minimal + "base:\n  alpha: 0.1\n  opts: {a: {b: 1}}\n", "base.opts.a", 7, "not a mapping")]
    [InlineData(Minimal + "base:\n  inputs: [a, [b, c]]\n", "base.inputs[1]", 6, "lists cannot hold a list")]
    [InlineData(Minimal + "base:\n  alpha: ~\n", "base.alpha", 6, "has no value")]
    [InlineData(Minimal + "base:\n  alpha: .nan\n", "base.alpha", 6, "finite number")]
    [InlineData(Minimal + "base:\n  alpha: !!int abc\n", "base.alpha", 6, "tagged !!int")]
    [InlineData(Minimal + "base: 3\n", "base", 5, "must be a mapping")]
    // space
    [InlineData("engine: fd\nspace: [nx, r]\nsearch: {kind: grid}\n", "space", 2, "must be a mapping")]
    [InlineData("engine: fd\nspace: {}\nsearch: {kind: grid}\n", "space", 2, "at least one hyperparameter")]
    [InlineData("engine: fd\nspace:\n  nx: {type: int, low: 5, high: 5}\nsearch: {kind: grid}\n", "space.nx.high", 3, "must be greater than low (5)")]
    [InlineData("engine: fd\nspace:\n  nx: {type: int, low: 1.5, high: 5}\nsearch: {kind: grid}\n", "space.nx.low", 3, "whole number")]
    [InlineData("engine: fd\nspace:\n  nx: {type: int, low: 1, high: 5, step: 0}\nsearch: {kind: grid}\n", "space.nx.step", 3, "between 1 and")]
    [InlineData("engine: fd\nspace:\n  nx: {type: int, low: 0, high: 9000000000000000000}\nsearch: {kind: random}\nbudget: {max_trials: 1}\n", "space.nx.high", 3, "2^53")]
    [InlineData("engine: fd\nspace:\n  lr:\n    type: log-uniform\n    low: 0\n    high: 1\nsearch: {kind: grid}\n", "space.lr.low", 5, "must be > 0 for log-uniform")]
    [InlineData("engine: fd\nspace:\n  r:\n    type: uniform\n    low: 0.5\n    high: 0.1\nsearch: {kind: grid}\n", "space.r.high", 6, "must be greater than low (0.5)")]
    [InlineData("engine: fd\nspace:\n  r:\n    type: uniform\n    low: abc\n    high: 0.1\nsearch: {kind: grid}\n", "space.r.low", 5, "must be a number (got 'abc')")]
    [InlineData("engine: fd\nspace:\n  r:\n    type: uniform\n    high: 0.1\nsearch: {kind: grid}\n", "space.r.low", 4, "is required")]
    [InlineData("engine: fd\nspace:\n  x: {type: choice, values: []}\nsearch: {kind: grid}\n", "space.x.values", 3, "non-empty")]
    [InlineData("engine: fd\nspace:\n  x: {type: choice, values: 16}\nsearch: {kind: grid}\n", "space.x.values", 3, "must be a list")]
    [InlineData("engine: fd\nspace:\n  x:\n    type: choice\n    values:\n      - 16\n      - 32\n      - 16\nsearch: {kind: grid}\n", "space.x.values[2]", 8, "repeats the value 16")]
    [InlineData("engine: fd\nspace:\n  x: {type: gaussian}\nsearch: {kind: grid}\n", "space.x.type", 3, "not choice, int, uniform or log-uniform")]
    [InlineData("engine: fd\nspace:\n  x: {low: 1, high: 2}\nsearch: {kind: grid}\n", "space.x.type", 3, "is required")]
    [InlineData("engine: fd\nspace:\n  x:\n    type: int\n    low: 1\n    high: 3\n    stride: 2\nsearch: {kind: grid}\n", "space.x.stride", 7, "not a known key")]
    [InlineData("engine: fd\nspace:\n  x:\n    type: uniform\n    low: 1\n    high: 3\n    step: 2\nsearch: {kind: grid}\n", "space.x.step", 7, "not a known key")]
    // search and budget
    [InlineData("engine: fd\nspace:\n  x: {type: int, low: 1, high: 3}\nsearch:\n  points_per_axis: 3\n", "search.kind", 5, "is required")]
    [InlineData("engine: fd\nspace:\n  x: {type: int, low: 1, high: 3}\nsearch: {kind: anneal}\n", "search.kind", 4, "'anneal' is not grid, random, sobol, tpe or gp")]
    [InlineData("engine: fd\nspace:\n  x: {type: int, low: 1, high: 3}\nsearch: {kind: grid, points_per_axis: 1}\n", "search.points_per_axis", 4, "between 2 and 1000")]
    [InlineData("engine: fd\nspace:\n  x: {type: int, low: 1, high: 3}\nsearch: {kind: random}\n", "budget.max_trials", 4, "is required for random search")]
    [InlineData("engine: fd\nspace:\n  x: {type: int, low: 1, high: 3}\nsearch: {kind: sobol}\nbudget:\n  max_concurrent: 2\n", "budget.max_trials", 6, "is required for sobol search")]
    [InlineData(Minimal + "budget:\n  max_trials: 0\n", "budget.max_trials", 6, "between 1 and 1000000")]
    [InlineData(Minimal + "budget:\n  max_trial: 4\n", "budget.max_trial", 6, "did you mean 'max_trials'?")]
    [InlineData(Minimal + "budget:\n  max_concurrent: -1\n", "budget.max_concurrent", 6, "between 0 and")]
    [InlineData(Minimal + "budget:\n  wall_time: soon\n", "budget.wall_time", 6, "'soon' is not a duration")]
    [InlineData(Minimal + "budget:\n  wall_time: 0s\n", "budget.wall_time", 6, "longer than zero")]
    [InlineData(Minimal + "budget:\n  wall_time: 400d\n", "budget.wall_time", 6, "at most 365d")]
    [InlineData("engine: fd\nspace:\n  a: {type: int, low: 1, high: 100000}\n  b: {type: int, low: 1, high: 100}\nsearch: {kind: grid}\n", "budget.max_trials", 5, "the grid has 10000000 points")]
    // early_stopping
    [InlineData(Minimal + "early_stopping:\n  metric: loss\n  mode: min\n  grace_period: 5\n  reduction_factor: 1\n", "early_stopping.reduction_factor", 9, "must be ≥ 2")]
    [InlineData(Minimal + "early_stopping:\n  metric: loss\n  mode: min\n  reduction_factor: 3\n", "early_stopping.grace_period", 6, "is required")]
    [InlineData(Minimal + "early_stopping:\n  metric: loss\n  mode: lowest\n  grace_period: 5\n  reduction_factor: 3\n", "early_stopping.mode", 7, "'lowest' is not min or max")]
    [InlineData(Minimal + "early_stopping:\n  metric: loss\n  mode: min\n  grace_period: 5\n  reduction_factor: 3\n  max_epochs: 4\n", "early_stopping.max_epochs", 10, "at least grace_period (5; got 4)")]
    [InlineData(Minimal + "early_stopping:\n  metric: loss\n  mode: min\n  grace_period: 5\n  reduction_factor: 3\n  patience: 4\n", "early_stopping.patience", 10, "not a known key")]
    [InlineData(Minimal + "early_stopping: yes\n", "early_stopping", 5, "must be a mapping")]
    public void A_bad_spec_should_be_refused_naming_the_field_and_line(string yaml, string field, int line, string problem)
    {
        var error = Assert.Throws<InvalidInputException>(() => CampaignSpecReader.Parse(yaml, "/x/bad.yaml"));
        Assert.Equal((field, line, "/x/bad.yaml"), (error.Field, error.Line, error.File));
        Assert.Contains(problem, error.Problem, StringComparison.Ordinal);
        Assert.StartsWith($"/x/bad.yaml:{line}: {field}: ", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Tpe_search_should_read_its_settings_with_optunas_defaults()
    {
        const string space = "engine: fd\nspace:\n  nx: {type: int, low: 11, high: 81}\n";
        var plain = CampaignSpecReader.Parse(space + "search: {kind: tpe}\nbudget: {max_trials: 40}\n", "/t.yaml");
        Assert.Equal((SearchKind.Tpe, true), (plain.Search.Kind, plain.Search.IsModelBased));
        Assert.Equal(new TpeOptions(StartupTrials: 10, Candidates: 24, PriorWeight: 1, Multivariate: false, ConstantLiar: true), plain.Search.Tpe);
        var tuned = CampaignSpecReader.Parse(space + "search:\n  kind: tpe\n  startup_trials: 4\n  candidates: 64\n  multivariate: true\n  constant_liar: false\nbudget: {max_trials: 40}\n", "/t.yaml");
        Assert.Equal(new TpeOptions(4, 64, 1, true, false), tuned.Search.Tpe);

        var misplaced = Assert.Throws<InvalidInputException>(() => CampaignSpecReader.Parse(space + "search:\n  kind: random\n  startup_trials: 4\nbudget: {max_trials: 40}\n", "/t.yaml"));
        Assert.Equal(("search.startup_trials", 6), (misplaced.Field, misplaced.Line));
        Assert.Contains("applies to tpe and gp search only", misplaced.Message, StringComparison.Ordinal);
        var notFlag = Assert.Throws<InvalidInputException>(() => CampaignSpecReader.Parse(space + "search: {kind: tpe, multivariate: 3}\nbudget: {max_trials: 40}\n", "/t.yaml"));
        Assert.Equal("search.multivariate", notFlag.Field);
        var noBudget = Assert.Throws<InvalidInputException>(() => CampaignSpecReader.Parse(space + "search: {kind: tpe}\n", "/t.yaml"));
        Assert.Equal("budget.max_trials", noBudget.Field);
    }

    [Fact]
    public void Enqueued_points_should_be_checked_against_the_space_and_come_first()
    {
        const string head = "engine: fd\nspace:\n  nx: {type: int, low: 11, high: 81, step: 10}\n  r: {type: uniform, low: 0.1, high: 0.4}\n  scheme: {type: choice, values: [explicit, implicit]}\n";
        var spec = CampaignSpecReader.Parse(head + "search: {kind: random}\nbudget: {max_trials: 6}\nenqueue:\n  - {nx: 41, r: 0.25, scheme: implicit}\n  - {nx: 81}\n", "/e.yaml");
        Assert.Equal(2, spec.Enqueue.Length);
        Assert.Equal(new CampaignValue.Integer(81), spec.Enqueue[1]["nx"]);
        var trials = SearchPlanner.Expand(spec);
        Assert.Equal("41 0.25 implicit", string.Join(' ', trials[0].Parameters["nx"], trials[0].Parameters["r"], trials[0].Parameters["scheme"]));
        Assert.Equal(new CampaignValue.Integer(81), trials[1].Parameters["nx"]);
        var plain = SearchPlanner.Expand(spec with { Enqueue = [] });
        Assert.Equal(plain[1].Parameters["r"], trials[1].Parameters["r"]); // the axes left out keep the search's point
        Assert.Equal(plain[2].Parameters, trials[2].Parameters);

        (string Yaml, string Field, int Line, string Problem)[] bad =
        [
            ("search: {kind: random}\nbudget: {max_trials: 6}\nenqueue:\n  - {nx: 45}\n", "enqueue[0].nx", 9, "a whole number 11…81 in steps of 10"),
            ("search: {kind: random}\nbudget: {max_trials: 6}\nenqueue:\n  - {r: 0.9}\n", "enqueue[0].r", 9, "a number 0.1…0.4"),
            ("search: {kind: random}\nbudget: {max_trials: 6}\nenqueue:\n  - {scheme: crank}\n", "enqueue[0].scheme", 9, "one of explicit, implicit"),
            ("search: {kind: random}\nbudget: {max_trials: 6}\nenqueue:\n  - {alpha: 0.1}\n", "enqueue[0].alpha", 9, "not a hyperparameter"),
            ("search: {kind: grid}\nenqueue:\n  - {nx: 41}\n", "enqueue", 8, "grid"),
            ("search: {kind: random}\nbudget: {max_trials: 1}\nenqueue:\n  - {nx: 41}\n  - {nx: 51}\n", "enqueue", 9, "more than budget.max_trials"),
        ];
        foreach (var (yaml, field, line, problem) in bad)
        {
            var error = Assert.Throws<InvalidInputException>(() => CampaignSpecReader.Parse(head + yaml, "/e.yaml"));
            Assert.Equal((field, line), (error.Field, error.Line));
            Assert.Contains(problem, error.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Warm_start_should_name_an_earlier_campaign_and_apply_to_model_based_search_only()
    {
        const string head = "engine: fd\nspace:\n  nx: {type: int, low: 11, high: 81}\nbudget: {max_trials: 6}\n";
        var spec = CampaignSpecReader.Parse(head + "search: {kind: tpe}\nwarm_start: fd-sweep-20261201-101500\n", "/w.yaml");
        Assert.Equal(("fd-sweep-20261201-101500", 6), (spec.WarmStart, spec.WarmStartLine));
        Assert.Null(CampaignSpecReader.Parse(head + "search: {kind: gp}\n", "/w.yaml").WarmStart);
        var random = Assert.Throws<InvalidInputException>(() => CampaignSpecReader.Parse(head + "search: {kind: random}\nwarm_start: x\n", "/w.yaml"));
        Assert.Equal(("warm_start", 6), (random.Field, random.Line));
        Assert.Contains("tpe or gp", random.Message, StringComparison.Ordinal);
        var empty = Assert.Throws<InvalidInputException>(() => CampaignSpecReader.Parse(head + "search: {kind: gp}\nwarm_start: ''\n", "/w.yaml"));
        Assert.Equal("warm_start", empty.Field);
    }

    [Fact]
    public void Sobol_search_should_refuse_more_than_21_hyperparameters()
    {
        var axes = string.Concat(Enumerable.Range(0, 22).Select(i => $"  p{i}: {{type: uniform, low: 0, high: 1}}\n"));
        var yaml = $"engine: fd\nspace:\n{axes}search: {{kind: sobol}}\nbudget: {{max_trials: 4}}\n";
        var error = Assert.Throws<InvalidInputException>(() => CampaignSpecReader.Parse(yaml, "/x/wide.yaml"));
        Assert.Equal(("space", 3), (error.Field, error.Line));
        Assert.Equal(21, CampaignSpecReader.Parse(yaml.Replace("  p21: {type: uniform, low: 0, high: 1}\n", "", StringComparison.Ordinal), "/x/wide.yaml").Space.Length);
    }

    [Theory]
    [InlineData("90s", 90)]
    [InlineData("30m", 1800)]
    [InlineData("2h", 7200)]
    [InlineData("1.5h", 5400)]
    [InlineData("1d", 86400)]
    [InlineData("00:10:00", 600)]
    [InlineData("1:30:05", 5405)]
    [InlineData("100:00:00", 360000)]
    public void Wall_times_should_accept_short_and_clock_forms(string text, double seconds) =>
        Assert.Equal(seconds, CampaignSpecReader.Parse(Minimal + $"budget:\n  wall_time: {text}\n", "/s.yaml").Budget.WallTime!.Value.TotalSeconds);

    [Theory]
    [InlineData("5")]
    [InlineData("10 m")]
    [InlineData("2w")]
    [InlineData("00:60:00")]
    [InlineData("1:2:3")]
    [InlineData("-5m")]
    public void Wall_times_without_a_unit_or_out_of_form_should_be_refused(string text)
    {
        var error = Assert.Throws<InvalidInputException>(() => CampaignSpecReader.Parse(Minimal + $"budget:\n  wall_time: {text}\n", "/s.yaml"));
        Assert.Equal(("budget.wall_time", 6), (error.Field, error.Line));
    }

    [Fact]
    public void The_quickstart_example_should_be_a_three_by_three_fd_grid()
    {
        var spec = CampaignSpecReader.Read(Example("quickstart.yaml"));
        Assert.Equal(("quickstart", "fd", SearchKind.Grid, 1), (spec.Name, spec.Engine, spec.Search.Kind, spec.Retries));
        Assert.Equal(new BudgetSpec(null, 2, null), spec.Budget);
        Assert.Equal(new CampaignValue.Real(0.1), spec.Base["alpha"]);
        Assert.Equal(new CampaignValue.Real(1.0), spec.Base["length"]);
        Assert.Equal(new CampaignValue.Real(0.5), spec.Base["t_end"]);
        Assert.Equal(new CampaignValue.Text("explicit"), spec.Base["scheme"]);
        Assert.Equal(new ChoiceSpace("nx", [.. new long[] { 21, 41, 81 }.Select(v => (CampaignValue)new CampaignValue.Integer(v))]), spec.Space[0]);
        Assert.Equal(new ChoiceSpace("r", [.. new[] { 0.1, 0.25, 0.4 }.Select(v => (CampaignValue)new CampaignValue.Real(v))]), spec.Space[1]);
        Assert.Equal(9, SearchPlanner.Expand(spec).Length);
        Assert.Null(spec.EarlyStopping);
    }

    [Fact]
    public void The_fd_sweep_example_should_be_16_sobol_trials_over_r_and_nx()
    {
        var spec = CampaignSpecReader.Read(Example("fd-sweep.yaml"));
        Assert.Equal(("fd", SearchKind.Sobol, 16), (spec.Engine, spec.Search.Kind, spec.Budget.MaxTrials));
        Assert.Equal(new CampaignValue.Real(1.0), spec.Base["t_end"]);
        Assert.Equal([new UniformSpace("r", 0.05, 0.5), new IntSpace("nx", 21, 201, 20)], spec.Space);
        Assert.Equal(16, SearchPlanner.Expand(spec).Length);
    }

    [Fact]
    public void The_surrogate_sweep_example_should_be_12_random_trials_with_asha()
    {
        var spec = CampaignSpecReader.Read(Example("surrogate-sweep.yaml"));
        Assert.Equal(("surrogate", SearchKind.Random, 12), (spec.Engine, spec.Search.Kind, spec.Budget.MaxTrials));
        Assert.Equal(new CampaignValue.Text("../../data/thin-film.csv"), spec.Base["data"]);
        Assert.Equal(Path.Combine(RepoRoot(), "data", "thin-film.csv"),
            Path.GetFullPath(Path.Combine(Path.GetDirectoryName(spec.SourcePath)!, spec.Base["data"].ToString())));
        Assert.Equal(new CampaignValue.Text("k_W_mK"), spec.Base["target"]);
        Assert.Equal(CampaignValue.From(new[] { "thickness_nm", "roughness_nm", "temperature_K", "direction" }), spec.Base["inputs"]);
        Assert.Equal((new CampaignValue.Integer(1), new CampaignValue.Integer(200)), (spec.Base["ensemble"], spec.Base["epochs"]));
        Assert.Equal([
            new ChoiceSpace("width", [new CampaignValue.Integer(16), new CampaignValue.Integer(32), new CampaignValue.Integer(64)]),
            new IntSpace("layers", 1, 3, 1),
            new LogUniformSpace("lr", 1e-3, 1e-2),
        ], spec.Space);
        Assert.Equal(new EarlyStoppingSpec("validation_loss", MetricMode.Min, 10, 3, 200), spec.EarlyStopping);
    }

    [Theory]
    [InlineData("quickstart.yaml")]
    [InlineData("fd-sweep.yaml")]
    [InlineData("surrogate-sweep.yaml")]
    public void Every_example_should_plan_into_valid_engine_specs(string file)
    {
        var spec = CampaignSpecReader.Read(Example(file));
        Assert.Equal(Example(file), spec.SourcePath);
        var plan = CampaignPlanner.Plan(spec, "c", 0);
        Assert.Equal(SearchPlanner.Expand(spec).Select(t => t.TrialId), plan.Trials.Select(t => t.TrialId));
    }

    [Fact]
    public void Reading_a_file_should_keep_its_full_path_and_name_the_campaign_after_it()
    {
        var folder = Directory.CreateTempSubdirectory("campaign-reader-");
        try
        {
            var path = Path.Combine(folder.FullName, "my-sweep.yaml");
            File.WriteAllText(path, Minimal);
            var relative = Path.GetRelativePath(Environment.CurrentDirectory, path);
            var spec = CampaignSpecReader.Read(relative);
            Assert.Equal((path, "my-sweep"), (spec.SourcePath, spec.Name));

            File.WriteAllText(path, Minimal + "seed: x\n");
            var error = Assert.Throws<InvalidInputException>(() => CampaignSpecReader.Read(path));
            Assert.Equal((path, 5), (error.File, error.Line));
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    [Fact]
    public void A_missing_file_should_name_the_spec_argument()
    {
        var error = Assert.Throws<InvalidInputException>(() => CampaignSpecReader.Read("/nope/none.yaml"));
        Assert.Equal("SPEC", error.Field);
        Assert.Contains("does not exist", error.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Base_settings_should_be_overridden_by_a_trials_hyperparameters()
    {
        var spec = CampaignSpecReader.Parse("engine: fd\nbase:\n  nx: 11\n  t_end: 0.5\nspace:\n  nx: {type: choice, values: [21]}\nsearch: {kind: grid}\n", "/s.yaml");
        var settings = Assert.Single(SearchPlanner.Expand(spec)).Settings(spec);
        Assert.Equal(2, settings.Count);
        Assert.Equal((new CampaignValue.Integer(21), new CampaignValue.Real(0.5)), (settings["nx"], settings["t_end"]));
        Assert.Equal(new CampaignValue.Integer(11), spec.Base["nx"]);
    }
}
