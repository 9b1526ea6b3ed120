using ClusterML.Core.Campaigns;
using ClusterML.Core.Validation;

namespace ClusterML.Core.Tests.Campaigns;

public sealed class CampaignSpecReaderTests
{
    private const string Valid = """
        name: demo
        engine: surrogate
        seed: 4
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
        search:
          kind: random
        budget:
          max_trials: 5
          max_concurrent: 2
          wall_time: 30m
        early_stopping:
          metric: validation_loss
          mode: max
          grace_period: 5
          reduction_factor: 2
        retries: 3
        """;

    public static string RepoRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "ClusterML.sln")))
        {
            dir = dir.Parent;
        }
        return dir?.FullName ?? throw new InvalidOperationException("ClusterML.sln not found above the test folder");
    }

    [Fact]
    public void A_valid_spec_should_keep_every_value_with_its_yaml_type()
    {
        var spec = CampaignSpecReader.Parse(Valid, "/x/demo.yaml");
        Assert.Equal(("demo", "surrogate", 4, "cpu", 3), (spec.Name, spec.Engine, spec.Seed, spec.Device, spec.Retries));
        Assert.Equal(new CampaignValue.Integer(30), spec.Base["epochs"]);
        Assert.Equal(new CampaignValue.Real(0.5), spec.Base["ratio"]);
        Assert.Equal(new CampaignValue.Boolean(false), spec.Base["log_auto"]);
        Assert.Equal(new CampaignValue.Text("12"), spec.Base["quoted"]);
        Assert.Equal("a,b", spec.Base["inputs"].ToString());
        Assert.Equal(["width", "layers", "lr", "wd"], spec.Space.Select(s => s.Name));
        Assert.Equal(new IntSpace("layers", 1, 3, 1), spec.Space[1]);
        Assert.Equal(new LogUniformSpace("lr", 1e-4, 1e-2), spec.Space[2]);
        Assert.Equal(new BudgetSpec(5, 2, TimeSpan.FromMinutes(30)), spec.Budget);
        Assert.Equal(new EarlyStoppingSpec("validation_loss", MetricMode.Max, 5, 2, null), spec.EarlyStopping);
    }

    [Theory]
    [InlineData("engine: fd\nsearch: {kind: grid}\n", "space", 1, "is required")]
    [InlineData("engine: fd\nspace:\n  nx: {type: int, low: 5, high: 5}\nsearch: {kind: grid}\n", "space.nx.high", 3, "greater than low")]
    [InlineData("engine: fd\nspace:\n  lr:\n    type: log-uniform\n    low: 0\n    high: 1\nsearch: {kind: grid}\n", "space.lr.low", 5, "> 0")]
    [InlineData("engine: fd\nspace:\n  x: {type: choice, values: []}\nsearch: {kind: grid}\n", "space.x.values", 3, "non-empty")]
    [InlineData("engine: fd\nspace:\n  x: {type: gaussian}\nsearch: {kind: grid}\n", "space.x.type", 3, "not choice")]
    [InlineData("engine: fd\nspace:\n  x: {type: int, low: 1, high: 3, stride: 2}\nsearch: {kind: grid}\n", "space.x.stride", 3, "not a known key")]
    [InlineData("engine: fd\nspace:\n  x: {type: int, low: 1, high: 3}\nsearch: {kind: random}\n", "budget.max_trials", 4, "is required for random")]
    [InlineData("engine: fd\nspace:\n  x: {type: int, low: 1, high: 3}\nsearch: {kind: anneal}\n", "search.kind", 4, "not grid, random or sobol")]
    [InlineData("engine: fd\nspace:\n  x: {type: int, low: 1, high: 3}\nsearch: {kind: grid}\nbudget:\n  max_trials: 0\n", "budget.max_trials", 6, "between 1")]
    [InlineData("engine: fd\nspace:\n  x: {type: int, low: 1, high: 3}\nsearch: {kind: grid}\nbudget:\n  wall_time: soon\n", "budget.wall_time", 6, "not a duration")]
    [InlineData("engine: fd\nspace:\n  x: {type: int, low: 1, high: 3}\nsearch: {kind: grid}\nearly_stopping:\n  metric: loss\n  reduction_factor: 1\n", "early_stopping.reduction_factor", 7, "≥ 2")]
    [InlineData("engine: fd\nspace:\n  x: {type: int, low: 1, high: 3}\nsearch: {kind: grid}\nretry: 2\n", "retry", 5, "not a known key")]
    [InlineData("engine: Fd!\nspace:\n  x: {type: int, low: 1, high: 3}\nsearch: {kind: grid}\n", "engine", 1, "not an engine name")]
    [InlineData("engine: fd\nspace: [1, 2\n", "yaml", 3, "")]
    public void A_bad_spec_should_be_refused_naming_the_field_and_line(string yaml, string field, int line, string problem)
    {
        var error = Assert.Throws<InvalidInputException>(() => CampaignSpecReader.Parse(yaml, "/x/bad.yaml"));
        Assert.Equal((field, line, "/x/bad.yaml"), (error.Field, error.Line, error.File));
        Assert.Contains(problem, error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("90s", 90)]
    [InlineData("1.5h", 5400)]
    [InlineData("2d", 172800)]
    [InlineData("00:10:00", 600)]
    public void Wall_times_should_accept_short_and_clock_forms(string text, double seconds) =>
        Assert.Equal(seconds, CampaignSpecReader.Parse($"engine: fd\nspace:\n  x: {{type: int, low: 1, high: 3}}\nsearch: {{kind: grid}}\nbudget:\n  wall_time: {text}\n", "/s.yaml").Budget.WallTime!.Value.TotalSeconds);

    [Theory]
    [InlineData("quickstart.yaml", "fd", 9)]
    [InlineData("fd-sweep.yaml", "fd", 16)]
    [InlineData("surrogate-sweep.yaml", "surrogate", 12)]
    public void The_shipped_examples_should_parse_and_plan(string file, string engine, int trials)
    {
        var spec = CampaignSpecReader.Read(Path.Combine(RepoRoot(), "config", "campaigns", file));
        Assert.Equal(engine, spec.Engine);
        Assert.Equal(trials, SearchPlanner.Expand(spec).Length);
    }

    [Fact]
    public void A_missing_file_should_name_the_spec_argument() =>
        Assert.Equal("SPEC", Assert.Throws<InvalidInputException>(() => CampaignSpecReader.Read("/nope/none.yaml")).Field);
}
