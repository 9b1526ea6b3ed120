using System.Collections.Immutable;
using ClusterML.Core.Campaigns;
using ClusterML.Core.Engines;

namespace ClusterML.Core.Tests.Campaigns;

public sealed class GpSamplerTests
{
    private static readonly ParameterSpace[] Branin = TestProblems.BraninSpace;

    private static double BraninValue(IReadOnlyDictionary<string, CampaignValue> p) => TestProblems.Branin(p);

    private static List<SearchObservation> Study(int seed, int trials, GpOptions options)
    {
        var observations = new List<SearchObservation>();
        for (var k = 0; k < trials; k++)
        {
            var proposal = GpSampler.Propose(Branin, observations, Seeds.Derive(seed, 2_000_000 + k), options);
            observations.Add(new SearchObservation(proposal, BraninValue(proposal)));
        }
        return observations;
    }

    [Fact]
    public void On_Branin_it_should_get_close_to_the_minimum_where_random_search_does_not()
    {
        double[] gp = [.. Enumerable.Range(0, 4).Select(seed => Study(seed, 30, new GpOptions(StartupTrials: 8, Candidates: 500)).Min(o => o.Value!.Value))];
        double[] random = [.. Enumerable.Range(0, 4).Select(seed => Study(seed, 30, new GpOptions(StartupTrials: int.MaxValue)).Min(o => o.Value!.Value))];
        // The minimum is 0.398; 30 random points get within about 1 of it.
        Assert.True(gp.Order().ElementAt(1) < 0.6, $"GP best values {string.Join(", ", gp.Select(v => v.ToString("G3")))}");
        Assert.True(gp.Average() < random.Average() - 0.3, $"GP {gp.Average():G3} against random {random.Average():G3}");
    }

    [Fact]
    public void A_log_axis_should_be_modelled_in_the_logarithm_and_int_proposals_should_stay_on_their_steps()
    {
        // y = (log10 lr + 3)²: twelve log-spaced observations; the model's proposal lies in the valley around 1e-3.
        ParameterSpace[] line = [new LogUniformSpace("lr", 1e-5, 1e-1)];
        var observations = Enumerable.Range(0, 12).Select(k => new SearchObservation(
            ImmutableDictionary<string, CampaignValue>.Empty.Add("lr", new CampaignValue.Real(Math.Pow(10, -5 + (4.0 * k / 11)))),
            Math.Pow(-5 + (4.0 * k / 11) + 3, 2))).ToList();
        var proposal = GpSampler.Propose(line, observations, 5);
        Assert.Equal(proposal, GpSampler.Propose(line, observations, 5));
        Assert.InRange(Math.Log10(((CampaignValue.Real)proposal["lr"]).Value), -4, -2);

        ParameterSpace[] space = [new LogUniformSpace("lr", 1e-5, 1e-1), new IntSpace("width", 16, 256, 16)];
        var random = new Random(3);
        var mixed = Enumerable.Range(0, 15).Select(_ =>
        {
            var p = ImmutableDictionary<string, CampaignValue>.Empty
                .Add("lr", new CampaignValue.Real(Math.Pow(10, -5 + (4 * random.NextDouble())))).Add("width", new CampaignValue.Integer(16 * random.Next(1, 17)));
            return new SearchObservation(p, Math.Pow(Math.Log10(((CampaignValue.Real)p["lr"]).Value) + 3, 2) + (((CampaignValue.Integer)p["width"]).Value / 256.0));
        }).ToList();
        for (var seed = 0; seed < 5; seed++)
        {
            var point = GpSampler.Propose(space, mixed, seed);
            var width = ((CampaignValue.Integer)point["width"]).Value;
            Assert.Equal(0, width % 16);
            Assert.InRange(width, 16, 256);
            Assert.InRange(((CampaignValue.Real)point["lr"]).Value, 1e-5, 1e-1);
        }
    }

    [Fact]
    public void A_choice_axis_should_be_refused()
    {
        ParameterSpace[] space = [new ChoiceSpace("act", [new CampaignValue.Text("tanh"), new CampaignValue.Text("relu")])];
        var error = Assert.Throws<ArgumentException>(() => GpSampler.Propose(space, [], 1));
        Assert.Contains("'act' is a choice", error.Message, StringComparison.Ordinal);
    }
}
