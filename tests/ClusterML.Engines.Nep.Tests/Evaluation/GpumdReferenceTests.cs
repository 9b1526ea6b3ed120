using ClusterML.Engines.Nep.Evaluation;
using ClusterML.Engines.Nep.Model;
using ClusterML.Engines.Nep.Structures;
using ClusterML.Engines.Nep.Xyz;

namespace ClusterML.Engines.Nep.Tests.Evaluation;

/// <summary>
/// The PbTe NEP4 model on its 25 training frames against GPUMD's own predictions (energy_train.out, force_train.out,
/// virial_train.out), which GPUMD computes in float32 and prints with 6 significant digits.
/// </summary>
public sealed class GpumdReferenceTests
{
    [Fact]
    public void PbTe_nep4_should_reproduce_GPUMDs_training_predictions_within_float32_agreement()
    {
        var model = NepModel.Read(SharedData.Require("pbte_nep4/nep.txt"));
        var frames = ExtendedXyzReader.Read(SharedData.Require("pbte_nep4/train.xyz")).ToArray();
        var energies = SharedData.Table(SharedData.Require("pbte_nep4/energy_train.out"));
        var forces = SharedData.Table(SharedData.Require("pbte_nep4/force_train.out"));
        var virials = SharedData.Table(SharedData.Require("pbte_nep4/virial_train.out"));
        Assert.Equal(25, frames.Length);
        var calculator = new NepCalculator(model);
        double worstE = 0, worstF = 0, worstW = 0;
        var row = 0;
        for (var f = 0; f < frames.Length; f++)
        {
            var structure = NepStructure.FromFrame(frames[f], model);
            var result = calculator.Compute(structure, new NepOptions(Threads: 2));
            var n = structure.Count;
            worstE = Math.Max(worstE, Math.Abs((result.Energy / n) - energies[f][0]));
            for (var i = 0; i < n; i++, row++)
            {
                for (var d = 0; d < 3; d++)
                {
                    worstF = Math.Max(worstF, Math.Abs(result.Forces[(3 * i) + d] - forces[row][d]));
                }
            }
            // virial_train.out: per atom, xx yy zz xy yz zx (predictions first).
            int[] order = [0, 4, 8, 1, 5, 6];
            for (var k = 0; k < 6; k++)
            {
                worstW = Math.Max(worstW, Math.Abs((result.Virial[order[k]] / n) - virials[f][k]));
            }
        }
        Assert.Equal(forces.Length, row);
        Assert.True(worstE < 1e-5, $"energy per atom differs by {worstE:E2} eV");
        Assert.True(worstF < 5e-5, $"forces differ by {worstF:E2} eV/Å");
        Assert.True(worstW < 1e-5, $"virial per atom differs by {worstW:E2} eV");
    }
}
