using ClusterML.Engines.Nep.Active;

namespace ClusterML.Engines.Nep.Tests.Active;

public sealed class TrustWindowTests
{
    private static CommitteeDeviation[] Deviations(params double[] maxForce) => [.. maxForce.Select((m, i) => new CommitteeDeviation(i, m, m / 2, 0))];

    [Fact]
    public void Frames_should_be_counted_by_their_place_in_the_window_and_labelled_ones_skipped()
    {
        // [0.05, 1.0): 0.05 (the bound) is in, 1.0 is failed; NaN (a member blew up) is failed; frame 1 is already labelled.
        var deviations = Deviations(0.01, 0.06, 0.2, 0.05, 1.0, 1.5, 0.07, double.NaN, 0.049);
        var selection = TrustWindow.Select(deviations, 0.05, 1.0, 10, seed: 1, excluded: new HashSet<int> { 1 });
        Assert.Equal(new[] { 2, 3, 6 }, selection.Selected);
        Assert.Equal(2, selection.Accurate);
        Assert.Equal(3, selection.Candidates);
        Assert.Equal(3, selection.Failed);
        Assert.Equal(1, selection.Excluded);
    }

    [Fact]
    public void At_most_max_frames_should_be_selected_as_a_seeded_random_subset_of_the_window()
    {
        var random = new Random(5);
        var deviations = Deviations([.. Enumerable.Range(0, 200).Select(_ => random.NextDouble())]);
        var excluded = new HashSet<int>(Enumerable.Range(0, 200).Where(i => i % 7 == 0));
        var a = TrustWindow.Select(deviations, 0.2, 0.9, 12, seed: 3, excluded);
        var again = TrustWindow.Select(deviations, 0.2, 0.9, 12, seed: 3, excluded);
        var other = TrustWindow.Select(deviations, 0.2, 0.9, 12, seed: 4, excluded);
        Assert.Equal(12, a.Selected.Count);
        Assert.Equal(a.Selected, again.Selected);
        Assert.NotEqual(a.Selected, other.Selected);
        Assert.Equal(a.Selected.Order(), a.Selected);
        Assert.Equal(12, a.Selected.Distinct().Count());
        Assert.All(a.Selected, i => Assert.True(deviations[i].MaxForce is >= 0.2 and < 0.9 && !excluded.Contains(i)));
        Assert.True(a.Candidates > 12);
        Assert.Equal(200, a.Accurate + a.Candidates + a.Failed + a.Excluded);
        // Not simply the largest deviations: a random subset of the window.
        var top = a.Selected.Select(i => deviations[i].MaxForce).Min();
        Assert.True(deviations.Count(d => !excluded.Contains(d.Frame) && d.MaxForce >= top && d.MaxForce < 0.9) > 12);
    }

    [Fact]
    public void A_window_that_is_not_one_should_be_refused()
    {
        var deviations = Deviations(0.1);
        Assert.Throws<ArgumentOutOfRangeException>(() => TrustWindow.Select(deviations, 0.2, 0.2, 1, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => TrustWindow.Select(deviations, double.NaN, 1, 1, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => TrustWindow.Select(deviations, 0, 1, -1, 0));
        Assert.Single(TrustWindow.Select(deviations, 0, double.PositiveInfinity, 1, 0).Selected);
    }
}
