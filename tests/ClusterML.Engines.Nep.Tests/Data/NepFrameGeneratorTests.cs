using System.Globalization;
using ClusterML.Core.Validation;
using ClusterML.Engines.Nep.Data;
using ClusterML.Engines.Nep.Evaluation;
using ClusterML.Engines.Nep.Model;
using ClusterML.Engines.Nep.Structures;
using ClusterML.Engines.Nep.Xyz;

namespace ClusterML.Engines.Nep.Tests.Data;

/// <summary>
/// <see cref="NepFrameGenerator"/> on a tiny generated Si model and 4-atom source cells: the labels are the model's on the
/// written structures, the output is decided by the seed alone, supercells are extensive, strain and rattle have the asked
/// size, and bad settings name their option. One test runs on the shared PbTe NEP4 model and skips without it.
/// </summary>
public sealed class NepFrameGeneratorTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("nep-frames-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private string PathOf(string name) => Path.Combine(_root, name);

    /// <summary>A one-species NEP4 model small enough to write here: n_max 1 1, basis 1 1, l_max 2 (q_222 on), 3 neurons.</summary>
    private NepModel TinyModel()
    {
        // dim = 2 + 2·(2 + 1) = 8; ANN (8 + 2)·3 + 1 = 31; c: 2·2 + 2·2 = 8; q_scaler 8.
        var path = PathOf("nep.txt");
        var values = Enumerable.Range(0, 31 + 8).Select(k => (0.1 * Math.Sin(k + 1)).ToString("R", CultureInfo.InvariantCulture));
        File.WriteAllText(path, "nep4 1 Si\ncutoff 4 3 20 10\nn_max 1 1\nbasis_size 1 1\nl_max 2 2 0\nANN 3 0\n"
            + string.Join("\n", values) + "\n" + string.Join("\n", Enumerable.Repeat("1.5", 8)) + "\n");
        return NepModel.Read(path);
    }

    /// <summary>Two 4-atom Si source frames (one cubic, one slightly triclinic) with a made-up energy the generator ignores.</summary>
    private string Sources(string species = "Si")
    {
        var path = PathOf("sources.xyz");
        File.WriteAllText(path, $"""
            4
            Lattice="5.2 0 0 0 5.2 0 0 0 5.2" energy=-1.0 pbc="T T T" Properties=species:S:1:pos:R:3
            Si 0.1 0.0 0.0
            Si 2.6 2.5 0.1
            Si 2.5 0.1 2.7
            {species} 0.0 2.6 2.6
            4
            Lattice="5.0 0.2 0 0 5.3 0 0.1 0 5.1" Properties=species:S:1:pos:R:3
            Si 0.0 0.1 0.0
            Si 2.4 2.7 0.0
            Si 2.6 0.0 2.5
            Si 0.1 2.5 2.7

            """);
        return path;
    }

    private static NepFrameSettings Settings(int count = 4, int a = 1, int b = 1, int c = 1, double rattle = 0.05, double strain = 0.03, int seed = 7, int threads = 1) =>
        new(count, a, b, c, rattle, strain, seed, threads);

    private string Generate(NepModel model, NepFrameSettings settings, string name = "out.xyz")
    {
        var path = PathOf(name);
        NepFrameGenerator.FromFile(model, Sources(), settings).Write(path);
        return path;
    }

    [Fact]
    public void The_labels_should_be_the_models_energy_forces_and_virial_of_the_written_structures()
    {
        var model = TinyModel();
        var calculator = new NepCalculator(model);
        var progress = new List<double>();
        var path = PathOf("out.xyz");

        var summary = NepFrameGenerator.FromFile(model, Sources(), Settings(count: 5, b: 2)).Write(path, new Recorder(progress.Add));

        var frames = ExtendedXyzReader.Read(path).ToList();
        Assert.Equal(5, frames.Count);
        Assert.Equal([0.2, 0.4, 0.6, 0.8, 1.0], progress.Select(p => Math.Round(p, 12)));
        Assert.Equal(new NepFrameSummary(5, 40, summary.MinEnergyPerAtom, summary.MaxEnergyPerAtom, summary.MaxForce), summary);
        foreach (var frame in frames)
        {
            Assert.Equal(8, frame.AtomCount);
            Assert.Equal("nep-frames", frame.Extra["config_type"]);
            Assert.Equal("T T T", frame.Extra["pbc"]);
            // Numbers are written round-trip exact and every frame is evaluated on one thread, so recomputing gives the same
            // bits; the tolerance only guards against a last-digit difference in the summation order.
            var expected = calculator.Compute(NepStructure.FromFrame(frame, model));
            Assert.Equal(expected.Energy, frame.Energy!.Value, 1e-12);
            Assert.All(expected.Forces.Zip(frame.Forces!), pair => Assert.Equal(pair.First, pair.Second, 1e-12));
            Assert.All(expected.Virial.Zip(frame.Virial!), pair => Assert.Equal(pair.First, pair.Second, 1e-12));
            Assert.InRange(frame.Energy.Value / frame.AtomCount, summary.MinEnergyPerAtom, summary.MaxEnergyPerAtom);
        }
        Assert.Equal(frames.Max(f => f.Energy!.Value / f.AtomCount), summary.MaxEnergyPerAtom);
        Assert.True(frames.SelectMany(f => f.Forces!).Any(f => Math.Abs(f) > 1e-6), "the rattled frames should have forces worth checking");
    }

    [Fact]
    public void The_seed_alone_should_decide_the_file_whatever_the_thread_count()
    {
        var model = TinyModel();

        var first = File.ReadAllBytes(Generate(model, Settings(count: 7, seed: 3, threads: 1), "a.xyz"));
        var again = File.ReadAllBytes(Generate(model, Settings(count: 7, seed: 3, threads: 1), "b.xyz"));
        var twoThreads = File.ReadAllBytes(Generate(model, Settings(count: 7, seed: 3, threads: 2), "c.xyz"));
        var otherSeed = File.ReadAllBytes(Generate(model, Settings(count: 7, seed: 4, threads: 1), "d.xyz"));

        Assert.Equal(first, again);
        Assert.Equal(first, twoThreads);
        Assert.NotEqual(first, otherSeed);
    }

    [Fact]
    public void A_two_by_one_by_one_supercell_without_noise_should_have_twice_the_atoms_and_twice_the_energy()
    {
        var model = TinyModel();
        var calculator = new NepCalculator(model);
        var sources = ExtendedXyzReader.Read(Sources()).ToList();

        var frames = ExtendedXyzReader.Read(Generate(model, Settings(count: 2, a: 2, rattle: 0, strain: 0))).ToList();

        for (var k = 0; k < 2; k++)
        {
            var source = sources[k];
            var single = calculator.Compute(NepStructure.FromFrame(source, model)).Energy;
            Assert.Equal(2 * source.AtomCount, frames[k].AtomCount);
            Assert.Equal([2 * source.Cell[0], 2 * source.Cell[1], 2 * source.Cell[2], .. source.Cell[3..]], frames[k].Cell);
            // Extensivity is exact in arithmetic; 1e-9 relative allows for the longer sums of the doubled cell.
            Assert.Equal(2 * single, frames[k].Energy!.Value, 1e-9 * Math.Abs(2 * single));
        }
    }

    [Fact]
    public void Strain_should_deform_cell_and_positions_by_a_symmetric_I_plus_e_within_the_bound()
    {
        var model = TinyModel();
        const double Epsilon = 0.05;
        var plain = ExtendedXyzReader.Read(Generate(model, Settings(count: 6, rattle: 0, strain: 0), "plain.xyz")).ToList();
        var strained = ExtendedXyzReader.Read(Generate(model, Settings(count: 6, rattle: 0, strain: Epsilon), "strained.xyz")).ToList();

        for (var k = 0; k < plain.Count; k++)
        {
            // Rows of the cell: H' = H F, so F = H⁻¹ H'.
            var f = Multiply(Inverse(plain[k].Cell), strained[k].Cell);
            for (var i = 0; i < 3; i++)
            {
                for (var j = 0; j < 3; j++)
                {
                    Assert.Equal(f[(3 * i) + j], f[(3 * j) + i], 1e-12);
                    Assert.InRange(Math.Abs(f[(3 * i) + j] - (i == j ? 1 : 0)), 0, Epsilon + 1e-12);
                }
            }
            var deformed = Multiply(plain[k].Positions, f);
            Assert.All(deformed.Zip(strained[k].Positions), pair => Assert.Equal(pair.First, pair.Second, 1e-12));
            // Each eigenvalue of e is within ±3ε (Gershgorin), so the volume ratio is too within (1 ± 3ε)³.
            var ratio = strained[k].Volume / plain[k].Volume;
            Assert.InRange(ratio, Math.Pow(1 - (3 * Epsilon), 3), Math.Pow(1 + (3 * Epsilon), 3));
            Assert.NotEqual(1.0, ratio, 1e-6);
        }
    }

    [Fact]
    public void Rattle_should_displace_each_component_by_a_gaussian_of_standard_deviation_sigma()
    {
        var model = TinyModel();
        const double Sigma = 0.1;
        var plain = ExtendedXyzReader.Read(Generate(model, Settings(count: 6, a: 3, b: 3, c: 3, rattle: 0, strain: 0), "plain.xyz")).ToList();
        var rattled = ExtendedXyzReader.Read(Generate(model, Settings(count: 6, a: 3, b: 3, c: 3, rattle: Sigma, strain: 0), "rattled.xyz")).ToList();

        var displacements = plain.Zip(rattled).SelectMany(pair => pair.First.Positions.Zip(pair.Second.Positions, (p, r) => r - p)).ToArray();
        Assert.Equal(6 * 108 * 3, displacements.Length);
        var rms = Math.Sqrt(displacements.Average(d => d * d));
        // 1944 samples: the RMS estimate has a relative spread of about 1/√(2·1944) ≈ 1.6 %, so 6 % is nearly 4 spreads.
        Assert.Equal(Sigma, rms, 0.06 * Sigma);
        Assert.Equal(0, displacements.Average(), 4 * Sigma / Math.Sqrt(displacements.Length));
        Assert.All(plain.Zip(rattled), pair => Assert.Equal(pair.First.Cell, pair.Second.Cell));
    }

    public static TheoryData<NepFrameSettings, string> BadSettings => new()
    {
        { Settings(count: 0), "--n" },
        { Settings(a: 0), "--supercell" },
        { Settings(c: -1), "--supercell" },
        { Settings(rattle: -0.1), "--rattle" },
        { Settings(rattle: double.NaN), "--rattle" },
        { Settings(strain: -0.01), "--strain" },
        { Settings(strain: 0.34), "--strain" },
        { Settings(strain: double.PositiveInfinity), "--strain" },
        { Settings(threads: 0), "--threads" },
    };

    [Theory]
    [MemberData(nameof(BadSettings))]
    public void Bad_settings_should_name_their_option(NepFrameSettings settings, string field)
    {
        var error = Assert.Throws<InvalidInputException>(() => NepFrameGenerator.FromFile(TinyModel(), Sources(), settings));
        Assert.Equal(field, error.Field);
    }

    [Theory]
    [InlineData("2,1")]
    [InlineData("2,1,1,1")]
    [InlineData("0,1,1")]
    [InlineData("2,x,1")]
    [InlineData("-1,1,1")]
    [InlineData("")]
    public void A_supercell_that_is_not_three_positive_integers_should_name_supercell(string text)
    {
        var error = Assert.Throws<InvalidInputException>(() => NepFrameSettings.ParseSupercell(text));
        Assert.Equal("--supercell", error.Field);
        Assert.Contains("three positive integers", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_supercell_should_parse_with_spaces()
    {
        Assert.Equal((2, 3, 1), NepFrameSettings.ParseSupercell("2, 3 ,1"));
    }

    [Fact]
    public void A_missing_source_file_should_name_from_and_the_file()
    {
        var missing = PathOf("missing.xyz");
        var error = Assert.Throws<InvalidInputException>(() => NepFrameGenerator.FromFile(TinyModel(), missing, Settings()));
        Assert.Equal("--from", error.Field);
        Assert.Contains(missing, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_species_the_model_lacks_should_name_the_file_frame_and_species()
    {
        var sources = Sources(species: "Ge");
        var error = Assert.Throws<InvalidInputException>(() => NepFrameGenerator.FromFile(TinyModel(), sources, Settings()));
        Assert.Equal(sources, error.File);
        Assert.Contains("frame 0", error.Message, StringComparison.Ordinal);
        Assert.Contains("'Ge'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_cancelled_run_should_leave_no_file_behind()
    {
        var generator = NepFrameGenerator.FromFile(TinyModel(), Sources(), Settings(count: 50));
        var path = PathOf("cancelled.xyz");
        using var cancel = new CancellationTokenSource();
        var progress = new Recorder(fraction =>
        {
            if (fraction >= 0.1)
            {
                cancel.Cancel();
            }
        });

        Assert.ThrowsAny<OperationCanceledException>(() => generator.Write(path, progress, cancel.Token));

        Assert.Equal(["nep.txt", "sources.xyz"], Directory.GetFiles(_root).Select(Path.GetFileName).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Frames_from_the_shared_PbTe_model_should_stay_near_its_training_energies()
    {
        var model = NepModel.Read(SharedData.Require("pbte_nep4/nep.txt"));
        var sources = ExtendedXyzReader.Read(SharedData.Require("pbte_nep4/train.xyz")).Take(2).ToList();
        var from = PathOf("pbte.xyz");
        ExtendedXyzWriter.WriteFile(from, sources);
        var path = PathOf("pbte-frames.xyz");

        var summary = NepFrameGenerator.FromFile(model, from, Settings(count: 4, rattle: 0.02, strain: 0.005, threads: 2)).Write(path);

        var frames = ExtendedXyzReader.Read(path).ToList();
        Assert.Equal(4, frames.Count);
        Assert.Equal(4L * sources[0].AtomCount, summary.Atoms);
        var calculator = new NepCalculator(model);
        for (var k = 0; k < frames.Count; k++)
        {
            var expected = calculator.Compute(NepStructure.FromFrame(frames[k], model));
            Assert.Equal(expected.Energy, frames[k].Energy!.Value, 1e-9);
            // A small rattle and strain of a structure the model was trained on: the energy per atom moves by meV, far below 50 meV.
            var reference = sources[k % 2].Energy!.Value / sources[k % 2].AtomCount;
            Assert.Equal(reference, frames[k].Energy!.Value / frames[k].AtomCount, 0.05);
        }
    }

    private static double[] Multiply(double[] rows, double[] f)
    {
        var result = new double[rows.Length];
        for (var r = 0; r < rows.Length; r += 3)
        {
            for (var j = 0; j < 3; j++)
            {
                result[r + j] = (rows[r] * f[j]) + (rows[r + 1] * f[3 + j]) + (rows[r + 2] * f[6 + j]);
            }
        }
        return result;
    }

    private static double[] Inverse(double[] h)
    {
        var det = (h[0] * ((h[4] * h[8]) - (h[5] * h[7]))) - (h[1] * ((h[3] * h[8]) - (h[5] * h[6]))) + (h[2] * ((h[3] * h[7]) - (h[4] * h[6])));
        return
        [
            ((h[4] * h[8]) - (h[5] * h[7])) / det, ((h[2] * h[7]) - (h[1] * h[8])) / det, ((h[1] * h[5]) - (h[2] * h[4])) / det,
            ((h[5] * h[6]) - (h[3] * h[8])) / det, ((h[0] * h[8]) - (h[2] * h[6])) / det, ((h[2] * h[3]) - (h[0] * h[5])) / det,
            ((h[3] * h[7]) - (h[4] * h[6])) / det, ((h[1] * h[6]) - (h[0] * h[7])) / det, ((h[0] * h[4]) - (h[1] * h[3])) / det,
        ];
    }

    /// <summary>Reports synchronously (unlike <see cref="Progress{T}"/>, which posts to the thread pool).</summary>
    private sealed class Recorder(Action<double> report) : IProgress<double>
    {
        public void Report(double value) => report(value);
    }
}
