using ClusterML.Core.Campaigns;
using ClusterML.Core.Coordination;
using ClusterML.Core.Engines;
using ClusterML.Core.Specs;
using ClusterML.Core.Validation;
using ClusterML.Engines.FiniteDifferences;

namespace ClusterML.Core.Tests.Coordination;

public sealed class CampaignPlannerTests
{
    private const string Yaml = "engine: fd\nbase:\n  nx: 11\n  t_end: 0.5\nspace:\n  r:\n    type: choice\n    values: [0.1, 0.2]\nsearch:\n  kind: grid\n";

    /// <summary>Refuses the trial whose r is 0.2 with the given field, as an engine's own validation would.</summary>
    private sealed class PickyEngine(string field) : IEngine
    {
        public bool Accepts(ITrialSpec spec) => spec is FdHeatTrialSpec;

        public TrainingOutcome Train(ITrialSpec spec, RunContext context, CancellationToken cancellationToken) => throw new NotSupportedException();

        public void Check(ITrialSpec spec)
        {
            if (spec is FdHeatTrialSpec { R: 0.2 })
            {
                throw new InvalidInputException(field, "is refused");
            }
        }
    }

    [Fact]
    public void The_reader_should_record_the_yaml_line_of_every_setting_with_the_space_axis_winning()
    {
        var spec = CampaignSpecReader.Parse(Yaml.Replace("  t_end: 0.5\n", "  t_end: 0.5\n  r: 0.3\n", StringComparison.Ordinal), "c.yaml");
        Assert.Equal(3, spec.SettingLines["nx"]);
        Assert.Equal(4, spec.SettingLines["t_end"]);
        Assert.Equal(7, spec.SettingLines["r"]);
        Assert.Equal("space.r", spec.SettingPath("r"));
        Assert.Equal("base.nx", spec.SettingPath("nx"));
        Assert.Equal(1, spec.EngineLine);
    }

    [Theory]
    [InlineData("--r", "c.yaml:6: space.r: is refused (trial t0001: r=0.2)")]
    [InlineData("t_end", "c.yaml:4: base.t_end: is refused (trial t0001: r=0.2)")]
    [InlineData("--dt/--r", "c.yaml:1: dt: is refused (trial t0001: r=0.2)")]
    public void An_engine_check_error_should_name_the_yaml_line_of_its_setting(string field, string message)
    {
        var spec = CampaignSpecReader.Parse(Yaml, "c.yaml");
        var plan = CampaignPlanner.Plan(spec, "c", 0);
        var error = Assert.Throws<InvalidInputException>(() => CampaignPlanner.Check(spec, plan, [new PickyEngine(field)]));
        Assert.Equal(message, error.Message);
    }

    [Fact]
    public void An_error_about_another_file_should_pass_unchanged()
    {
        var spec = CampaignSpecReader.Parse(Yaml, "c.yaml");
        var original = new InvalidInputException("b", "'x' is not a number", "data.csv", 7);
        Assert.Same(original, CampaignPlanner.Locate(spec, original, "t0000", new Dictionary<string, string>()));
    }

    [Fact]
    public void A_setting_the_factory_refuses_should_name_its_line()
    {
        var spec = CampaignSpecReader.Parse(Yaml.Replace("  nx: 11\n", "  nx: eleven\n", StringComparison.Ordinal), "c.yaml");
        var error = Assert.Throws<InvalidInputException>(() => CampaignPlanner.Plan(spec, "c", 0));
        Assert.Equal("c.yaml:3: base.nx: 'eleven' is not a whole number (trial t0000: r=0.1)", error.Message);
    }
}
