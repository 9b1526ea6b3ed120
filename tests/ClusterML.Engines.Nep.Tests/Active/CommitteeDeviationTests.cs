using ClusterML.Engines.Nep.Active;
using ClusterML.Engines.Nep.Evaluation;
using ClusterML.Engines.Nep.Tests.Training;

namespace ClusterML.Engines.Nep.Tests.Active;

public sealed class CommitteeDeviationTests
{
    [Fact]
    public void The_deviations_should_match_a_hand_computation()
    {
        // Two members, two atoms. Atom 0: (1,0,0) and (−1,0,0): mean 0, |dev|² = 1 and 1 → σ = 1.
        // Atom 1: (0,0,0) and (0,4,0): mean (0,2,0), |dev|² = 4 and 4 → σ = 2. Max 2, mean 1.5.
        // Energies −10 and −12 eV on 2 atoms: −5 and −6 eV/atom, population std 0.5.
        var d = CommitteeDeviation.Of(7, [[1, 0, 0, 0, 0, 0], [-1, 0, 0, 0, 4, 0]], [-10, -12], 2);
        Assert.Equal(7, d.Frame);
        Assert.Equal(2, d.MaxForce, 1e-15);
        Assert.Equal(1.5, d.MeanForce, 1e-15);
        Assert.Equal(0.5, d.EnergyPerAtom, 1e-15);

        // Three members, one atom, x components 0, 3, 6: mean 3, squared deviations 9, 0, 9 → σ = √(18/3) = √6 (1/K, as DP-GEN).
        var three = CommitteeDeviation.Of(0, [[0, 0, 0], [3, 0, 0], [6, 0, 0]], [1, 1, 1], 1);
        Assert.Equal(Math.Sqrt(6), three.MaxForce, 1e-15);
        Assert.Equal(Math.Sqrt(6), three.MeanForce, 1e-15);
        Assert.Equal(0, three.EnergyPerAtom, 1e-15);
    }

    [Fact]
    public void Bad_inputs_should_be_refused()
    {
        Assert.Throws<ArgumentException>(() => CommitteeDeviation.Of(0, [[0, 0, 0], [0, 0]], [0, 0], 1));
        Assert.Throws<ArgumentException>(() => CommitteeDeviation.Of(0, [[0, 0, 0]], [0, 0], 1));
        Assert.Throws<ArgumentException>(() => CommitteeDeviation.Of(0, [[double.NaN, 0, 0]], [0], 1));
    }

    [Fact]
    public void A_teacher_and_a_modified_copy_should_deviate_by_half_their_force_difference()
    {
        // For K = 2, σ_i = |F_ia − F_ib| / 2 and the energy deviation is |E_a − E_b| / (2N).
        var teacher = ActiveFixtures.Teacher;
        var copy = ActiveFixtures.Perturbed(teacher, 0.05);
        var structures = MorseFrames.Make(5, 3).Select(f => f.Structure).ToArray();
        var deviations = CommitteeDeviation.Compute([teacher, copy], structures, threads: 2);
        var ta = new NepCalculator(teacher);
        var tb = new NepCalculator(copy);
        for (var f = 0; f < structures.Length; f++)
        {
            var (a, b) = (ta.Compute(structures[f]), tb.Compute(structures[f]));
            var n = structures[f].Count;
            var sigma = Enumerable.Range(0, n).Select(i => Math.Sqrt(Enumerable.Range(0, 3).Sum(d => Math.Pow(a.Forces[(3 * i) + d] - b.Forces[(3 * i) + d], 2))) / 2).ToArray();
            Assert.Equal(f, deviations[f].Frame);
            Assert.True(sigma.Max() > 1e-4, "the perturbation should change the forces");
            Assert.Equal(sigma.Max(), deviations[f].MaxForce, 1e-12);
            Assert.Equal(sigma.Average(), deviations[f].MeanForce, 1e-12);
            Assert.Equal(Math.Abs(a.Energy - b.Energy) / (2 * n), deviations[f].EnergyPerAtom, 1e-12);
        }
        // A committee of identical models agrees exactly; the thread count does not change the output.
        Assert.All(CommitteeDeviation.Compute([teacher, teacher], structures), d => Assert.Equal(0, d.MaxForce));
        Assert.Equal(deviations, CommitteeDeviation.Compute([teacher, copy], structures, threads: 1));
    }
}
