using ClusterML.Cli.Analysis;

namespace ClusterML.Cli.Tests.Analysis;

/// <summary>The functional ANOVA of single hand-built trees against variances worked out by hand.</summary>
public sealed class FanovaTests
{
    // Sums of a few products of short binary fractions: exact in double but for the last bit or two.
    private const double Tolerance = 1e-12;

    [Fact]
    public void A_two_level_tree_should_split_its_variance_as_computed_by_hand()
    {
        // x0 in [0, 1], x1 in [0, 2]. x0 <= 0.5 → 0; else x1 <= 0.5 → 4, else 8.
        // Leaves: volume 1/2 value 0, 1/8 value 4, 3/8 value 8; mean 3.5, variance 13.75.
        // Marginal of x0: 0 on [0, .5], 7 on (.5, 1] → 12.25. Of x1: 2 on [0, .5] (weight 1/4), 4 on (.5, 2] (3/4) → 0.75.
        var tree = new SplitTree([0, 1], [0.5, 0.5], [null, null], [-1, -2], [1, -3], [0, 4, 8]);
        ImportanceAxis[] axes = [ImportanceAxis.Numeric("x0", 0, 1), ImportanceAxis.Numeric("x1", 0, 2)];

        var (total, firstOrder) = Fanova.Variances(tree, axes);

        Assert.Equal(13.75, total, tolerance: Tolerance);
        Assert.Equal(12.25, firstOrder[0], tolerance: Tolerance);
        Assert.Equal(0.75, firstOrder[1], tolerance: Tolerance);
    }

    [Fact]
    public void A_split_of_a_choice_should_weigh_each_category_equally_and_leave_an_unused_axis_at_zero()
    {
        // Category 0 → 0, categories 1 and 2 → 3: mean 2, variance (4 + 1 + 1) / 3 = 2, all of it the choice's.
        var tree = new SplitTree([1], [double.NaN], [[true, false, false]], [-1], [-2], [0, 3]);
        ImportanceAxis[] axes = [ImportanceAxis.Numeric("x", -1, 1), ImportanceAxis.Categorical("c", 3)];

        var (total, firstOrder) = Fanova.Variances(tree, axes);

        Assert.Equal(2, total, tolerance: Tolerance);
        Assert.Equal(0, firstOrder[0], tolerance: Tolerance);
        Assert.Equal(2, firstOrder[1], tolerance: Tolerance);
    }

    [Fact]
    public void A_threshold_outside_the_domain_should_leave_an_empty_region_that_counts_for_nothing()
    {
        // x in [0, 1]: x <= 2 always holds, so the tree is 1 on x <= 0.25 and 5 elsewhere: mean 4, variance 3 (= 9/4 + 3/4).
        var tree = new SplitTree([0, 0], [2, 0.25], [null, null], [1, -2], [-1, -3], [100, 1, 5]);
        ImportanceAxis[] axes = [ImportanceAxis.Numeric("x", 0, 1), ImportanceAxis.Numeric("y", 0, 1)];

        var (total, firstOrder) = Fanova.Variances(tree, axes);

        Assert.Equal(3, total, tolerance: Tolerance);
        Assert.Equal(3, firstOrder[0], tolerance: Tolerance);
        Assert.Equal(0, firstOrder[1], tolerance: Tolerance);
        Assert.Equal(5, tree.Predict([0.9, 0.1]));
    }

    [Fact]
    public void A_tree_of_one_leaf_should_have_no_variance() =>
        Assert.Equal(0, Fanova.Variances(new SplitTree([], [], [], [], [], [7]), [ImportanceAxis.Numeric("x", 0, 1)]).Total);
}
