using ClusterML.Engines.Nep.Evaluation;
using ClusterML.Engines.Nep.Model;
using ClusterML.Engines.Nep.Structures;
using ClusterML.Engines.Nep.Tests.Evaluation;
using ClusterML.Engines.Nep.Torch;
using TorchSharp;
using static TorchSharp.torch;

namespace ClusterML.Engines.Nep.Tests.Torch;

/// <summary>The TorchSharp implementation (batches, autograd forces) against the double-precision reference.</summary>
[Collection("Torch")]
public sealed class NepTorchTests
{
    [Theory]
    [MemberData(nameof(NepPhysicsTests.Models), MemberType = typeof(NepPhysicsTests))]
    public void A_batch_should_match_the_reference_evaluator_to_1e_10(string relative)
    {
        var model = NepModel.Read(SharedData.Require(relative));
        NepStructure[] structures = [NepPhysicsTests.Rattled(model, 11), NepPhysicsTests.Rattled(model, 12, scale: 1.04)];
        var calculator = new NepCalculator(model);
        using var scope = NewDisposeScope();
        using var torchModel = new NepTorchModel(model);
        using var batch = NepBatch.Build(structures, model);
        var output = torchModel.Evaluate(batch, forces: true);
        var energies = output.Energies.data<double>().ToArray();
        var forces = output.Forces!.data<double>().ToArray();
        var virials = output.Virials!.data<double>().ToArray();
        var descriptors = output.Descriptors.data<double>().ToArray();
        var atomOffset = 0;
        for (var s = 0; s < structures.Length; s++)
        {
            var reference = calculator.Compute(structures[s], new NepOptions(Descriptors: true));
            Assert.Equal(reference.Energy, energies[s], 1e-10);
            for (var k = 0; k < 9; k++)
            {
                Assert.Equal(reference.Virial[k], virials[(9 * s) + k], 1e-10);
            }
            for (var k = 0; k < reference.Forces.Length; k++)
            {
                Assert.Equal(reference.Forces[k], forces[(3 * atomOffset) + k], 1e-10);
            }
            for (var k = 0; k < reference.Descriptors!.Length; k++)
            {
                Assert.Equal(reference.Descriptors[k], descriptors[(atomOffset * model.Dimension) + k], 1e-10);
            }
            atomOffset += structures[s].Count;
        }
    }

    [Fact]
    public void The_parameters_should_export_back_to_the_same_model()
    {
        var model = NepModel.Read(SharedData.Require("pbte_nep4/nep.txt"));
        using var torchModel = new NepTorchModel(model);
        var back = torchModel.ToModel();
        Assert.Equal(model.Parameters, back.Parameters);
        Assert.Equal(model.QScaler, back.QScaler);
    }
}
