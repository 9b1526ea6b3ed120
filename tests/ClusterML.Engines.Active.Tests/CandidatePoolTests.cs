using ClusterML.Core.IO;
using ClusterML.Core.Validation;
using ClusterML.Oracles;

namespace ClusterML.Engines.Active.Tests;

public sealed class CandidatePoolTests
{
    internal static readonly string[] ThinFilmInputs = ["thickness_nm", "roughness_nm", "temperature_K", "direction"];

    private static GeneratorPool ThinFilm(int seed, long count = 1000, IReadOnlyList<string>? inputs = null) =>
        new(new ThinFilmOracle(), inputs ?? ThinFilmInputs, count, seed, "pool");

    [Fact]
    public void A_generator_pool_should_draw_each_candidate_on_its_own_the_same_in_every_instance()
    {
        var pool = ThinFilm(11);
        var again = ThinFilm(11);
        Assert.Equal(1000, pool.Count);
        foreach (var k in new long[] { 0, 1, 17, 999 })
        {
            Assert.Equal(pool.Draw(k), pool.Read(k, 1)[0]);
            Assert.Equal(pool.Draw(k), again.Draw(k));
        }
        var rows = pool.Read(5, 4);
        for (var i = 0; i < 4; i++)
        {
            Assert.Equal(again.Draw(5 + i), rows[i]);
        }
        // Chunks cover the pool in order and agree with Read.
        var chunked = pool.Chunks(CancellationToken.None).SelectMany(c => c.Rows).ToArray();
        Assert.Equal(1000, chunked.Length);
        Assert.Equal(pool.Draw(999), chunked[999]);
        // Candidates differ from each other, and between seeds.
        Assert.NotEqual(pool.Draw(0), pool.Draw(1));
        var other = ThinFilm(12);
        Assert.NotEqual(pool.Draw(0), other.Draw(0));
        Assert.NotEqual(pool.Draw(3), other.Draw(3));
    }

    [Fact]
    public void Draws_should_follow_the_generators_sampling_ranges()
    {
        var pool = ThinFilm(2, 2000);
        var (min, max) = pool.Bounds(CancellationToken.None);
        Assert.InRange(min[0], 10, 15);
        Assert.InRange(max[0], 9000, 10_000);
        Assert.InRange(min[1], 0.1, 0.2);
        Assert.InRange(max[1], 1.9, 2.0);
        Assert.InRange(min[2], 100, 110);
        Assert.InRange(max[2], 790, 800);
        Assert.Equal(0, min[3]);
        Assert.Equal(1, max[3]);
        Assert.All(pool.Read(0, 200), r => Assert.Contains(r[3], new[] { 0.0, 1.0 }));
    }

    [Fact]
    public void Columns_should_follow_the_order_of_the_inputs_given()
    {
        string[] permuted = ["direction", "temperature_K", "thickness_nm", "roughness_nm"];
        var canonical = ThinFilm(11);
        var reordered = ThinFilm(11, inputs: permuted);
        foreach (var k in new long[] { 0, 7, 500 })
        {
            var a = canonical.Draw(k);
            var b = reordered.Draw(k);
            Assert.Equal([a[3], a[2], a[0], a[1]], b);
        }
    }

    [Fact]
    public void An_input_the_generator_lacks_or_a_missing_one_should_be_an_error_about_inputs()
    {
        var unknown = Assert.Throws<InvalidInputException>(() => ThinFilm(1, inputs: ["thickness_nm", "roughness_nm", "temperature_K", "pressure_Pa"]));
        Assert.Equal("inputs", unknown.Field);
        Assert.Contains("pressure_Pa", unknown.Message, StringComparison.Ordinal);
        var missing = Assert.Throws<InvalidInputException>(() => ThinFilm(1, inputs: ["thickness_nm", "roughness_nm", "temperature_K"]));
        Assert.Equal("inputs", missing.Field);
        Assert.Contains("direction", missing.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_unknown_generator_should_be_an_input_error()
    {
        Assert.Throws<InvalidInputException>(() => CandidatePool.Open(new CandidateSource("no-such-generator", 10, 1, null, null), ThinFilmInputs, "pool"));
    }

    [Fact]
    public void A_table_pool_should_be_the_csv_rows_in_the_inputs_order()
    {
        var path = Path.Combine(Path.GetTempPath(), $"clusterml-active-pool-{Guid.NewGuid():N}.csv");
        try
        {
            File.WriteAllText(path, "b,a,extra\n1,10,x\n2,20,y\n3,30,z\n");
            var pool = CandidatePool.Open(new CandidateSource(null, 0, 0, path, null), ["a", "b"], "pool");
            Assert.IsType<TablePool>(pool);
            Assert.Equal(3, pool.Count);
            Assert.Equal([20.0, 2.0], pool.Read(1, 1)[0]);
            Assert.Equal([[10.0, 1.0], [20.0, 2.0], [30.0, 3.0]], pool.Read(0, 3));
            var (min, max) = pool.Bounds(CancellationToken.None);
            Assert.Equal([10.0, 1.0], min);
            Assert.Equal([30.0, 3.0], max);
            Assert.ThrowsAny<Exception>(() => CandidatePool.Open(new CandidateSource(null, 0, 0, path, null), ["a", "missing"], "pool"));
        }
        finally
        {
            File.Delete(path);
        }
    }
}
