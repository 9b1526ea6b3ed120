using ClusterML.Engines.Nep.Evaluation;
using ClusterML.Engines.Nep.Model;

namespace ClusterML.Engines.Nep.Tests.Evaluation;

/// <summary>Against NEP_CPU's double-precision regression outputs for the PbTe NEP3 model (shared/data/nep/pbte_nep3).</summary>
public sealed class NepReferenceTests
{
    [Fact]
    public void PbTe_nep3_descriptors_forces_and_virials_should_match_NEP_CPU()
    {
        var model = NepModel.Read(SharedData.Require("pbte_nep3/nep.txt"));
        var structure = SharedData.ReadNepCpuXyz(SharedData.Require("pbte_nep3/xyz.in"), model);
        var result = new NepCalculator(model).Compute(structure, new NepOptions(PerAtomVirial: true, Descriptors: true));

        var descriptors = SharedData.Table(SharedData.Require("pbte_nep3/descriptor_ref.out"));
        var forces = SharedData.Table(SharedData.Require("pbte_nep3/force_analytical_ref.out"));
        var virials = SharedData.Table(SharedData.Require("pbte_nep3/virial_ref.out"));
        Assert.Equal(250, descriptors.Length);
        double worstQ = 0, worstF = 0, worstW = 0;
        for (var i = 0; i < 250; i++)
        {
            for (var v = 0; v < model.Dimension; v++)
            {
                worstQ = Math.Max(worstQ, Math.Abs(result.Descriptors![(i * model.Dimension) + v] - descriptors[i][v]));
            }
            for (var d = 0; d < 3; d++)
            {
                worstF = Math.Max(worstF, Math.Abs(result.Forces[(3 * i) + d] - forces[i][d]));
            }
            for (var k = 0; k < 9; k++)
            {
                worstW = Math.Max(worstW, Math.Abs(result.AtomVirials![(9 * i) + k] - virials[i][k]));
            }
        }
        Assert.True(worstQ < 1e-8, $"descriptor difference {worstQ:E2}");
        Assert.True(descriptors.Sum(row => row.Sum(Math.Abs)) > 100); // the comparison is not between zeros
        Assert.True(forces.Sum(row => row.Sum(Math.Abs)) > 10);
        Assert.True(worstF < 1e-8, $"force difference {worstF:E2}");
        Assert.True(worstW < 1e-8, $"per-atom virial difference {worstW:E2}");
    }
}
