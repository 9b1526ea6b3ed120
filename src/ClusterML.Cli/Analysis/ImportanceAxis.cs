namespace ClusterML.Cli.Analysis;

/// <summary>
/// One hyperparameter as the importance analysis sees it: a numeric interval [<see cref="Low"/>, <see cref="High"/>] in the
/// search's own units (a log-uniform axis as the natural logarithm of its bounds, an int axis as its whole-number range), or,
/// when <see cref="Categories"/> &gt; 0, a choice of that many categories numbered 0…Categories − 1. The analysis averages
/// under the uniform distribution on this domain, as the search samples it. Immutable.
/// </summary>
internal sealed record ImportanceAxis(string Name, double Low, double High, int Categories = 0)
{
    /// <summary>Whether the axis is a choice (split by category sets) rather than a number (split by thresholds).</summary>
    public bool IsCategorical => Categories > 0;

    /// <summary>A numeric axis; low &lt; high, both finite.</summary>
    public static ImportanceAxis Numeric(string name, double low, double high) =>
        double.IsFinite(low) && double.IsFinite(high) && low < high ? new(name, low, high) : throw new ArgumentException($"{name}: needs finite low < high (got {low}, {high})");

    /// <summary>A choice of <paramref name="categories"/> (≥ 1) values.</summary>
    public static ImportanceAxis Categorical(string name, int categories) =>
        categories >= 1 ? new(name, 0, categories, categories) : throw new ArgumentException($"{name}: needs at least one category");
}
