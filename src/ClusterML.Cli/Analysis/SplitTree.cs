namespace ClusterML.Cli.Analysis;

/// <summary>
/// A regression tree in the hyperparameters' terms, whatever library grew it: node i splits axis <see cref="Axis"/>[i];
/// on a numeric axis a point goes to <see cref="Left"/>[i] when its value ≤ <see cref="Threshold"/>[i], on a categorical
/// axis when its category is in <see cref="LeftCategories"/>[i] (null for numeric splits). A child ≥ 0 is a node, a child
/// c &lt; 0 is leaf ~c (−1 is leaf 0), whose prediction is <see cref="LeafValues"/>[~c]. A tree with no nodes is one leaf.
/// Immutable by convention (the arrays are not copied).
/// </summary>
internal sealed record SplitTree(int[] Axis, double[] Threshold, bool[]?[] LeftCategories, int[] Left, int[] Right, double[] LeafValues)
{
    /// <summary>The prediction at <paramref name="point"/> (numeric axes' values, categorical axes' category indices).</summary>
    public double Predict(IReadOnlyList<double> point)
    {
        if (Axis.Length == 0)
        {
            return LeafValues[0];
        }
        var node = 0;
        while (true)
        {
            var x = point[Axis[node]];
            var left = LeftCategories[node] is { } set ? set[(int)x] : x <= Threshold[node];
            var next = left ? Left[node] : Right[node];
            if (next < 0)
            {
                return LeafValues[~next];
            }
            node = next;
        }
    }
}
