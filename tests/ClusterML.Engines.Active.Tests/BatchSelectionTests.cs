namespace ClusterML.Engines.Active.Tests;

public sealed class BatchSelectionTests
{
    /// <summary>Cluster A (0–19) near the origin with the top scores, cluster B (20–39) near (10, 10) with lower scores.</summary>
    private static (double[][] Points, double[] Scores) TwoClusters()
    {
        var random = new Random(3);
        var points = new double[40][];
        var scores = new double[40];
        for (var i = 0; i < 40; i++)
        {
            var centre = i < 20 ? 0.0 : 10.0;
            points[i] = [centre + (0.01 * random.NextDouble()), centre + (0.01 * random.NextDouble())];
            scores[i] = i < 20 ? 0.9 + (0.1 * random.NextDouble()) : 0.5 + (0.1 * random.NextDouble());
        }
        return (points, scores);
    }

    [Fact]
    public void None_should_take_the_top_scores_only_from_the_best_cluster()
    {
        var (points, scores) = TwoClusters();
        var picks = BatchSelection.Pick(points, scores, 4, "none", 1);
        Assert.Equal(4, picks.Length);
        Assert.All(picks, p => Assert.InRange(p, 0, 19));
        var top = Enumerable.Range(0, 40).OrderByDescending(i => scores[i]).Take(4).ToArray();
        Assert.Equal(top, picks);
    }

    [Theory]
    [InlineData("maximin")]
    [InlineData("kmeans++")]
    public void A_diverse_batch_should_reach_the_second_cluster_and_start_with_the_best_score(string diversity)
    {
        var (points, scores) = TwoClusters();
        var picks = BatchSelection.Pick(points, scores, 4, diversity, 1);
        Assert.Equal(4, picks.Length);
        Assert.Equal(4, picks.Distinct().Count());
        Assert.Equal(Enumerable.Range(0, 40).MaxBy(i => scores[i]), picks[0]);
        Assert.Contains(picks, p => p < 20);
        Assert.Contains(picks, p => p >= 20);
        if (diversity == "maximin")
        {
            Assert.True(picks[1] >= 20, "the second maximin pick is the far cluster");
        }
    }

    [Theory]
    [InlineData("maximin")]
    [InlineData("kmeans++")]
    [InlineData("none")]
    public void Picks_should_be_distinct_valid_positions(string diversity)
    {
        var random = new Random(9);
        var points = Enumerable.Range(0, 300).Select(_ => new[] { random.NextDouble(), random.NextDouble(), random.NextDouble() }).ToArray();
        var scores = points.Select(_ => random.NextDouble()).ToArray();
        var picks = BatchSelection.Pick(points, scores, 25, diversity, 4);
        Assert.Equal(25, picks.Length);
        Assert.Equal(25, picks.Distinct().Count());
        Assert.All(picks, p => Assert.InRange(p, 0, 299));
    }

    [Fact]
    public void Kmeans_plus_plus_should_repeat_itself_for_a_seed_and_change_with_the_seed()
    {
        var random = new Random(5);
        var points = Enumerable.Range(0, 400).Select(_ => new[] { random.NextDouble(), random.NextDouble() }).ToArray();
        var scores = points.Select(_ => random.NextDouble()).ToArray();
        var first = BatchSelection.Pick(points, scores, 10, "kmeans++", 42);
        Assert.Equal(first, BatchSelection.Pick(points, scores, 10, "kmeans++", 42));
        var others = Enumerable.Range(43, 5).Select(seed => BatchSelection.Pick(points, scores, 10, "kmeans++", seed)).ToArray();
        Assert.Contains(others, o => !o.SequenceEqual(first));
        // maximin has no randomness: the seed changes nothing.
        Assert.Equal(BatchSelection.Pick(points, scores, 10, "maximin", 1), BatchSelection.Pick(points, scores, 10, "maximin", 2));
    }

    [Theory]
    [InlineData("maximin")]
    [InlineData("kmeans++")]
    [InlineData("none")]
    public void Asking_for_more_than_there_are_should_return_every_candidate(string diversity)
    {
        double[][] points = [[0, 0], [1, 0], [0, 1], [1, 1], [0.5, 0.5]];
        double[] scores = [0.1, 0.5, 0.3, 0.2, 0.4];
        var picks = BatchSelection.Pick(points, scores, 10, diversity, 1);
        Assert.Equal([0, 1, 2, 3, 4], picks.Order().ToArray());
        Assert.Empty(BatchSelection.Pick(points, scores, 0, diversity, 1));
        Assert.Empty(BatchSelection.Pick([], [], 3, diversity, 1));
    }

    [Fact]
    public void Equal_scores_and_coincident_points_should_still_give_distinct_picks()
    {
        var points = Enumerable.Range(0, 6).Select(_ => new[] { 1.0, 1.0 }).ToArray();
        var scores = Enumerable.Repeat(0.5, 6).ToArray();
        foreach (var diversity in new[] { "maximin", "kmeans++" })
        {
            var picks = BatchSelection.Pick(points, scores, 4, diversity, 7);
            Assert.Equal(4, picks.Distinct().Count());
        }
    }
}
