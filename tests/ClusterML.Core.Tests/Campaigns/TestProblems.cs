using ClusterML.Core.Campaigns;

namespace ClusterML.Core.Tests.Campaigns;

/// <summary>Test functions for the model-based searches.</summary>
internal static class TestProblems
{
    public static readonly ParameterSpace[] BraninSpace = [new UniformSpace("x1", -5, 10), new UniformSpace("x2", 0, 15)];

    /// <summary>Branin–Hoo on <see cref="BraninSpace"/>: three global minima of 0.397887.</summary>
    public static double Branin(IReadOnlyDictionary<string, CampaignValue> p)
    {
        var x1 = ((CampaignValue.Real)p["x1"]).Value;
        var x2 = ((CampaignValue.Real)p["x2"]).Value;
        const double b = 5.1 / (4 * Math.PI * Math.PI), c = 5 / Math.PI, t = 1 / (8 * Math.PI);
        return Math.Pow(x2 - (b * x1 * x1) + (c * x1) - 6, 2) + (10 * (1 - t) * Math.Cos(x1)) + 10;
    }
}
