namespace ClusterML.Engines.Exec.Tests;

public sealed class ExecTemplateTests
{
    private static readonly Dictionary<string, string> Values = new()
    {
        ["lr"] = "0.01",
        ["trial_dir"] = "/tmp/t1",
        ["inputs.data"] = "/tmp/t1/in.csv",
    };

    [Fact]
    public void Placeholders_should_be_replaced_and_doubled_braces_kept_as_single_braces()
    {
        Assert.Equal("--lr=0.01 {lr} /tmp/t1/in.csv }{", ExecTemplate.Substitute("--lr={lr} {{lr}} {inputs.data} }}{{", Values));
        Assert.Equal(["lr", "inputs.data", "lr"], ExecTemplate.Placeholders("{lr}{inputs.data}{{x}}{lr}"));
    }

    [Theory]
    [InlineData("{lr")]
    [InlineData("lr}")]
    [InlineData("{}")]
    [InlineData("{a b}")]
    [InlineData("{1x}")]
    public void A_malformed_template_should_be_refused(string template) =>
        Assert.Throws<FormatException>(() => ExecTemplate.Placeholders(template));

    [Fact]
    public void A_placeholder_without_a_value_should_be_refused() =>
        Assert.Contains("{momentum}", Assert.Throws<KeyNotFoundException>(() => ExecTemplate.Substitute("{momentum}", Values)).Message);

    [Fact]
    public void Shell_quoting_should_quote_only_values_and_escape_single_quotes()
    {
        Assert.Equal("run '0.01' > 'it'\\''s'", ExecTemplate.Substitute("run {lr} > {f}", new Dictionary<string, string> { ["lr"] = "0.01", ["f"] = "it's" }, ExecTemplate.ShellQuote));
        Assert.Equal("''", ExecTemplate.ShellQuote(""));
    }
}
