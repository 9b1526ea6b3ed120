using ClusterML.Engines.Nep.Xyz;

namespace ClusterML.Engines.Nep.Tests.Xyz;

public sealed class ExtendedXyzRoundTripTests
{
    private static readonly double[] Awkward =
    [
        -0.0, double.Epsilon, double.MaxValue, double.MinValue, 0.1, 1.0 / 3.0, 0.1 + 0.2, 1e-310, -2.2250738585072014E-308,
        123456789.123456789, -9.87654321e-200, 4.9406564584124654E-324,
    ];

    [Fact]
    public void Written_frames_should_read_back_bit_identical()
    {
        var frames = SampleFrames();

        var read = XyzAssert.ReadText(XyzAssert.WriteText(frames));

        Assert.Equal(frames.Count, read.Count);
        for (var i = 0; i < frames.Count; i++)
        {
            XyzAssert.SameFrame(frames[i], read[i]);
        }
    }

    [Fact]
    public void Frames_written_to_a_file_should_read_back_bit_identical_from_the_file()
    {
        var frames = SampleFrames();
        var path = Path.Combine(Path.GetTempPath(), $"xyz-roundtrip-{Guid.NewGuid():N}.xyz");
        try
        {
            Assert.Equal(frames.Count, ExtendedXyzWriter.WriteFile(path, frames));

            var read = ExtendedXyzReader.Read(path).ToList();

            Assert.Equal(frames.Count, read.Count);
            for (var i = 0; i < frames.Count; i++)
            {
                XyzAssert.SameFrame(frames[i], read[i]);
            }
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void The_writer_should_use_gpumd_names_and_omit_a_unit_weight()
    {
        var frame = new XyzFrame(0, [3, 0, 0, 0, 3, 0, 0, 0, 3], ["Si"], [0.5, 0.25, 0], forces: [1, 2, 3], energy: -4.5);

        var lines = XyzAssert.WriteText([frame]).Split('\n');

        Assert.Equal("1", lines[0]);
        Assert.Equal("lattice=\"3 0 0 0 3 0 0 0 3\" energy=-4.5 properties=species:S:1:pos:R:3:forces:R:3", lines[1]);
        Assert.Equal("Si 0.5 0.25 0 1 2 3", lines[2]);
        Assert.Equal(string.Empty, lines[3]);
        Assert.Equal(4, lines.Length);
    }

    [Fact]
    public void The_writer_should_write_the_weight_virial_and_extras_with_quotes_where_needed()
    {
        var extra = new Dictionary<string, string> { ["Config_Type"] = "bulk", ["pbc"] = "T T T", ["flag"] = string.Empty };
        var frame = new XyzFrame(0, [3, 0, 0, 0, 3, 0, 0, 0, 3], ["Si"], [0, 0, 0], virial: [1, 2, 3, 4, 5, 6, 7, 8, 9], weight: 0.5, extra: extra);

        var comment = XyzAssert.WriteText([frame]).Split('\n')[1];

        Assert.Equal(
            "lattice=\"3 0 0 0 3 0 0 0 3\" virial=\"1 2 3 4 5 6 7 8 9\" weight=0.5 Config_Type=bulk pbc=\"T T T\" flag=\"\" properties=species:S:1:pos:R:3",
            comment);
    }

    [Fact]
    public void Extra_per_atom_columns_should_be_declared_written_and_skipped_on_reading()
    {
        var frame = new XyzFrame(0, [3, 0, 0, 0, 3, 0, 0, 0, 3], ["Si", "O"], [0, 0, 0, 1, 1, 1], forces: [1, 2, 3, 4, 5, 6], energy: -1);
        XyzAtomColumn[] columns =
        [
            new("energies", 1, [-0.25, -0.75]),
            new("descriptor", 2, [0.1, 0.2, 0.3, 0.4]),
        ];
        var writer = new StringWriter();

        ExtendedXyzWriter.Write(writer, frame, columns);

        var lines = writer.ToString().Split('\n');
        Assert.EndsWith("properties=species:S:1:pos:R:3:forces:R:3:energies:R:1:descriptor:R:2", lines[1], StringComparison.Ordinal);
        Assert.Equal("Si 0 0 0 1 2 3 -0.25 0.1 0.2", lines[2]);
        Assert.Equal("O 1 1 1 4 5 6 -0.75 0.3 0.4", lines[3]);
        XyzAssert.SameFrame(frame, XyzAssert.ReadSingle(writer.ToString()));
    }

    [Fact]
    public void The_file_helper_should_ask_for_the_extra_columns_of_each_frame()
    {
        var frames = SampleFrames();
        var path = Path.Combine(Path.GetTempPath(), $"xyz-columns-{Guid.NewGuid():N}.xyz");
        try
        {
            ExtendedXyzWriter.WriteFile(path, frames, f => [new XyzAtomColumn("energies", 1, new double[f.AtomCount])]);

            var text = File.ReadAllText(path);
            Assert.Equal(frames.Count, text.Split('\n').Count(l => l.Contains(":energies:R:1", StringComparison.Ordinal)));
            var read = ExtendedXyzReader.Read(path).ToList();
            for (var i = 0; i < frames.Count; i++)
            {
                XyzAssert.SameFrame(frames[i], read[i]);
            }
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void The_writer_should_reject_a_column_of_the_wrong_length_or_a_duplicate_name()
    {
        var frame = new XyzFrame(0, [3, 0, 0, 0, 3, 0, 0, 0, 3], ["Si", "O"], [0, 0, 0, 1, 1, 1]);

        Assert.Throws<ArgumentException>(() => ExtendedXyzWriter.Write(new StringWriter(), frame, [new XyzAtomColumn("e", 1, [1.0])]));
        Assert.Throws<ArgumentException>(() => ExtendedXyzWriter.Write(
            new StringWriter(), frame, [new XyzAtomColumn("e", 1, [1.0, 2.0]), new XyzAtomColumn("E", 1, [1.0, 2.0])]));
        Assert.Throws<ArgumentException>(() => new XyzAtomColumn("forces", 3, new double[6]));
        Assert.Throws<ArgumentException>(() => new XyzAtomColumn("a:b", 1, new double[2]));
        Assert.Throws<ArgumentException>(() => new XyzAtomColumn("e", 1, [double.NaN]));
    }

    [Fact]
    public void A_frame_should_reject_wrong_sizes_reserved_extra_keys_and_bad_weights()
    {
        double[] cell = [3, 0, 0, 0, 3, 0, 0, 0, 3];

        Assert.Throws<ArgumentException>(() => new XyzFrame(0, [1, 2, 3], ["Si"], [0, 0, 0]));
        Assert.Throws<ArgumentException>(() => new XyzFrame(0, cell, ["Si"], [0, 0]));
        Assert.Throws<ArgumentException>(() => new XyzFrame(0, cell, ["Si"], [0, 0, 0], forces: [1, 2]));
        Assert.Throws<ArgumentException>(() => new XyzFrame(0, cell, ["Si"], [0, 0, 0], virial: [1, 2, 3]));
        Assert.Throws<ArgumentException>(() => new XyzFrame(0, cell, ["Si"], [0, 0, 0], weight: 0));
        Assert.Throws<ArgumentException>(() => new XyzFrame(0, cell, ["Si"], [0, 0, 0], energy: double.NaN));
        Assert.Throws<ArgumentException>(() => new XyzFrame(0, cell, ["S i"], [0, 0, 0]));
        Assert.Throws<ArgumentException>(() => new XyzFrame(
            0, cell, ["Si"], [0, 0, 0], extra: new Dictionary<string, string> { ["Energy"] = "1" }));
        Assert.Throws<ArgumentException>(() => new XyzFrame(
            0, cell, ["Si"], [0, 0, 0], extra: new Dictionary<string, string> { ["note"] = "say \"hi\"" }));
    }

    [Fact]
    public void The_frame_should_copy_its_inputs()
    {
        double[] positions = [0, 0, 0];
        var frame = new XyzFrame(0, [3, 0, 0, 0, 3, 0, 0, 0, 3], ["Si"], positions);

        positions[0] = 42;

        Assert.Equal(0.0, frame.Positions[0]);
    }

    private static List<XyzFrame> SampleFrames()
    {
        var random = new Random(1234);
        double Next(int k) => k % 5 == 0 ? Awkward[random.Next(Awkward.Length)] : (random.NextDouble() - 0.5) * Math.Pow(10, random.Next(-8, 9));
        double[] Numbers(int n) => [.. Enumerable.Range(0, n).Select(Next)];

        var frames = new List<XyzFrame>
        {
            new(
                0,
                [5.43, 0, 0, 0.1, 5.43, 0, 0.2, 0.3, 5.43],
                ["Si", "Si", "C"],
                Numbers(9),
                forces: Numbers(9),
                energy: -12.345678901234567,
                virial: Numbers(9),
                weight: 0.3,
                extra: new Dictionary<string, string> { ["pbc"] = "T T F", ["Config_Type"] = "bulk", ["empty"] = string.Empty }),
            new(1, Numbers(9), ["O"], Numbers(3)),
            new(2, Numbers(9), ["H", "H"], Numbers(6), forces: Numbers(6)),
            new(3, Numbers(9), ["Te", "Pb"], Numbers(6), energy: 1.0 / 3.0, virial: Numbers(9), weight: 1e-3),
        };
        for (var i = 4; i < 20; i++)
        {
            var n = 1 + random.Next(6);
            frames.Add(new XyzFrame(i, Numbers(9), [.. Enumerable.Repeat("Pb", n)], Numbers(3 * n), Numbers(3 * n), Next(i), Numbers(9)));
        }

        return frames;
    }
}
