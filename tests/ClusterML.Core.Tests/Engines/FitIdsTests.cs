using ClusterML.Core.Engines;

namespace ClusterML.Core.Tests.Engines;

public sealed class FitIdsTests
{
    [Fact]
    public void A_sibling_should_share_the_campaign_of_the_fit_it_is_named_from()
    {
        var fit = FitIds.Of("pbte-al.v2", "r003-active");
        Assert.Equal("pbte-al.v2.r003-active", fit);
        // The campaign id may hold dots; trial ids and sibling names do not.
        Assert.Equal("pbte-al.v2.label-17", FitIds.Sibling(fit, "label-17"));
        Assert.Equal("pbte-al.v2.r002-active", FitIds.Sibling(fit, "r002-active"));
        Assert.Throws<ArgumentException>(() => FitIds.Sibling("no-campaign", "label-1"));
        Assert.Throws<ArgumentException>(() => FitIds.Sibling(fit, "a.b"));
    }
}
