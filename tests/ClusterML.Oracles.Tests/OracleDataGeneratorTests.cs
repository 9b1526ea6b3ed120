using ClusterML.Core.Validation;

namespace ClusterML.Oracles.Tests;

public sealed class OracleDataGeneratorTests
{
    public static TheoryData<string> Names => ["thin-film", "slack", "heat-fd"];

    [Theory]
    [MemberData(nameof(Names))]
    public void The_same_seed_should_give_the_same_table_and_another_seed_another(string name)
    {
        var oracle = Oracles.Get(name);
        var a = OracleDataGenerator.Generate(oracle, 100, 5);
        var b = OracleDataGenerator.Generate(oracle, 100, 5);
        var c = OracleDataGenerator.Generate(oracle, 100, 6);
        Assert.Equal(a.Columns, b.Columns);
        Assert.Equal(a.Rows.SelectMany(r => r), b.Rows.SelectMany(r => r));
        Assert.NotEqual(a.Rows.SelectMany(r => r), c.Rows.SelectMany(r => r));
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void Parallel_generation_should_equal_a_serial_run(string name)
    {
        var oracle = Oracles.Get(name);
        var table = OracleDataGenerator.Generate(oracle, 64, 42);
        var rng = new Random(42);
        for (var i = 0; i < 64; i++)
        {
            var inputs = oracle.Sample(rng);
            Assert.Equal([.. inputs, .. oracle.Evaluate(inputs)], table.Rows[i]);
        }
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void Columns_should_be_inputs_then_outputs_with_inputs_inside_their_ranges(string name)
    {
        var oracle = Oracles.Get(name);
        var table = OracleDataGenerator.Generate(oracle, 300, 1);
        Assert.Equal(oracle.Inputs.Select(i => i.Name).Concat(oracle.Outputs), table.Columns);
        Assert.Equal(300, table.Rows.Length);
        for (var c = 0; c < oracle.Inputs.Count; c++)
        {
            var input = oracle.Inputs[c];
            Assert.All(table.Rows, row => Assert.InRange(row[c], input.Min, input.Max));
            if (input.Sampling == OracleSampling.Choice)
            {
                Assert.All(table.Rows, row => Assert.Equal(Math.Round(row[c]), row[c]));
                // Every code is drawn: 300 rows over at most 20 codes.
                Assert.Equal((int)(input.Max - input.Min) + 1, table.Rows.Select(row => row[c]).Distinct().Count());
            }
        }
        Assert.All(table.Rows, row => Assert.Equal(table.Columns.Count, row.Length));
        Assert.All(table.Rows, row => Assert.All(row, v => Assert.True(double.IsFinite(v))));
    }

    [Fact]
    public void Log_uniform_thickness_should_centre_on_the_geometric_mean()
    {
        var oracle = new ThinFilmOracle();
        var rng = new Random(3);
        var rows = Enumerable.Range(0, 4000).Select(_ => oracle.Sample(rng)).ToArray();
        var thickness = rows.Select(r => r[0]).Order().ToArray();
        // √(10 · 10000) ≈ 316 nm; a uniform law would put the median near 5000 nm.
        Assert.InRange(thickness[thickness.Length / 2], 250, 400);
        // Roughness is uniform: its mean is the midpoint 1.05 nm.
        Assert.InRange(rows.Average(r => r[1]), 1.0, 1.1);
    }

    [Fact]
    public void Progress_should_rise_to_one()
    {
        var reports = new List<double>();
        OracleDataGenerator.Generate(Oracles.Get("slack"), 500, 1, new SynchronousProgress(reports.Add));
        Assert.NotEmpty(reports);
        Assert.Equal(1.0, reports[^1]);
        Assert.Equal(reports.Order(), reports);
    }

    [Fact]
    public void A_cancelled_run_should_stop()
    {
        using var cancellation = new CancellationTokenSource();
        cancellation.Cancel();
        Assert.ThrowsAny<OperationCanceledException>(() =>
            OracleDataGenerator.Generate(Oracles.Get("slack"), 100, 1, cancellationToken: cancellation.Token));
    }

    [Fact]
    public void Zero_rows_should_be_refused() =>
        Assert.Equal("--n", Assert.Throws<InvalidInputException>(() => OracleDataGenerator.Generate(Oracles.Get("slack"), 0, 1)).Field);

    [Fact]
    public void A_row_the_oracle_refuses_should_surface_as_its_own_exception()
    {
        // Not an AggregateException from Parallel.For: the command line maps InvalidInputException to exit code 2.
        var error = Assert.Throws<InvalidInputException>(() => OracleDataGenerator.Generate(new RefusingOracle(), 50, 1));
        Assert.Equal("x", error.Field);
    }

    /// <summary>Refuses every row whose x exceeds 0.5.</summary>
    private sealed class RefusingOracle : IPhysicsOracle
    {
        public string Name => "refusing";

        public string Description => "test";

        public IReadOnlyList<OracleInput> Inputs { get; } = [new("x", "", 0, 1, OracleSampling.Uniform, "x")];

        public IReadOnlyList<string> Outputs { get; } = ["y"];

        public double[] Sample(Random rng) => [rng.NextDouble()];

        public double[] Evaluate(ReadOnlySpan<double> inputs) =>
            inputs[0] > 0.5 ? throw new InvalidInputException("x", "too large") : [inputs[0]];
    }

    /// <summary>Records reports on the reporting thread (<see cref="Progress{T}"/> would post them asynchronously).</summary>
    private sealed class SynchronousProgress(Action<double> report) : IProgress<double>
    {
        private readonly Lock _gate = new();

        public void Report(double value)
        {
            lock (_gate)
            {
                report(value);
            }
        }
    }
}
