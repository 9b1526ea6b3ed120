using ClusterML.Cli.Output;

namespace ClusterML.Cli.Tests.Commands;

/// <summary>How tables and messages show hyperparameters (issue 14: sensible significant digits).</summary>
public sealed class CampaignReportsTests
{
    [Theory]
    [InlineData("0.028129412836451522", "0.0281294")]
    [InlineData("3.1622776601683795E-05", "3.16228E-05")]
    [InlineData("0.10625", "0.10625")]
    [InlineData("0.1", "0.1")]
    [InlineData("123456789012", "123456789012")]
    [InlineData("silu", "silu")]
    [InlineData("true", "true")]
    public void Long_real_numbers_should_show_six_significant_digits_and_the_rest_as_stored(string stored, string shown) =>
        Assert.Equal(shown, CampaignReports.Shown(stored));
}
