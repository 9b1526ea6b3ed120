using ClusterML.Core.Validation;

namespace ClusterML.Oracles.Tests;

public sealed class GeneratorTests
{
    [Fact]
    public void The_same_seed_should_give_the_same_table_and_another_seed_another()
    {
        var oracle = Oracles.Get("slack");
        var a = OracleDataGenerator.Generate(oracle, 200, 5);
        var b = OracleDataGenerator.Generate(oracle, 200, 5);
        var c = OracleDataGenerator.Generate(oracle, 200, 6);
        Assert.Equal(a.Rows.SelectMany(r => r), b.Rows.SelectMany(r => r));
        Assert.NotEqual(a.Rows.SelectMany(r => r), c.Rows.SelectMany(r => r));
    }

    [Fact]
    public void Columns_should_be_inputs_then_outputs_and_inputs_inside_their_ranges()
    {
        foreach (var oracle in Oracles.All)
        {
            var table = OracleDataGenerator.Generate(oracle, 60, 1);
            Assert.Equal(oracle.Inputs.Select(i => i.Name).Concat(oracle.Outputs), table.Columns);
            for (var c = 0; c < oracle.Inputs.Count; c++)
            {
                var input = oracle.Inputs[c];
                Assert.All(table.Rows, row => Assert.InRange(row[c], input.Min, input.Max));
                if (input.Sampling == OracleSampling.Choice)
                {
                    Assert.All(table.Rows, row => Assert.Equal(Math.Round(row[c]), row[c]));
                }
            }
            Assert.All(table.Rows, row => Assert.All(row, v => Assert.True(double.IsFinite(v))));
        }
    }

    [Fact]
    public void Log_uniform_thickness_should_centre_on_the_geometric_mean()
    {
        var random = new Random(3);
        var thickness = new ThinFilmOracle().Inputs[0];
        var values = Enumerable.Range(0, 4000).Select(_ => thickness.Draw(random)).Order().ToArray();
        Assert.InRange(values[values.Length / 2], 250, 400); // √(10·10000) ≈ 316 nm
    }

    [Theory]
    [InlineData(-5.0, 0.5, 300.0, 0.0, "thickness_nm")]
    [InlineData(100.0, double.NaN, 300.0, 0.0, "roughness_nm")]
    [InlineData(100.0, 0.5, 0.0, 0.0, "temperature_K")]
    [InlineData(100.0, 0.5, 300.0, 2.0, "direction")]
    public void Bad_thin_film_inputs_should_be_refused_naming_the_column(double d, double eta, double t, double direction, string column) =>
        Assert.Equal(column, Assert.Throws<InvalidInputException>(() => new ThinFilmOracle().Evaluate([d, eta, t, direction])).Field);

    [Fact]
    public void An_unknown_oracle_should_list_the_known_ones() =>
        Assert.Contains("thin-film, slack, heat-fd", Assert.Throws<InvalidInputException>(() => Oracles.Get("dft")).Message, StringComparison.Ordinal);
}
