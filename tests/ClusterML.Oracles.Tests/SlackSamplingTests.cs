namespace ClusterML.Oracles.Tests;

public sealed class SlackSamplingTests
{
    private const int Rows = 100_000;
    private static readonly SlackOracle Oracle = new();
    private static readonly double[][] Sampled = Draw(seed: 14);
    private static readonly double[] Kappa = [.. Sampled.Select(row => Oracle.Evaluate(row)[0]).Order()];

    private static double[][] Draw(int seed)
    {
        var rng = new Random(seed);
        return [.. Enumerable.Range(0, Rows).Select(_ => Oracle.Sample(rng))];
    }

    /// <summary>T_m (K), M̄ (amu), V per atom (Å³), θ_D (K) of real crystals (CRC handbook values; diamond's T_m ≈ 4000 K).</summary>
    public static TheoryData<string, double, double, double, double> Crystals => new()
    {
        { "Si", 1687, 28.09, 20.02, 645 }, { "Ge", 1211, 72.63, 22.64, 374 }, { "GaAs", 1511, 72.32, 22.60, 344 },
        { "diamond", 4000, 12.01, 5.67, 2230 }, { "Cu", 1358, 63.55, 11.81, 343 }, { "Al", 933, 26.98, 16.60, 428 },
        { "Pb", 600, 207.2, 30.33, 105 }, { "NaCl", 1074, 29.22, 22.43, 321 }, { "MgO", 3098, 20.15, 9.34, 946 },
        { "KCl", 1044, 37.27, 31.1, 235 }, { "W", 3695, 183.84, 15.85, 400 }, { "Au", 1337, 196.97, 16.96, 165 },
        { "InSb", 800, 118.3, 34.0, 206 }, { "Na", 371, 22.99, 39.5, 158 }, { "Al2O3", 2345, 20.39, 8.49, 1047 },
    };

    [Theory]
    [MemberData(nameof(Crystals))]
    public void Lindemann_constant_range_should_cover_real_crystals(string crystal, double melting, double mass, double volume, double debye)
    {
        var lindemann = debye / Math.Sqrt(melting / (mass * Math.Cbrt(volume * volume)));
        Assert.True(lindemann is >= SlackOracle.MinLindemann and <= SlackOracle.MaxLindemann, $"{crystal}: C = {lindemann:F1}");
    }

    [Fact]
    public void Every_sampled_conductivity_should_be_realistic()
    {
        // No bulk crystal conducts better than isotopically pure diamond (≈ 3300 W/m/K at 300 K) or, at these temperatures,
        // much below the ≈ 0.1 W/m/K of the softest heavy crystals. Independent sampling reached 2.7e4.
        Assert.InRange(Kappa[0], 0.05, 3000);
        Assert.InRange(Kappa[^1], 0.05, 3000);
    }

    [Fact]
    public void Sampled_conductivities_should_span_decades_with_diamond_at_the_top()
    {
        static double Percentile(double p) => Kappa[(int)(p / 100 * (Kappa.Length - 1))];
        Assert.True(Percentile(99) / Percentile(1) >= 100, $"p1 {Percentile(1)}, p99 {Percentile(99)}");
        Assert.True(Kappa[^1] > 1000, $"max {Kappa[^1]}: diamond-like rows should still occur");
        Assert.True(Kappa[0] < 1, $"min {Kappa[0]}: heavy soft rows should still occur");
        // The bulk of the set is ordinary crystals, not diamonds: the median is a few W/m/K.
        Assert.InRange(Percentile(50), 1, 30);
    }

    [Fact]
    public void Every_sample_should_be_inside_the_declared_ranges()
    {
        for (var c = 0; c < Oracle.Inputs.Count; c++)
        {
            var column = Oracle.Inputs[c];
            Assert.All(Sampled, row => Assert.InRange(row[c], column.Min, column.Max));
        }
        Assert.All(Sampled, row => Assert.Equal(Math.Round(row[3]), row[3]));
        // The densities stay between lithium's and osmium's.
        Assert.All(Sampled, row => Assert.InRange(1.66053906660 * row[0] / row[2], 0.53 * (1 - 1e-12), 22.6 * (1 + 1e-12)));
        // The correlated columns still fill their declared ranges (so the help text and the surrogate's ranges are honest).
        Assert.InRange(Sampled.Min(row => row[1]), 100, 110);
        Assert.InRange(Sampled.Max(row => row[1]), 2100, 2300);
        Assert.InRange(Sampled.Min(row => row[2]), 5.5, 6);
        Assert.InRange(Sampled.Max(row => row[2]), 39, 40);
        Assert.InRange(Sampled.Min(row => row[5]), 100, 101);
        Assert.InRange(Sampled.Max(row => row[5]), 999, 1000);
    }

    [Fact]
    public void Every_debye_temperature_should_follow_Lindemann_with_the_crystal_solid()
    {
        // θ_D = C·√(T_m/(M̄·V^{2/3})) for some C in 130–260 and T_m in 300–4000 K with T ≤ 0.8·T_m and T ≥ 0.13·θ_D:
        // the melting points implied by the two ends of C must overlap the allowed ones.
        Assert.All(Sampled, row =>
        {
            var (mass, debye, volume, temperature) = (row[0], row[1], row[2], row[5]);
            var scale = debye * debye * mass * Math.Cbrt(volume * volume);
            var highestMelting = scale / (130.0 * 130.0);
            var lowestMelting = scale / (260.0 * 260.0);
            Assert.True(highestMelting >= Math.Max(300, temperature / 0.8) * (1 - 1e-9) && lowestMelting <= 4000 * (1 + 1e-9),
                $"M̄ {mass}, θ_D {debye}, V {volume}, T {temperature}: implied T_m {lowestMelting:F0}–{highestMelting:F0} K");
            Assert.True(temperature >= 0.13 * debye * (1 - 1e-12), $"T {temperature} below 0.13·θ_D {debye}");
        });
    }

    [Fact]
    public void Sampling_should_be_reproducible_from_the_seed()
    {
        Assert.Equal(Sampled.Take(1000), Draw(seed: 14).Take(1000));
        Assert.NotEqual(Sampled.Take(1000), Draw(seed: 15).Take(1000));
    }

    [Fact]
    public void Correlated_draws_should_rarely_need_the_conductivity_band()
    {
        // The band is a safety net for the corners of the correlated ranges, not what keeps κ realistic.
        var rng = new Random(5);
        var draws = Enumerable.Range(0, Rows).Select(_ => Oracle.TryDraw(rng)).OfType<double[]>().ToArray();
        Assert.True(draws.Length > 0.95 * Rows, $"{draws.Length} of {Rows} draws consistent");
        var outside = draws.Count(row => Oracle.Evaluate(row)[0] is < SlackOracle.MinSampledKappa or > SlackOracle.MaxSampledKappa);
        Assert.True(outside <= 10, $"{outside} of {draws.Length} draws outside the κ band");
    }

    [Fact]
    public void Correlated_columns_should_refuse_to_be_drawn_on_their_own() =>
        Assert.Throws<InvalidOperationException>(() => Oracle.Inputs[1].Draw(new Random(1)));
}
