using ClusterML.Engines.Nep.Active;
using ClusterML.Engines.Nep.Evaluation;
using ClusterML.Engines.Nep.Model;
using ClusterML.Engines.Nep.Tests.Training;
using ClusterML.Engines.Nep.Training;

namespace ClusterML.Engines.Nep.Tests.Active;

public sealed class NepOracleLabellerTests
{
    [Fact]
    public void Relabelled_PbTe_frames_should_carry_the_teachers_energy_forces_and_virial()
    {
        var teacher = NepModel.Read(SharedData.Require("pbte_nep4/nep.txt"));
        var frames = NepDataset.Read(SharedData.Require("pbte_nep4/train.xyz"), teacher, "train").Take(2).ToArray();
        var oracle = new NepOracleLabeller(teacher);
        var calculator = new NepCalculator(teacher);
        foreach (var frame in frames)
        {
            var labelled = oracle.Relabel(frame with { Weight = 2 });
            var reference = calculator.Compute(frame.Structure);
            Assert.Equal(frame.Index, labelled.Index);
            Assert.Same(frame.Structure, labelled.Structure);
            Assert.Equal(2, labelled.Weight);
            Assert.Equal(reference.Energy, labelled.Energy, 1e-9);
            Assert.Equal(reference.Virial, labelled.Virial!, new Tolerance(1e-9));
            Assert.Equal(reference.Forces, labelled.Forces, new Tolerance(1e-9));
            // The labels really were replaced: train.xyz holds DFT forces, ~40 meV/Å RMS away from the teacher's (GPUMD's fit).
            var rms = Math.Sqrt(frame.Forces.Zip(labelled.Forces, (a, b) => (a - b) * (a - b)).Average());
            Assert.InRange(rms, 0.01, 0.1);
        }
    }

    [Fact]
    public void Labelling_a_list_should_not_depend_on_the_thread_count()
    {
        var structures = MorseFrames.Make(6, 9).Select(f => f.Structure).ToArray();
        var oracle = new NepOracleLabeller(ActiveFixtures.Teacher);
        var one = oracle.Label(structures, threads: 1);
        var two = oracle.Label(structures, threads: 2);
        for (var f = 0; f < structures.Length; f++)
        {
            Assert.Equal(f, two[f].Index);
            Assert.Equal(one[f].Energy, two[f].Energy);
            Assert.Equal(one[f].Forces, two[f].Forces);
        }
    }

    private sealed class Tolerance(double tolerance) : IEqualityComparer<double>
    {
        public bool Equals(double x, double y) => Math.Abs(x - y) <= tolerance;

        public int GetHashCode(double obj) => 0;
    }
}
