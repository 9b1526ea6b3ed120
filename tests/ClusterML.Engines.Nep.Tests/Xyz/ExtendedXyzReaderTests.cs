using ClusterML.Engines.Nep.Xyz;

namespace ClusterML.Engines.Nep.Tests.Xyz;

public sealed class ExtendedXyzReaderTests
{
    [Fact]
    public void A_gpumd_frame_should_give_cell_species_positions_forces_and_energy()
    {
        const string text = """
            2
            energy=-937.191 config_type=nep2xyz pbc="T T T" Lattice="0.0 16.42598 16.42598 16.42598 0.0 16.42598 16.42598 16.42598 0.0" Properties=species:S:1:pos:R:3:force:R:3
            Te 3.391217 3.024926 3.37478 0.07834588 0.3368932 -0.1323393
            Pb 3.111386 6.409187 6.132068 0.2087532 0.8042674 0.5025407
            """;

        var frame = XyzAssert.ReadSingle(text);

        Assert.Equal(0, frame.Index);
        Assert.Equal([0.0, 16.42598, 16.42598, 16.42598, 0.0, 16.42598, 16.42598, 16.42598, 0.0], frame.Cell);
        Assert.Equal(["Te", "Pb"], frame.Species);
        Assert.Equal([3.391217, 3.024926, 3.37478, 3.111386, 6.409187, 6.132068], frame.Positions);
        Assert.Equal([0.07834588, 0.3368932, -0.1323393, 0.2087532, 0.8042674, 0.5025407], frame.Forces!);
        Assert.Equal(-937.191, frame.Energy);
        Assert.Null(frame.Virial);
        Assert.Equal(1.0, frame.Weight);
        Assert.Equal(["config_type", "pbc"], frame.Extra.Keys);
        Assert.Equal("T T T", frame.Extra["pbc"]);
        Assert.Equal(2 * Math.Pow(16.42598, 3), frame.Volume, 1e-9);
    }

    [Fact]
    public void Keys_should_ignore_case_allow_spaces_around_equals_and_keep_their_spelling()
    {
        const string text = "1\n"
            + "  LATTICE = \"3 0 0 0 3 0 0 0 3\"  Energy= -2.5 WEIGHT =\"2\" Config_Type = \"bulk water\" Virial=\"1 2 3 4 5 6 7 8 9\" "
            + "Properties = SPECIES:s:1:Pos:r:3:FORCE:R:3 \n"
            + "H 0.5 0.5 0.5 1 2 3\n";

        var frame = XyzAssert.ReadSingle(text);

        Assert.Equal([3.0, 0, 0, 0, 3, 0, 0, 0, 3], frame.Cell);
        Assert.Equal(-2.5, frame.Energy);
        Assert.Equal(2.0, frame.Weight);
        Assert.Equal([1.0, 2, 3, 4, 5, 6, 7, 8, 9], frame.Virial!);
        Assert.Equal([1.0, 2, 3], frame.Forces!);
        Assert.Equal("Config_Type", Assert.Single(frame.Extra.Keys));
        Assert.Equal("bulk water", frame.Extra["config_type"]);
    }

    [Theory]
    [InlineData("force")]
    [InlineData("forces")]
    [InlineData("Forces")]
    [InlineData("FORCE")]
    public void Force_and_forces_should_both_name_the_force_column(string name)
    {
        var text = $"1\nlattice=\"3 0 0 0 3 0 0 0 3\" properties=species:S:1:pos:R:3:{name}:R:3\nSi 0 0 0 -1 0.5 2\n";

        Assert.Equal([-1.0, 0.5, 2], XyzAssert.ReadSingle(text).Forces!);
    }

    [Fact]
    public void A_frame_without_a_force_column_or_energy_should_have_neither()
    {
        var frame = XyzAssert.ReadSingle("1\nlattice=\"3 0 0 0 3 0 0 0 3\" properties=species:S:1:pos:R:3\nSi 0 0 0\n");

        Assert.Null(frame.Forces);
        Assert.Null(frame.Energy);
        Assert.Null(frame.Virial);
        Assert.Empty(frame.Extra);
    }

    [Theory]
    [InlineData("species:S:1:pos:R:3:mass:R:1:force:R:3", "Si 1 2 3 28.08 4 5 6")]
    [InlineData("tag:I:1:species:S:1:fixed:L:3:pos:R:3:label:S:2:force:R:3:energies:R:1", "7 Si T F T 1 2 3 a b 4 5 6 -0.5")]
    [InlineData("force:R:3:pos:R:3:species:S:1", "4 5 6 1 2 3 Si")]
    public void Unknown_columns_should_be_skipped_by_their_width(string properties, string atomLine)
    {
        var text = $"1\nlattice=\"3 0 0 0 3 0 0 0 3\" properties={properties}\n{atomLine}\n";

        var frame = XyzAssert.ReadSingle(text);

        Assert.Equal(["Si"], frame.Species);
        Assert.Equal([1.0, 2, 3], frame.Positions);
        Assert.Equal([4.0, 5, 6], frame.Forces!);
    }

    [Fact]
    public void A_stress_should_become_minus_stress_times_the_cell_volume()
    {
        // a = (2,0,0), b = (0,3,0), c = (1,1,4): b x c = (12, 0, -3), a . (b x c) = 24 A^3.
        const string text = "1\nlattice=\"2 0 0 0 3 0 1 1 4\" stress=\"0.01 0.002 0 0.002 -0.02 0.001 0 0.001 0.03\" "
            + "properties=species:S:1:pos:R:3\nSi 0 0 0\n";
        double[] expected = [-0.24, -0.048, 0, -0.048, 0.48, -0.024, 0, -0.024, -0.72];

        var frame = XyzAssert.ReadSingle(text);

        Assert.Equal(24.0, frame.Volume, 1e-12);
        Assert.NotNull(frame.Virial);
        for (var k = 0; k < 9; k++)
        {
            Assert.Equal(expected[k], frame.Virial[k], 1e-14);
        }
    }

    [Fact]
    public void A_left_handed_cell_should_use_the_absolute_volume_for_the_stress()
    {
        const string text = "1\nlattice=\"0 3 0 2 0 0 1 1 4\" stress=\"1 0 0 0 1 0 0 0 1\" properties=species:S:1:pos:R:3\nSi 0 0 0\n";

        var frame = XyzAssert.ReadSingle(text);

        Assert.Equal(24.0, frame.Volume, 1e-12);
        Assert.Equal(-24.0, frame.Virial![0], 1e-12);
    }

    [Fact]
    public void A_virial_should_win_over_a_stress()
    {
        const string text = "1\nStress=\"1 1 1 1 1 1 1 1 1\" lattice=\"3 0 0 0 3 0 0 0 3\" virial=\"9 8 7 6 5 4 3 2 1\" "
            + "properties=species:S:1:pos:R:3\nSi 0 0 0\n";

        var frame = XyzAssert.ReadSingle(text);

        Assert.Equal([9.0, 8, 7, 6, 5, 4, 3, 2, 1], frame.Virial!);
        Assert.DoesNotContain(frame.Extra.Keys, k => k.Equals("stress", StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public void Frames_should_be_numbered_and_blank_lines_tabs_and_crlf_tolerated()
    {
        const string text = "\r\n1\r\nlattice=\"3 0 0 0 3 0 0 0 3\"\tenergy=1 properties=species:S:1:pos:R:3\r\nSi\t0 0\t0\r\n\r\n"
            + "1\r\nlattice=\"3 0 0 0 3 0 0 0 3\" energy=\"2\" properties=species:S:1:pos:R:3\r\nO 1 1 1\r\n\r\n\r\n";

        var frames = XyzAssert.ReadText(text);

        Assert.Equal([0, 1], frames.Select(f => f.Index));
        Assert.Equal([1.0, 2.0], frames.Select(f => f.Energy!.Value));
        Assert.Equal(["Si", "O"], frames.Select(f => f.Species[0]));
    }

    [Fact]
    public void A_bare_key_should_be_kept_with_an_empty_value()
    {
        var frame = XyzAssert.ReadSingle("1\nlattice=\"3 0 0 0 3 0 0 0 3\" relaxed properties=species:S:1:pos:R:3\nSi 0 0 0\n");

        Assert.Equal(string.Empty, frame.Extra["relaxed"]);
    }

    [Fact]
    public void Frames_with_more_atoms_than_the_initial_buffer_should_read_completely()
    {
        const int atoms = 10_000;
        var builder = new System.Text.StringBuilder();
        builder.Append(atoms).Append("\nlattice=\"50 0 0 0 50 0 0 0 50\" properties=species:S:1:pos:R:3:forces:R:3\n");
        for (var i = 0; i < atoms; i++)
        {
            builder.Append(i % 2 == 0 ? "Te " : "Pb ").Append(i).Append(" 0 0 0 0 ").Append(-i).Append('\n');
        }

        var frame = XyzAssert.ReadSingle(builder.ToString());

        Assert.Equal(atoms, frame.AtomCount);
        Assert.Equal(3 * atoms, frame.Positions.Length);
        Assert.Equal(atoms - 1.0, frame.Positions[3 * (atoms - 1)]);
        Assert.Equal(1.0 - atoms, frame.Forces![(3 * atoms) - 1]);
        Assert.Equal("Pb", frame.Species[^1]);
    }
}
