namespace ClusterML.Engines.Surrogate;

/// <summary>How much the test score falls when one input is shuffled (permutation importance), in R² of the model space.</summary>
public sealed record FeatureImportance(string Feature, double R2DropMean, double R2DropStd, double RmseIncreaseMean);

/// <summary>The model's average prediction (raw target units) as one input sweeps its training range, the others as in the data.</summary>
public sealed record PartialDependence(string Feature, double[] Grid, double[] MeanPrediction);

/// <summary>Model-agnostic interpretation of a trained surrogate; deterministic for a seed.</summary>
public static class Interpretation
{
    /// <summary>
    /// Permutation importance on a held-out set: for each input, shuffle its column <paramref name="repeats"/> times and record
    /// the drop in R² (computed in the target's model space: log10 when the target is log-transformed) and the RMSE increase (raw units).
    /// </summary>
    public static IReadOnlyList<FeatureImportance> PermutationImportance(SurrogateModel model, double[][] x, double[] y, int repeats, int seed)
    {
        var target = model.Metadata.Target;
        var truthModel = y.Select(target.ToModelSpace).ToArray();
        var baseline = model.Predict(x, checkDomain: false).Mean;
        var baseR2 = Statistics.R2(truthModel, baseline.Select(target.ToModelSpace).ToArray());
        var baseRmse = Statistics.Rmse(y, baseline);
        var random = new Random(seed);
        var result = new List<FeatureImportance>();
        for (var c = 0; c < model.InputNames.Count; c++)
        {
            var drops = new double[repeats];
            var increases = new double[repeats];
            for (var r = 0; r < repeats; r++)
            {
                var order = Enumerable.Range(0, x.Length).ToArray();
                random.Shuffle(order);
                var shuffled = x.Select((row, i) =>
                {
                    var copy = (double[])row.Clone();
                    copy[c] = x[order[i]][c];
                    return copy;
                }).ToArray();
                var prediction = model.Predict(shuffled, checkDomain: false).Mean;
                drops[r] = baseR2 - Statistics.R2(truthModel, prediction.Select(target.ToModelSpace).ToArray());
                increases[r] = Statistics.Rmse(y, prediction) - baseRmse;
            }
            var mean = drops.Average();
            var std = Math.Sqrt(drops.Sum(d => (d - mean) * (d - mean)) / Math.Max(1, repeats - 1));
            result.Add(new FeatureImportance(model.InputNames[c], mean, std, increases.Average()));
        }
        return result;
    }

    /// <summary>
    /// Partial dependence of the ensemble mean on each input over its training range (<paramref name="gridPoints"/> values,
    /// log-spaced for log-transformed inputs), averaged over up to <paramref name="maxRows"/> training rows chosen with <paramref name="seed"/>.
    /// </summary>
    public static IReadOnlyList<PartialDependence> PartialDependences(SurrogateModel model, int gridPoints, int maxRows, int seed)
    {
        var rows = model.TrainingInputs;
        if (rows.Length > maxRows)
        {
            var order = Enumerable.Range(0, rows.Length).ToArray();
            new Random(seed).Shuffle(order);
            rows = order.Take(maxRows).Select(i => rows[i]).ToArray();
        }
        var result = new List<PartialDependence>();
        for (var c = 0; c < model.InputNames.Count; c++)
        {
            var input = model.Metadata.Inputs[c];
            var grid = Enumerable.Range(0, gridPoints).Select(g =>
            {
                var f = (double)g / (gridPoints - 1);
                return input.Log
                    ? Math.Pow(10, Math.Log10(input.Min) + (f * (Math.Log10(input.Max) - Math.Log10(input.Min))))
                    : input.Min + (f * (input.Max - input.Min));
            }).ToArray();
            var batch = new double[grid.Length * rows.Length][];
            for (var g = 0; g < grid.Length; g++)
            {
                for (var r = 0; r < rows.Length; r++)
                {
                    var copy = (double[])rows[r].Clone();
                    copy[c] = grid[g];
                    batch[(g * rows.Length) + r] = copy;
                }
            }
            var mean = model.Predict(batch, checkDomain: false).Mean;
            var averaged = grid.Select((_, g) => mean.Skip(g * rows.Length).Take(rows.Length).Average()).ToArray();
            result.Add(new PartialDependence(input.Name, grid, averaged));
        }
        return result;
    }
}
