using ClusterML.Core.Campaigns;
using ClusterML.Core.Files;
using ClusterML.Core.Validation;
using MessagePack;
using MessagePack.Resolvers;

namespace ClusterML.Engines.Exec.Tests;

public sealed class ExecSettingsTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    private string SpecPath => _folder.File("campaign.yaml");

    private ExecTrialSpec Read(params (string Key, object Value)[] settings) =>
        ExecSettings.Read(settings.ToDictionary(s => s.Key, s => CampaignValue.From(s.Value)), SpecPath);

    private InvalidInputException Refused(params (string Key, object Value)[] settings) =>
        Assert.Throws<InvalidInputException>(() => Read(settings));

    [Fact]
    public void Known_settings_should_fill_the_spec_and_every_other_setting_should_be_a_parameter()
    {
        _folder.Write("data/in.lmp", "atoms");
        var spec = Read(("command", new[] { "lmp", "-in", "{inputs.structure}", "-var", "T", "{temperature}" }), ("shell", true),
            ("env", new[] { "OMP_NUM_THREADS=1", "TAG=run-{seed}" }), ("env.LABEL", "T={temperature}"), ("timeout", "1.5h"),
            ("inputs.structure", "data/in.lmp"), ("outputs", new[] { "*.dump", "log.lammps" }), ("metrics_file", "metrics.json"),
            ("loss", "energy"), ("temperature", 300), ("lr", 1e-3), ("name-with-dash", "x"));
        Assert.Equal(["lmp", "-in", "{inputs.structure}", "-var", "T", "{temperature}"], spec.Command);
        Assert.True(spec.Shell);
        Assert.Equal(new Dictionary<string, string> { ["OMP_NUM_THREADS"] = "1", ["TAG"] = "run-{seed}", ["LABEL"] = "T={temperature}" }, spec.EnvironmentOrEmpty);
        Assert.Equal(5400, spec.TimeoutSeconds);
        var input = Assert.Single(spec.InputsOrEmpty);
        Assert.Equal(new ExecInput("structure", _folder.File("data/in.lmp"), "in.lmp"), input);
        Assert.Equal(["*.dump", "log.lammps"], spec.OutputsOrEmpty);
        Assert.Equal("metrics.json", spec.MetricsFile);
        Assert.Equal("energy", spec.Loss);
        Assert.Equal(new Dictionary<string, string> { ["temperature"] = "300", ["lr"] = "0.001", ["name-with-dash"] = "x" }, spec.ParametersOrEmpty);
    }

    [Fact]
    public void Defaults_should_be_no_shell_no_timeout_no_outputs_and_the_loss_metric_chosen_at_run_time()
    {
        var spec = Read(("command", "./run.sh"));
        Assert.Equal(["./run.sh"], spec.Command);
        Assert.False(spec.Shell);
        Assert.Null(spec.TimeoutSeconds);
        Assert.Empty(spec.OutputsOrEmpty);
        Assert.Empty(spec.InputsOrEmpty);
        Assert.Null(spec.MetricsFile);
        Assert.Null(spec.Loss);
    }

    [Fact]
    public void An_unknown_placeholder_should_be_refused_naming_the_command_and_the_placeholder()
    {
        var error = Refused(("command", new[] { "python3", "sim.py", "--lr", "{lrr}" }), ("lr", 0.1));
        Assert.Equal("command", error.Field);
        Assert.Contains("{lrr}", error.Message, StringComparison.Ordinal);
        Assert.Contains(SpecPath, error.Message, StringComparison.Ordinal);
        Assert.Equal("command", Refused(("command", new[] { "echo", "{inputs.data}" })).Field);
        Assert.Equal("command", Refused(("command", new[] { "echo", "{lr" }), ("lr", 0.1)).Field);
        Assert.Equal("env.X", Refused(("command", "true"), ("env.X", "{nope}")).Field);
        Assert.Equal("env", Refused(("command", "true"), ("env", new[] { "X={nope}" })).Field);
    }

    [Fact]
    public void A_missing_or_empty_command_should_be_refused_naming_it()
    {
        Assert.Equal("command", Refused(("lr", 0.1)).Field);
        Assert.Equal("command", Refused(("command", Array.Empty<string>())).Field);
        Assert.Equal("command", Refused(("command", " ")).Field);
    }

    [Theory]
    [InlineData(30L, 30.0)]
    [InlineData(2.5, 2.5)]
    [InlineData("90s", 90.0)]
    [InlineData("30m", 1800.0)]
    [InlineData("1.5h", 5400.0)]
    [InlineData("2d", 172800.0)]
    [InlineData("01:02:03", 3723.0)]
    public void A_timeout_should_be_seconds_or_a_duration(object value, double seconds) =>
        Assert.Equal(seconds, Read(("command", "true"), ("timeout", value)).TimeoutSeconds);

    [Theory]
    [InlineData("soon")]
    [InlineData("0s")]
    [InlineData("-5s")]
    [InlineData(0L)]
    [InlineData(-1.0)]
    [InlineData("10x")]
    [InlineData("1:70:00")]
    [InlineData("400d")]
    [InlineData(true)]
    public void A_bad_timeout_should_be_refused_naming_it(object value) =>
        Assert.Equal("timeout", Refused(("command", "true"), ("timeout", value)).Field);

    [Fact]
    public void Other_bad_settings_should_be_refused_naming_their_key()
    {
        Assert.Equal("inputs.data", Refused(("command", "true"), ("inputs.data", "missing.csv")).Field);
        Assert.Equal("inputs", Refused(("command", "true"), ("inputs", new[] { "no-equals-sign" })).Field);
        Assert.Equal("shell", Refused(("command", "true"), ("shell", "yes")).Field);
        Assert.Equal("outputs", Refused(("command", "true"), ("outputs", new[] { "../escape.txt" })).Field);
        Assert.Equal("outputs", Refused(("command", "true"), ("outputs", new[] { "/etc/passwd" })).Field);
        Assert.Equal("metrics_file", Refused(("command", "true"), ("metrics_file", "../m.json")).Field);
        Assert.Equal("loss", Refused(("command", "true"), ("loss", "a b")).Field);
        Assert.Equal("env.1X", Refused(("command", "true"), ("env.1X", "v")).Field);
        Assert.Equal("seed", Refused(("command", "true"), ("seed", 3)).Field);
        Assert.Equal("trial_dir", Refused(("command", "true"), ("trial_dir", "x")).Field);
        _folder.Write("a/same.txt", "");
        _folder.Write("b/same.txt", "");
        Assert.StartsWith("inputs.", Refused(("command", "true"), ("inputs.a", "a/same.txt"), ("inputs.b", "b/same.txt")).Field, StringComparison.Ordinal);
    }

    [Fact]
    public void The_spec_should_survive_the_wire_and_keep_the_original_file_name_when_its_inputs_move()
    {
        _folder.Write("in.lmp", "atoms");
        var spec = Read(("command", new[] { "lmp", "{inputs.s}" }), ("inputs", new[] { "s=in.lmp" }), ("env.A", "1"), ("timeout", 5L), ("t", 300));
        var blob = new BlobRef(new string('a', 64), "in.lmp", 5);
        var registered = (ExecTrialSpec)spec.WithInputFiles([new InputFile("s", "in.lmp", blob)]);
        var local = (ExecTrialSpec)registered.WithInputFiles([new InputFile("s", "/cache/blobs/aaaa", blob)]);
        Assert.Equal(new ExecInput("s", "/cache/blobs/aaaa", "in.lmp", blob), Assert.Single(local.InputsOrEmpty));
        Assert.Equal([new InputFile("s", "/cache/blobs/aaaa", blob)], local.InputFiles);

        var options = MessagePackSerializerOptions.Standard.WithResolver(StandardResolver.Instance);
        var back = MessagePackSerializer.Deserialize<ExecTrialSpec>(MessagePackSerializer.Serialize(local, options), options);
        Assert.Equal(local.Command, back.Command);
        Assert.Equal(local.InputsOrEmpty, back.InputsOrEmpty);
        Assert.Equal(local.EnvironmentOrEmpty, back.EnvironmentOrEmpty);
        Assert.Equal(local.ParametersOrEmpty, back.ParametersOrEmpty);
        Assert.Equal(5, back.TimeoutSeconds);
        Assert.Equal(local, back);
        Assert.NotEqual(local, back with { Parameters = back.ParametersOrEmpty.SetItem("t", "301") });

        var bare = new ExecTrialSpec(["true"]);
        var bareBack = MessagePackSerializer.Deserialize<ExecTrialSpec>(MessagePackSerializer.Serialize(bare, options), options);
        Assert.Equal(bare, bareBack);
        Assert.Empty(bareBack.InputFiles);
    }
}
