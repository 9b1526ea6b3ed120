using ClusterML.Core.Campaigns;

namespace ClusterML.Core.Tests.Campaigns;

public sealed class ParetoFrontTests
{
    private static IReadOnlyList<double>[] Points(params double[][] points) => points;

    [Fact]
    public void Non_dominated_sorting_should_rank_fronts_and_give_equal_points_the_same_rank()
    {
        // Front 0: (1,4) (2,2) (4,1) and the duplicate (2,2); front 1: (3,3) (dominated by (2,2)) and (2,5) (by (1,4));
        // front 2: (4,4) (by (3,3)); (5,5) is dominated by (4,4): front 3.
        var ranks = ParetoFront.Ranks(Points([1, 4], [2, 2], [4, 1], [3, 3], [2, 2], [2, 5], [4, 4], [5, 5]));
        Assert.Equal([0, 0, 0, 1, 0, 1, 2, 3], ranks);
        // Same first value, worse second: dominated (no worse in all, better in one).
        Assert.Equal([0, 1], ParetoFront.Ranks(Points([1, 1], [1, 2])));
        Assert.True(ParetoFront.Dominates([1, 1], [1, 2]));
        Assert.False(ParetoFront.Dominates([1, 2], [1, 2]));
    }

    [Fact]
    public void A_max_objective_should_be_sorted_by_its_negation()
    {
        // Objective 1: rmse (min); objective 2: r2 (max). (0.1, 0.9) beats (0.2, 0.8) in both; (0.3, 0.95) trades off.
        var max = new ObjectiveSpec("r2", MetricMode.Max);
        var min = new ObjectiveSpec("rmse", MetricMode.Min);
        double[] Of(double rmse, double r2) => [CampaignObjectives.Minimised(min, rmse), CampaignObjectives.Minimised(max, r2)];
        Assert.Equal([0, 1, 0], ParetoFront.Ranks([Of(0.1, 0.9), Of(0.2, 0.8), Of(0.3, 0.95)]));
        // Read as min (not negated) the ranks differ: (0.2, 0.8) joins the front and (0.3, 0.95) is dominated.
        Assert.Equal([0, 0, 1], ParetoFront.Ranks(Points([0.1, 0.9], [0.2, 0.8], [0.3, 0.95])));
    }

    [Fact]
    public void Hypervolume_and_contributions_should_match_a_hand_computed_2d_case()
    {
        // Reference (4, 4); points (1,3), (2,2), (3,1). The union of their boxes: 3·1 + 2·2 + 1·3 − overlaps = 6
        // (staircase: x∈[1,2): 4−3=1 high → 1; x∈[2,3): 4−2=2 → 2; x∈[3,4): 4−1=3 → 3; total 6).
        IReadOnlyList<double>[] points = Points([1, 3], [2, 2], [3, 1]);
        double[] reference = [4, 4];
        Assert.Equal(6.0, ParetoFront.Hypervolume(points, reference), 12);
        // Exclusive parts: (1,3) owns [1,2)×[3,4) = 1; (2,2) owns [2,3)×[2,3) = 1; (3,1) owns [3,4)×[1,2) = 1.
        Assert.Equal([1.0, 1.0, 1.0], ParetoFront.Contributions(points, reference));
        // Moving (2,2) to (1.5,1.5): it owns [1.5,3)×[1.5,3) = 2.25; (1,3) owns [1,1.5)×[3,4) = 0.5; (3,1) owns [3,4)×[1,1.5) = 0.5.
        var moved = ParetoFront.Contributions(Points([1, 3], [1.5, 1.5], [3, 1]), reference);
        Assert.Equal(2.25, moved[1], 12);
        Assert.Equal(0.5, moved[0], 12);
        Assert.Equal(0.5, moved[2], 12);
        // A dominated point and a point beyond the reference add nothing.
        Assert.Equal([1.0, 1.0, 1.0, 0.0, 0.0], ParetoFront.Contributions(Points([1, 3], [2, 2], [3, 1], [3, 3], [5, 0]), reference));
    }

    [Fact]
    public void Hypervolume_in_3d_should_be_the_union_of_boxes()
    {
        // Reference (2,2,2); (1,1,1) alone: 1. With (0,1.5,1.5): its box 2·0.5·0.5 = 0.5, overlapping (1,1,1)'s in [1,2)×[1.5,2)×[1.5,2) = 0.25.
        Assert.Equal(1.0, ParetoFront.Hypervolume(Points([1, 1, 1]), [2, 2, 2]), 12);
        Assert.Equal(1.25, ParetoFront.Hypervolume(Points([1, 1, 1], [0, 1.5, 1.5]), [2, 2, 2]), 12);
    }

    [Fact]
    public void Greedy_subset_should_take_the_largest_contributor_first()
    {
        // Reference (4,4): alone, (2,2) covers 4, (1,3) and (3,1) 3 each; after (2,2), each extremity adds 1: the lower index first.
        Assert.Equal([1, 0], ParetoFront.GreedySubset(Points([1, 3], [2, 2], [3, 1]), 2, [4, 4]));
        Assert.Equal([1, 0, 2], ParetoFront.GreedySubset(Points([1, 3], [2, 2], [3, 1]), 5, [4, 4]));
    }

    [Fact]
    public void The_reference_should_be_the_worst_point_moved_out_by_ten_percent()
    {
        Assert.Equal([2.2, -0.9, 1e-12], ParetoFront.Reference(Points([1, -1, 0], [2, -3, 0], [double.PositiveInfinity, -2, 0])));
    }

    [Fact]
    public void The_fast_two_objective_sorting_should_agree_with_the_general_one()
    {
        // The general O(n²) sorting runs for three coordinates; a constant third one leaves the dominance of the first two.
        var random = new Random(5);
        for (var round = 0; round < 20; round++)
        {
            // Values on a coarse grid, so ties and duplicates are frequent.
            var points = Enumerable.Range(0, 60).Select(_ => new double[] { random.Next(8), random.Next(8) }).ToArray();
            var fast = ParetoFront.Ranks([.. points.Select(p => (IReadOnlyList<double>)p)]);
            var general = ParetoFront.Ranks([.. points.Select(p => (IReadOnlyList<double>)[p[0], p[1], 0])]);
            Assert.Equal(general, fast);
        }
        var many = Enumerable.Range(0, 100_000).Select(i => (IReadOnlyList<double>)[random.NextDouble(), random.NextDouble()]).ToArray();
        var clock = System.Diagnostics.Stopwatch.StartNew();
        Assert.Equal(100_000, ParetoFront.Ranks(many).Length);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), $"{clock.Elapsed} for 10⁵ points");
    }
}
