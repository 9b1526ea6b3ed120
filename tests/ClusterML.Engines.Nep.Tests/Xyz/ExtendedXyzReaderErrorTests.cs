using ClusterML.Core.Validation;
using ClusterML.Engines.Nep.Xyz;

namespace ClusterML.Engines.Nep.Tests.Xyz;

public sealed class ExtendedXyzReaderErrorTests
{
    // Lines 1-4 are a good frame 0, so the bad frame 1 starts on line 5 and its comment line is line 6.
    private const string GoodFrame = "2\nlattice=\"4 0 0 0 5 0 0 0 6\" energy=-1.5 properties=species:S:1:pos:R:3:force:R:3\n"
        + "Si 0 0 0 0.1 0.2 0.3\nO 1 1 1 -0.1 -0.2 -0.3\n";

    private const string Cell = "lattice=\"4 0 0 0 5 0 0 0 6\"";
    private const string Props = "properties=species:S:1:pos:R:3:force:R:3";
    private const string Atoms = "Si 0 0 0 0.1 0.2 0.3\nO 1 1 1 -0.1 -0.2 -0.3\n";

    public static TheoryData<string, string, int, string> BadFrames => new()
    {
        { "abc\n", "atom count", 5, "'abc' is not a positive whole number of atoms" },
        { "0\n", "atom count", 5, "'0' is not a positive whole number of atoms" },
        { "-3\n", "atom count", 5, "'-3' is not a positive whole number" },
        { "2 atoms\n", "atom count", 5, "'2 atoms' is not a positive whole number" },
        { $"2\nenergy=1 {Props}\n{Atoms}", "lattice", 6, "is missing" },
        { $"2\n{Cell} energy=1\n{Atoms}", "properties", 6, "is missing" },
        { $"2\n{Cell} properties=pos:R:3:force:R:3\n0 0 0 1 1 1\n0 0 0 1 1 1\n", "species", 6, "declare no species" },
        { $"2\n{Cell} properties=species:S:1:force:R:3\n{Atoms}", "pos", 6, "declare no pos" },
        { $"2\nlattice=\"4 0 0 0 5 0 0 0\" {Props}\n{Atoms}", "lattice", 6, "needs 9 numbers, got 8" },
        { $"2\n{Cell} virial=\"1 2 3 4 5 6\" {Props}\n{Atoms}", "virial", 6, "needs 9 numbers, got 6" },
        { $"2\n{Cell} stress=\"1 2 3 4 5\" {Props}\n{Atoms}", "stress", 6, "needs 9 numbers, got 5" },
        { $"2\n{Cell} energy=\"1 2\" {Props}\n{Atoms}", "energy", 6, "needs 1 number, got 2" },
        { $"2\n{Cell} energy=abc {Props}\n{Atoms}", "energy", 6, "'abc' is not a finite number" },
        { $"2\n{Cell} energy=NaN {Props}\n{Atoms}", "energy", 6, "'NaN' is not a finite number" },
        { $"2\n{Cell} energy=1e400 {Props}\n{Atoms}", "energy", 6, "'1e400' is not a finite number" },
        { $"2\n{Cell} energy=1,5 {Props}\n{Atoms}", "energy", 6, "'1,5' is not a finite number" },
        { $"2\nlattice=\"4 0 0 0 x 0 0 0 6\" {Props}\n{Atoms}", "lattice", 6, "'x' is not a finite number" },
        { $"2\n{Cell} {Props}\nSi 0 0 0 0.1 0.2 0.3\nO 1 y 1 -0.1 -0.2 -0.3\n", "pos", 8, "'y' is not a finite number (frame 1, atom 2 of 2)" },
        { $"2\n{Cell} {Props}\nSi 0 0 0 0.1 inf 0.3\n{Atoms}", "force", 7, "'inf' is not a finite number (frame 1, atom 1 of 2)" },
        { $"2\n{Cell} {Props}\nSi 0 0 0 0.1 0.2 0.3\nO 1 1 1 -0.1 -0.2\n", "properties", 8, "atom 2 of 2 has 6 columns but the properties declare 7" },
        { $"2\n{Cell} {Props}\nSi 0 0 0 0.1 0.2 0.3 9\n{Atoms}", "properties", 7, "atom 1 of 2 has 8 columns" },
        { $"2\n{Cell} {Props}\nSi 0 0 0 0.1 0.2 0.3\n", "frame 1", 8, "the file ends after 1 of 2 atom lines" },
        { $"2\n{Cell} {Props}\n", "frame 1", 7, "the file ends after 0 of 2 atom lines" },
        { "2\n", "frame 1", 6, "the file ends after the atom count" },
        { $"2\n{Cell} weight=0 {Props}\n{Atoms}", "weight", 6, "must be > 0, got 0" },
        { $"2\n{Cell} weight=-1 {Props}\n{Atoms}", "weight", 6, "must be > 0, got -1" },
        { $"2\nlattice=\"1 0 0 2 0 0 0 0 1\" stress=\"1 0 0 0 1 0 0 0 1\" {Props}\n{Atoms}", "stress", 6, "zero volume" },
        { $"2\nlattice=\"4 0 0 0 5 0 0 0 6 {Props}\n{Atoms}", "lattice", 6, "no closing quote" },
        { $"2\n{Cell} energy=1 Energy=2 {Props}\n{Atoms}", "Energy", 6, "is given twice" },
        { $"2\n{Cell} properties=species:S:1:pos:X:3\n{Atoms}", "properties", 6, "has type 'X'" },
        { $"2\n{Cell} properties=species:S:1:pos:R:0\n{Atoms}", "properties", 6, "has width '0'" },
        { $"2\n{Cell} properties=species:S:1:pos:R\n{Atoms}", "properties", 6, "is not a list of name:type:width triples" },
        { $"2\n{Cell} properties=species:S:1:pos:R:3:force:R:1\n{Atoms}", "properties", 6, "expected force:R:3" },
        { $"2\n{Cell} properties=species:S:1:pos:R:3:force:R:3:forces:R:3\n{Atoms}", "properties", 6, "twice" },
        { $"2\n{Cell} = {Props}\n{Atoms}", "comment line", 6, "'=' without a key" },
    };

    [Theory]
    [MemberData(nameof(BadFrames))]
    public void Bad_input_should_name_the_file_line_field_and_frame(string badFrame, string field, int line, string problem)
    {
        var error = Assert.Throws<InvalidInputException>(() => XyzAssert.ReadText(GoodFrame + badFrame, "bad.xyz"));

        Assert.Equal("bad.xyz", error.File);
        Assert.Equal(line, error.Line);
        Assert.Equal(field, error.Field);
        Assert.Contains(problem, error.Problem, StringComparison.Ordinal);
        Assert.Contains("frame 1", error.Problem, StringComparison.Ordinal);
        Assert.StartsWith($"bad.xyz:{line}: {field}: ", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Frames_before_a_bad_frame_should_be_delivered_before_the_error()
    {
        var delivered = new List<XyzFrame>();

        var error = Assert.Throws<InvalidInputException>(() =>
        {
            foreach (var frame in ExtendedXyzReader.Read(new StringReader(GoodFrame + "oops\n"), "bad.xyz"))
            {
                delivered.Add(frame);
            }
        });

        Assert.Single(delivered);
        Assert.Equal(5, error.Line);
    }

    [Fact]
    public void Errors_reading_a_file_should_name_the_path()
    {
        var path = Path.Combine(Path.GetTempPath(), $"xyz-bad-{Guid.NewGuid():N}.xyz");
        File.WriteAllText(path, "1\nenergy=1 properties=species:S:1:pos:R:3\nSi 0 0 0\n");
        try
        {
            var error = Assert.Throws<InvalidInputException>(() => ExtendedXyzReader.Read(path).ToList());

            Assert.Equal(path, error.File);
            Assert.Equal(2, error.Line);
            Assert.Equal("lattice", error.Field);
            Assert.Contains("frame 0", error.Problem, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void A_stress_on_a_zero_volume_cell_should_be_accepted_when_a_virial_is_given()
    {
        var frame = XyzAssert.ReadSingle(
            "1\nlattice=\"1 0 0 2 0 0 0 0 1\" stress=\"1 0 0 0 1 0 0 0 1\" virial=\"1 0 0 0 1 0 0 0 1\" properties=species:S:1:pos:R:3\nSi 0 0 0\n");

        Assert.Equal(0.0, frame.Volume);
        Assert.Equal(1.0, frame.Virial![0]);
    }
}
