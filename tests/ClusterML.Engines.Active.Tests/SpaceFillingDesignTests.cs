using ClusterML.Oracles;

namespace ClusterML.Engines.Active.Tests;

public sealed class SpaceFillingDesignTests
{
    private static GeneratorPool Pool(long count = 3000) => new(new ThinFilmOracle(), CandidatePoolTests.ThinFilmInputs, count, 21, "pool");

    [Fact]
    public void A_design_should_be_the_requested_number_of_distinct_valid_candidates_every_time()
    {
        var pool = Pool();
        var design = SpaceFillingDesign.Pick(pool, 20, CancellationToken.None);
        Assert.Equal(20, design.Length);
        Assert.Equal(20, design.Distinct().Count());
        Assert.All(design, k => Assert.InRange(k, 0, pool.Count - 1));
        Assert.Equal(design, SpaceFillingDesign.Pick(Pool(), 20, CancellationToken.None));
    }

    [Fact]
    public void A_design_should_span_the_log_range_of_the_thickness()
    {
        var pool = Pool();
        var design = SpaceFillingDesign.Pick(pool, 20, CancellationToken.None);
        var thickness = design.Select(k => pool.Draw(k)[0]).ToArray();
        Assert.True(thickness.Min() < 30, $"thinnest design film {thickness.Min()} nm");
        Assert.True(thickness.Max() > 3000, $"thickest design film {thickness.Max()} nm");
        // On a log scale the design is spread: at least one point in each decade 10–100, 100–1000, 1000–10000.
        Assert.Contains(thickness, t => t is >= 10 and < 100);
        Assert.Contains(thickness, t => t is >= 100 and < 1000);
        Assert.Contains(thickness, t => t is >= 1000 and <= 10_000);
        // Both directions of heat flow appear.
        var directions = design.Select(k => pool.Draw(k)[3]).Distinct().ToArray();
        Assert.Equal(2, directions.Length);
    }

    [Fact]
    public void A_design_larger_than_a_small_pool_should_take_what_there_is()
    {
        var pool = Pool(6);
        var design = SpaceFillingDesign.Pick(pool, 10, CancellationToken.None);
        Assert.Equal(6, design.Length);
        Assert.Equal(design.Length, design.Distinct().Count());
        Assert.Empty(SpaceFillingDesign.Pick(pool, 0, CancellationToken.None));
    }
}
