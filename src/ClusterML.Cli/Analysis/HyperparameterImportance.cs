using System.Globalization;
using ClusterML.Core.Campaigns;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Trainers.FastTree;

namespace ClusterML.Cli.Analysis;

/// <summary>
/// Hyperparameter importance after a campaign, as Optuna's <c>get_param_importances</c> with its fANOVA evaluator: a random
/// forest (ML.NET's FastForest regression, 64 trees, seeded, one thread) is fitted to the trials' points → objective, and each
/// tree's functional ANOVA (<see cref="Fanova"/>) gives the fraction of its variance each hyperparameter explains alone; the
/// fractions are averaged over the trees whose prediction varies and normalised to sum to 1.
/// </summary>
/// <remarks>
/// Inputs are in the search's units: log-uniform axes as the logarithm, int axes as numbers, uniform as is; a choice axis
/// is categorical (one 0/1 indicator feature per value for the forest, read back as a split of the category set). The
/// domain of each axis is its search-space bounds. Lives in the CLI rather than Core because it needs ML.NET (managed
/// trees; its native helpers ship for linux-x64). Deterministic for a seed: the same trials, objective and seed give the
/// same bits. Thread-safe (no shared state).
/// </remarks>
internal static class HyperparameterImportance
{
    /// <summary>The method's name as reports show it.</summary>
    public const string Method = "fANOVA on a random forest of 64 trees";

    private const int Trees = 64;

    /// <summary>Completed trials needed for <paramref name="axes"/> hyperparameters: max(8, 2·axes + 2).</summary>
    public static int MinimumTrials(int axes) => Math.Max(8, (2 * axes) + 2);

    /// <summary>
    /// The importance of each axis of <paramref name="space"/> for <paramref name="objective"/>[k] observed at
    /// <paramref name="points"/>[k] (each a trial's hyperparameters as text, the way results store them). Points with a
    /// missing or out-of-space value, or a non-finite objective, are left out. Fewer than <see cref="MinimumTrials"/> points,
    /// fewer than two axes, or a constant objective give a report with a message and no importances.
    /// </summary>
    /// <param name="space">The campaign's axes: their bounds are the domain the variance is taken over.</param>
    /// <param name="points">Each trial's hyperparameters as text, keyed by axis name.</param>
    /// <param name="objective">Any metric, in any units (e.g. the trial's final loss); importances are scale-free.</param>
    /// <param name="seed">Seeds the forest (the campaign's seed): the same inputs and seed give the same importances.</param>
    public static ImportanceReport Evaluate(IReadOnlyList<ParameterSpace> space, IReadOnlyList<IReadOnlyDictionary<string, string>> points,
        IReadOnlyList<double> objective, int seed)
    {
        ArgumentOutOfRangeException.ThrowIfNotEqual(points.Count, objective.Count, nameof(objective));
        var axes = space.Select(Axis).ToArray();
        var minimum = MinimumTrials(axes.Length);
        var rows = new List<(double[] X, double Y)>();
        for (var k = 0; k < points.Count; k++)
        {
            if (double.IsFinite(objective[k]) && Encode(space, points[k]) is { } x)
            {
                rows.Add((x, objective[k]));
            }
        }
        if (axes.Length < 2)
        {
            return new(Method, rows.Count, minimum, [], "importance needs at least 2 hyperparameters in the space");
        }
        if (rows.Count < minimum)
        {
            return new(Method, rows.Count, minimum, [], $"importance needs at least {minimum} completed trials ({rows.Count} so far)");
        }
        if (rows.All(r => r.Y == rows[0].Y))
        {
            return new(Method, rows.Count, minimum, [], "importance: the objective is the same for every trial, so no hyperparameter explains any of it");
        }
        var trees = Fit(axes, rows, seed);
        var sums = new double[axes.Length];
        var used = 0;
        foreach (var tree in trees)
        {
            var (total, firstOrder) = Fanova.Variances(tree, axes);
            if (!(total > 0))
            {
                continue; // a tree that predicts one value explains nothing (Optuna leaves such trees out too)
            }
            used++;
            for (var i = 0; i < axes.Length; i++)
            {
                sums[i] += firstOrder[i] / total;
            }
        }
        var sum = sums.Sum();
        if (used == 0 || !(sum > 0))
        {
            return new(Method, rows.Count, minimum, [], "importance: the forest found no effect of any hyperparameter");
        }
        // Ties keep the space's order (OrderByDescending is stable).
        return new(Method, rows.Count, minimum, [.. axes.Select((a, i) => new AxisImportance(a.Name, sums[i] / sum)).OrderByDescending(a => a.Importance)], null);
    }

    /// <summary>The analysis domain of a search-space axis.</summary>
    public static ImportanceAxis Axis(ParameterSpace space) => space switch
    {
        UniformSpace u => ImportanceAxis.Numeric(u.Name, u.Low, u.High),
        LogUniformSpace l => ImportanceAxis.Numeric(l.Name, Math.Log(l.Low), Math.Log(l.High)),
        IntSpace i => ImportanceAxis.Numeric(i.Name, i.Low, Math.Max(i.ValueAt(i.Count - 1), i.Low + 1)),
        ChoiceSpace c => ImportanceAxis.Categorical(c.Name, c.Values.Length),
        _ => throw new ArgumentException($"unknown axis type {space.GetType().Name}", nameof(space)),
    };

    /// <summary>A trial's point in the analysis units, or null when a value is missing or outside its axis.</summary>
    private static double[]? Encode(IReadOnlyList<ParameterSpace> space, IReadOnlyDictionary<string, string> point)
    {
        var x = new double[space.Count];
        for (var i = 0; i < space.Count; i++)
        {
            if (!point.TryGetValue(space[i].Name, out var text))
            {
                return null;
            }
            var number = double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var n) && double.IsFinite(n) ? n : (double?)null;
            double? value = space[i] switch
            {
                UniformSpace u when number is { } v && v >= u.Low && v <= u.High => v,
                LogUniformSpace l when number is { } v && v >= l.Low && v <= l.High => Math.Log(v),
                IntSpace s when number is { } v && v >= s.Low && v <= s.High => v,
                ChoiceSpace c => CategoryOf(c, text, number),
                _ => null,
            };
            if (value is not { } known)
            {
                return null;
            }
            x[i] = known;
        }
        return x;
    }

    private static double? CategoryOf(ChoiceSpace choice, string text, double? number)
    {
        for (var c = 0; c < choice.Values.Length; c++)
        {
            var value = choice.Values[c];
            if (value.ToString() == text || (number is { } n && value is CampaignValue.Integer or CampaignValue.Real && value.TryGetDouble(out var v) && v == n))
            {
                return c;
            }
        }
        return null;
    }

    /// <summary>One input row of the forest.</summary>
    private sealed class Row
    {
        public float[] Features { get; set; } = [];

        public float Label { get; set; }
    }

    /// <summary>
    /// Fits the forest to <paramref name="rows"/> (points in the axes' units: numbers, or category indices) and returns its
    /// trees in the axes' terms; their predictions sum (or average) to the forest's. Internal for tests.
    /// </summary>
    internal static IReadOnlyList<SplitTree> Fit(ImportanceAxis[] axes, List<(double[] X, double Y)> rows, int seed)
    {
        // Feature f is (axis, category): category −1 for a numeric axis, else the indicator of that category.
        var features = axes.SelectMany((a, i) => a.IsCategorical ? Enumerable.Range(0, a.Categories).Select(c => (Axis: i, Category: c)) : [(Axis: i, Category: -1)]).ToArray();
        var data = rows.Select(r => new Row
        {
            Features = [.. features.Select(f => f.Category < 0 ? (float)r.X[f.Axis] : (int)r.X[f.Axis] == f.Category ? 1f : 0f)],
            Label = (float)r.Y,
        }).ToArray();
        var ml = new MLContext(seed);
        var schema = SchemaDefinition.Create(typeof(Row));
        schema[nameof(Row.Features)].ColumnType = new VectorDataViewType(NumberDataViewType.Single, features.Length);
        var view = ml.Data.LoadFromEnumerable(data, schema);
        var trainer = ml.Regression.Trainers.FastForest(new FastForestRegressionTrainer.Options
        {
            NumberOfTrees = Trees,
            // Grown out as a random forest's trees are (Optuna's fANOVA: scikit-learn's, min_samples_leaf = 1).
            NumberOfLeaves = Math.Clamp(rows.Count, 2, 128),
            MinimumExampleCountPerLeaf = 1,
            FeatureFraction = 1,
            NumberOfThreads = 1,
            Seed = seed,
            FeatureSelectionSeed = seed,
        });
        var model = trainer.Fit(view).Model;
        return [.. model.TrainedTreeEnsemble.Trees.Select(t => Convert(t, axes, features))];
    }

    private static SplitTree Convert(RegressionTreeBase tree, ImportanceAxis[] axes, (int Axis, int Category)[] features)
    {
        var nodes = tree.NumberOfNodes;
        var axis = new int[nodes];
        var threshold = new double[nodes];
        var leftCategories = new bool[]?[nodes];
        for (var n = 0; n < nodes; n++)
        {
            if (tree.CategoricalSplitFlags[n])
            {
                throw new InvalidOperationException("the forest made a categorical split; it was trained without them");
            }
            var (a, category) = features[tree.NumericalSplitFeatureIndexes[n]];
            axis[n] = a;
            threshold[n] = tree.NumericalSplitThresholds[n];
            if (category >= 0)
            {
                // Indicator of one category: category c goes left when its indicator (1 for c == category, else 0) ≤ threshold.
                leftCategories[n] = [.. Enumerable.Range(0, axes[a].Categories).Select(c => (c == category ? 1.0 : 0.0) <= threshold[n])];
            }
        }
        return new SplitTree(axis, threshold, leftCategories, [.. tree.LeftChild], [.. tree.RightChild], [.. tree.LeafValues]);
    }
}
