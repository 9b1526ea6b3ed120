using ClusterML.Core.Validation;
using ClusterML.Engines.Nep.Model;
using ClusterML.Engines.Nep.Structures;
using ClusterML.Engines.Nep.Xyz;

namespace ClusterML.Engines.Nep.Tests.Xyz;

public sealed class ExtendedXyzPhysicalTests
{
    private static InvalidInputException Refused(string text) =>
        Assert.Throws<InvalidInputException>(() => ExtendedXyzReader.Read(new StringReader(text), "t.xyz", physical: true).ToList());

    [Fact]
    public void Overlapping_atoms_should_be_read_as_they_are_without_the_physical_checks_and_refused_with_them()
    {
        const string text = "2\nlattice=\"5 0 0 0 5 0 0 0 5\" properties=species:S:1:pos:R:3\nSi 1 1 1\nSi 1 1 1\n";
        Assert.Single(ExtendedXyzReader.Read(new StringReader(text), "t.xyz").ToList());
        var error = Refused(text);
        Assert.Equal(("pos", 4), (error.Field, error.Line));
        Assert.Contains("frame 0: atoms 1 and 2 are 0.0 Å apart", error.Problem, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(4.95, true)]   // 0.05 Å through the boundary of a 5 Å cell
    [InlineData(4.85, false)]  // 0.15 Å
    public void Periodic_images_should_count_as_neighbours(double x, bool refused)
    {
        var structure = new NepStructure([5, 0, 0, 0, 5, 0, 0, 0, 5], [0, 0], [0, 2, 2, x, 2, 2]);
        var pair = structure.FindCloserThan(ExtendedXyzReader.MinSeparation);
        Assert.Equal(refused, pair is not null);
        if (pair is { } p)
        {
            Assert.Equal((0, 1, true), (p.I, p.J, p.Image));
            Assert.Equal(0.05, p.Distance, 1e-12);
        }
    }

    [Fact]
    public void A_cell_thinner_than_the_minimum_separation_should_be_refused()
    {
        var error = Refused("1\nlattice=\"5 0 0 0 5 0 0 0 0.05\" properties=species:S:1:pos:R:3\nSi 1 1 0\n");
        Assert.Equal(("lattice", 2), (error.Field, error.Line));
    }

    [Fact]
    public void The_reference_gpumd_files_should_still_load_under_the_strict_reader()
    {
        foreach (var name in new[] { "pbte_nep3/nep.txt", "pbte_nep4/nep.txt", "si_nep4_5body/nep.txt" })
        {
            Assert.NotEmpty(NepModel.Read(SharedData.Require(name)).Parameters);
        }
        Assert.NotEmpty(ExtendedXyzReader.Read(SharedData.Require("pbte_nep4/train.xyz"), physical: true).ToList());
    }
}
