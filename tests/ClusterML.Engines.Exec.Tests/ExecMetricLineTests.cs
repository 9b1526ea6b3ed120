namespace ClusterML.Engines.Exec.Tests;

public sealed class ExecMetricLineTests
{
    [Fact]
    public void A_metric_line_should_give_its_metrics_in_order_and_its_step()
    {
        var line = ExecMetricLine.TryParse("  clusterml-metric loss=0.5\tenergy_eV=-1.25e3 step=7 rel.err=NaN")!;
        Assert.Equal(7, line.Step);
        Assert.Equal(["loss", "energy_eV", "rel.err"], line.Metrics.Select(m => m.Key));
        Assert.Equal(0.5, line.Metrics[0].Value);
        Assert.Equal(-1250, line.Metrics[1].Value);
        Assert.True(double.IsNaN(line.Metrics[2].Value));
        Assert.Null(ExecMetricLine.TryParse("clusterml-metric loss=1")!.Step);
    }

    [Theory]
    [InlineData("clusterml-metric")]
    [InlineData("clusterml-metric step=3")]
    [InlineData("clusterml-metric loss")]
    [InlineData("clusterml-metric loss=")]
    [InlineData("clusterml-metric loss=abc step=1")]
    [InlineData("clusterml-metric loss=1,5 step=1")]
    [InlineData("clusterml-metric loss=1 step=-1")]
    [InlineData("clusterml-metric loss=1 step=1.5")]
    [InlineData("clusterml-metric loss=1 step=1 step=2")]
    [InlineData("clusterml-metric loss=1 loss=2")]
    [InlineData("clusterml-metric =1")]
    [InlineData("clusterml-metricloss=1")]
    [InlineData("# clusterml-metric loss=1")]
    [InlineData("loss=1 step=1")]
    public void A_malformed_line_should_be_ignored_as_a_whole(string text) => Assert.Null(ExecMetricLine.TryParse(text));
}
