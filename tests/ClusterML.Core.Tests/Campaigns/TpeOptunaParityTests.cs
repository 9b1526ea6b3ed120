using System.Collections.Immutable;
using ClusterML.Core.Campaigns;

namespace ClusterML.Core.Tests.Campaigns;

/// <summary>
/// ClusterML's Parzen estimators against Optuna 3.1.0's own, on one fixed set of 40 finished trials and one running trial
/// (4 axes: uniform, log-uniform, int, choice). The reference numbers are log l(x) and log g(x) as Optuna's
/// <c>_ParzenEstimator.log_pdf</c> computes them after <c>_get_observation_pairs</c> (constant liar on) and
/// <c>_split_observation_pairs</c>, univariate and multivariate, with TPESampler's defaults; they were printed once by
/// <c>/usr/bin/python3 tpe_optuna_reference.py</c> (next to this file; Debian's python3-optuna 3.1.0) and pasted here. Any
/// change of the split, weights, bandwidths, prior, clip, truncation, int bins or categorical smoothing breaks this test.
/// </summary>
public sealed class TpeOptunaParityTests
{
    private static readonly ParameterSpace[] Space =
    [
        new UniformSpace("x", -5, 10),
        new LogUniformSpace("lr", 1e-4, 1),
        new IntSpace("n", 0, 1000, 1),
        new ChoiceSpace("c", [new CampaignValue.Text("a"), new CampaignValue.Text("b"), new CampaignValue.Text("c")]),
    ];

    private static readonly (double X, double Lr, long N, string C, double Value)[] Trials =
    [
        (-5.0, 0.000251, 11, "a", 8.939),
        (4.2705, 0.262731, 408, "b", 2.715),
        (-1.459, 0.02748, 805, "b", 1.999),
        (7.8115, 0.002874, 201, "a", 4.769),
        (2.082, 0.000301, 598, "b", 2.511),
        (-3.6475, 0.314451, 995, "b", 6.422),
        (5.6231, 0.03289, 391, "a", 2.298),
        (-0.1064, 0.00344, 788, "b", 1.234),
        (9.1641, 0.00036, 184, "b", 7.849),
        (3.4346, 0.376354, 581, "a", 3.35),
        (-2.2949, 0.039365, 978, "b", 3.155),
        (6.9756, 0.004117, 374, "b", 2.876),
        (1.2461, 0.000431, 771, "a", 2.963),
        (-4.4834, 0.450442, 167, "b", 7.604),
        (4.7871, 0.047114, 564, "b", 1.358),
        (-0.9424, 0.004928, 961, "a", 2.382),
        (8.3282, 0.000515, 357, "b", 5.95),
        (2.5987, 0.539115, 754, "b", 4.769),
        (-3.1308, 0.056389, 150, "a", 4.397),
        (6.1397, 0.005898, 547, "b", 1.86),
        (0.4102, 0.000617, 944, "b", 2.604),
        (9.6807, 0.645244, 340, "a", 9.994),
        (3.9512, 0.067489, 737, "b", 1.542),
        (-1.7783, 0.007059, 133, "b", 2.184),
        (7.4922, 0.000738, 530, "a", 4.858),
        (1.7627, 0.772265, 927, "b", 4.423),
        (-3.9667, 0.080775, 323, "b", 4.737),
        (5.3038, 0.008449, 720, "a", 1.542),
        (-0.4257, 0.000884, 116, "b", 2.466),
        (8.8448, 0.924292, 513, "b", 8.576),
        (3.1153, 0.096676, 910, "a", 2.604),
        (-2.6142, 0.010112, 306, "b", 2.517),
        (6.6563, 0.001058, 703, "b", 3.526),
        (0.9268, 0.000111, 99, "a", 5.238),
        (-4.8027, 0.115708, 496, "b", 5.766),
        (4.4678, 0.012102, 893, "b", 1.402),
        (-1.2616, 0.001266, 289, "a", 2.791),
        (8.0089, 0.000132, 686, "b", 7.515),
        (2.2794, 0.138486, 82, "b", 2.147),
        (-3.4501, 0.014485, 479, "a", 3.538),
    ];

    private static IReadOnlyDictionary<string, CampaignValue> Point(double x, double lr, long n, string c) =>
        ImmutableDictionary<string, CampaignValue>.Empty.WithComparers(StringComparer.Ordinal)
            .Add("x", new CampaignValue.Real(x)).Add("lr", new CampaignValue.Real(lr)).Add("n", new CampaignValue.Integer(n)).Add("c", new CampaignValue.Text(c));

    private static List<SearchObservation> Observations() =>
    [
        .. Trials.Select(t => new SearchObservation(Point(t.X, t.Lr, t.N, t.C), t.Value)),
        new SearchObservation(Point(3.3, 0.05, 640, "c"), null), // running: the worst with the constant liar, not counted in γ
    ];

    private static readonly IReadOnlyDictionary<string, CampaignValue>[] Points =
    [
        Point(-5.0, 1e-4, 0, "a"), Point(-1.23, 3e-3, 123, "b"), Point(2.0, 0.01, 500, "c"), Point(7.5, 0.2, 777, "b"), Point(10.0, 1.0, 1000, "a"),
    ];

    // Optuna's log l (below) and log g (above) at Points, per axis; then the multivariate joint densities.
    private static readonly double[][] UnivariateBelow =
    [
        [-1.618305301400366, -1.2143416156529012, -0.8668404939039965, -1.1662956020273592, -1.5873301202677659],
        [-1.6597341612189198, -1.0028115231542598, -0.8243850485117374, -1.1019239470227098, -1.5403968464806221],
        [-8.589263503354905, -8.454071663635762, -6.913144220161713, -6.24719578388462, -6.793040709972787],
        [-1.791759469228055, -0.4054651081081643, -1.791759469228055, -0.4054651081081643, -1.791759469228055],
    ];

    private static readonly double[][] UnivariateAbove =
    [
        [-2.8899621941235996, -2.593339466411983, -2.583801844865805, -2.711145240866581, -3.0796841774258654],
        [-2.772099035446969, -2.9414628920446817, -2.6150562487064235, -3.0939341085375505, -2.8454980807098136],
        [-8.852301906986034, -6.273099368827905, -6.482770035059393, -7.003507634505009, -6.838648851197973],
        [-0.9979957212445033, -0.5646324807778402, -2.767586565111819, -0.5646324807778402, -0.9979957212445033],
    ];

    private static readonly double[] JointBelow = [-9.868621943146623, -9.603534684686817, -9.413777956776576, -9.226470846209352, -9.867445026869047];

    private static readonly double[] JointAbove = [-11.54667683323022, -10.215788206143626, -11.154102286118553, -11.302806243219452, -11.729469557050667];

    private static void Near(double[] expected, double[] actual, string what)
    {
        for (var i = 0; i < expected.Length; i++)
        {
            Assert.True(Math.Abs(expected[i] - actual[i]) < 1e-9, $"{what} at point {i}: Optuna {expected[i]:R}, ClusterML {actual[i]:R}");
        }
    }

    [Fact]
    public void Univariate_log_densities_should_equal_Optuna_3_1s()
    {
        var (good, bad) = TpeSampler.LogDensities(Space, Observations(), Points, TpeOptions.Default);
        for (var a = 0; a < Space.Length; a++)
        {
            Near(UnivariateBelow[a], good[a], $"log l({Space[a].Name})");
            Near(UnivariateAbove[a], bad[a], $"log g({Space[a].Name})");
        }
    }

    [Fact]
    public void Multivariate_log_densities_should_equal_Optuna_3_1s()
    {
        var (good, bad) = TpeSampler.LogDensities(Space, Observations(), Points, TpeOptions.Default with { Multivariate = true });
        Near(JointBelow, good[0], "joint log l");
        Near(JointAbove, bad[0], "joint log g");
    }
}
