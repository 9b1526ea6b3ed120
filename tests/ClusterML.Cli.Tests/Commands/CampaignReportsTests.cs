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

    [Fact]
    public void The_leaderboard_should_round_for_people_and_keep_every_digit_for_scripts()
    {
        var result = new ClusterML.Core.Results.TrialResult("c1", "t0000", 0,
            System.Collections.Immutable.ImmutableDictionary<string, string>.Empty.Add("lr", "0.028129412836451522"), 1,
            ClusterML.Core.Results.TrialStatus.Completed, 0.5, System.Collections.Immutable.ImmutableDictionary<string, double>.Empty, null, [], "node", 1, 0, 1);
        string Csv(bool exact)
        {
            var text = new StringWriter();
            Tables.Write(text, CampaignReports.Leaderboard([result], 5, exact), TableFormat.Csv);
            return text.ToString();
        }
        Assert.Contains(",0.0281294,", Csv(exact: false), StringComparison.Ordinal);
        Assert.Contains(",0.028129412836451522,", Csv(exact: true), StringComparison.Ordinal);
    }
}
