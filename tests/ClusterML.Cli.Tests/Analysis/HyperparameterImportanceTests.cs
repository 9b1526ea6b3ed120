using System.Globalization;
using ClusterML.Cli.Analysis;
using ClusterML.Core.Campaigns;

namespace ClusterML.Cli.Tests.Analysis;

/// <summary>fANOVA importances on synthetic trial sets whose answer is known.</summary>
public sealed class HyperparameterImportanceTests
{
    private static string Text(double x) => x.ToString("R", CultureInfo.InvariantCulture);

    /// <summary>Random points of <paramref name="space"/> (as results store them) and f of each, with Gaussian noise of <paramref name="noise"/>.</summary>
    private static (IReadOnlyDictionary<string, string>[] Points, double[] Y) Sample(ParameterSpace[] space, int n, Func<Dictionary<string, double>, double> f, double noise = 0, int seed = 3)
    {
        var random = new Random(seed);
        var points = new IReadOnlyDictionary<string, string>[n];
        var y = new double[n];
        for (var k = 0; k < n; k++)
        {
            var texts = new Dictionary<string, string>();
            var values = new Dictionary<string, double>();
            foreach (var axis in space)
            {
                texts[axis.Name] = axis switch
                {
                    UniformSpace u => Text(u.Low + ((u.High - u.Low) * random.NextDouble())),
                    LogUniformSpace l => Text(Math.Exp(Math.Log(l.Low) + (Math.Log(l.High / l.Low) * random.NextDouble()))),
                    IntSpace i => i.ValueAt(random.NextInt64(i.Count)).ToString(CultureInfo.InvariantCulture),
                    ChoiceSpace c => c.Values[random.Next(c.Values.Length)].ToString(),
                    _ => throw new ArgumentException(axis.Name),
                };
                // What f sees: the number, or a choice's category index.
                values[axis.Name] = axis is ChoiceSpace choice
                    ? choice.Values.Select(v => v.ToString()).ToList().IndexOf(texts[axis.Name])
                    : double.Parse(texts[axis.Name], CultureInfo.InvariantCulture);
            }
            points[k] = texts;
            // Box–Muller: a normal deviate from two uniforms.
            var gauss = Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
            y[k] = f(values) + (noise * gauss);
        }
        return (points, y);
    }

    private static double Of(ImportanceReport report, string axis) => report.Axes.Single(a => a.Axis == axis).Importance;

    [Fact]
    public void A_strong_linear_effect_should_dwarf_a_weak_one()
    {
        ParameterSpace[] space = [new UniformSpace("x1", 0, 1), new UniformSpace("x2", 0, 1)];
        var (points, y) = Sample(space, 60, v => (10 * v["x1"]) + (0.1 * v["x2"]), noise: 0.05);

        var report = HyperparameterImportance.Evaluate(space, points, y, seed: 1);

        Assert.Null(report.Message);
        Assert.Equal(60, report.TrialsUsed);
        Assert.True(Of(report, "x1") > 0.9, $"x1: {Of(report, "x1")}");
        Assert.True(Of(report, "x1") > 10 * Of(report, "x2"), $"x2: {Of(report, "x2")}");
        Assert.Equal(1, report.Axes.Sum(a => a.Importance), tolerance: 1e-12); // normalised, as Optuna does
        Assert.Equal("x1", report.Axes[0].Axis); // sorted, largest first
    }

    [Fact]
    public void Additive_effects_should_get_their_analytic_shares_of_the_variance()
    {
        // y = 3a + b on the unit square: Var(3a) = 9/12 and Var(b) = 1/12, so a explains 0.9 and b 0.1, c and the choice
        // nothing. The forest's piecewise-constant fit is within a few hundredths of that with 400 points.
        ParameterSpace[] space =
        [
            new UniformSpace("a", 0, 1), new UniformSpace("b", 0, 1), new UniformSpace("c", 0, 1),
            new ChoiceSpace("d", [new CampaignValue.Integer(1), new CampaignValue.Integer(2), new CampaignValue.Integer(3)]),
        ];
        var (points, y) = Sample(space, 400, v => (3 * v["a"]) + v["b"]);

        var report = HyperparameterImportance.Evaluate(space, points, y, seed: 1);

        Assert.Equal(0.9, Of(report, "a"), tolerance: 0.04);
        Assert.Equal(0.1, Of(report, "b"), tolerance: 0.04);
        Assert.True(Of(report, "c") + Of(report, "d") < 0.02, string.Join(", ", report.Axes));
    }

    [Fact]
    public void An_objective_that_depends_only_on_a_choice_should_make_the_choice_dominate()
    {
        ParameterSpace[] space =
        [
            new UniformSpace("dropout", 0, 0.5),
            new ChoiceSpace("activation", [new CampaignValue.Text("relu"), new CampaignValue.Text("silu"), new CampaignValue.Text("tanh")]),
            new IntSpace("layers", 1, 4, 1),
        ];
        var effect = new Dictionary<double, double> { [0] = 0, [1] = 1, [2] = 5 };
        var (points, y) = Sample(space, 40, v => effect[v["activation"]], noise: 0.01);

        var report = HyperparameterImportance.Evaluate(space, points, y, seed: 2);

        Assert.True(Of(report, "activation") > 0.9, string.Join(", ", report.Axes));
    }

    [Fact]
    public void A_log_uniform_axis_whose_effect_is_linear_in_its_logarithm_should_be_found()
    {
        ParameterSpace[] space = [new LogUniformSpace("lr", 1e-5, 1e-1), new UniformSpace("weight_decay", 0, 1e-3), new IntSpace("width", 8, 64, 8)];
        var (points, y) = Sample(space, 50, v => -Math.Log10(v["lr"]) + (v["width"] / 640), noise: 0.02);

        var report = HyperparameterImportance.Evaluate(space, points, y, seed: 3);

        Assert.True(Of(report, "lr") > 0.85, string.Join(", ", report.Axes));
        // The domain of a log-uniform axis is its logarithm's range, of an int axis its values' range.
        Assert.Equal((Math.Log(1e-5), Math.Log(1e-1)), (HyperparameterImportance.Axis(space[0]).Low, HyperparameterImportance.Axis(space[0]).High));
        Assert.Equal((8, 64), (HyperparameterImportance.Axis(space[2]).Low, HyperparameterImportance.Axis(space[2]).High));
    }

    [Fact]
    public void The_forests_trees_read_back_in_the_axes_terms_should_predict_what_they_were_fitted_on()
    {
        // y = effect[category] + 2x: the trees, read back from ML.NET (one-hot splits as category sets, thresholds in x's
        // units), must give category 2 five times category 1's lift over category 0, and rise with x. Scale-free ratios:
        // whether the forest averages its trees or sums them does not matter.
        ImportanceAxis[] axes = [ImportanceAxis.Numeric("x", 0, 1), ImportanceAxis.Categorical("c", 3)];
        double[] effect = [0, 1, 5];
        var random = new Random(11);
        var rows = Enumerable.Range(0, 90).Select(k => (X: new[] { random.NextDouble(), k % 3 }, Y: 0.0)).Select(r => (r.X, Y: effect[(int)r.X[1]] + (2 * r.X[0]))).ToList();

        var trees = HyperparameterImportance.Fit(axes, rows, seed: 1);

        double Predict(double x, int c) => trees.Sum(t => t.Predict([x, c]));
        var lift = (Predict(0.5, 2) - Predict(0.5, 0)) / (Predict(0.5, 1) - Predict(0.5, 0));
        Assert.Equal(5, lift, tolerance: 0.6);
        Assert.Equal(2, (Predict(0.9, 0) - Predict(0.1, 0)) / (Predict(0.5, 1) - Predict(0.5, 0)) / 0.8, tolerance: 0.6);
    }

    [Fact]
    public void A_constant_objective_should_give_a_message_and_no_importances()
    {
        ParameterSpace[] space = [new UniformSpace("a", 0, 1), new UniformSpace("b", 0, 1)];
        var (points, _) = Sample(space, 20, _ => 0);

        var report = HyperparameterImportance.Evaluate(space, points, [.. Enumerable.Repeat(0.25, 20)], seed: 1);

        Assert.False(report.HasImportances);
        Assert.Contains("the same for every trial", report.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Too_few_trials_or_a_single_axis_should_say_what_is_needed()
    {
        ParameterSpace[] space = [new UniformSpace("a", 0, 1), new UniformSpace("b", 0, 1), new UniformSpace("c", 0, 1), new UniformSpace("d", 0, 1)];
        var (points, y) = Sample(space, 9, v => v["a"]);
        // A point outside the space is left out, not counted.
        points[0] = new Dictionary<string, string>(points[0]) { ["a"] = "7" };

        var report = HyperparameterImportance.Evaluate(space, points, y, seed: 1);

        Assert.Equal(10, HyperparameterImportance.MinimumTrials(4));
        Assert.Equal(8, HyperparameterImportance.MinimumTrials(2));
        Assert.Equal("importance needs at least 10 completed trials (8 so far)", report.Message);
        Assert.Empty(report.Axes);
        var single = HyperparameterImportance.Evaluate([space[0]], points, y, seed: 1);
        Assert.Equal("importance needs at least 2 hyperparameters in the space", single.Message);
    }

    [Fact]
    public void The_same_trials_and_seed_should_give_the_same_importances()
    {
        ParameterSpace[] space = [new UniformSpace("a", 0, 1), new LogUniformSpace("b", 1e-3, 1), new ChoiceSpace("c", [new CampaignValue.Integer(16), new CampaignValue.Integer(32)])];
        var (points, y) = Sample(space, 30, v => v["a"] + Math.Log(v["b"]) + v["c"], noise: 0.3);

        var first = HyperparameterImportance.Evaluate(space, points, y, seed: 5);
        var second = HyperparameterImportance.Evaluate(space, points, y, seed: 5);

        Assert.Equal(first.Axes, second.Axes); // records: same names and the same bits
        Assert.Equal(3, first.Axes.Count);
    }
}
