using ClusterML.Engines.Nep.Evaluation;
using ClusterML.Engines.Nep.Model;
using ClusterML.Engines.Nep.Structures;

namespace ClusterML.Engines.Nep.Tests.Evaluation;

/// <summary>
/// Properties any correct potential has, checked on the shared models with small perturbed, strained and triclinic cells:
/// forces are −∂E/∂R, the virial is −∂E/∂ε, E is invariant under translation, rotation, permutation and wrapping, and
/// extensive.
/// </summary>
public sealed class NepPhysicsTests
{
    public static TheoryData<string> Models => new() { "pbte_nep3/nep.txt", "pbte_nep4/nep.txt", "si_nep4_5body/nep.txt" };

    /// <summary>A rattled, sheared rock-salt-like cell with both species (one species for Si) of 16 atoms, 2×2×2 conventional-ish.</summary>
    internal static NepStructure Rattled(NepModel model, int seed, double scale = 1.0)
    {
        var random = new Random(seed);
        var a = (model.SpeciesCount == 1 ? 2.75 : 3.25) * scale;
        double[] cell = [2 * a, 0.3, 0.1, 0.2, 2 * a + 0.4, -0.2, -0.1, 0.25, 2 * a - 0.3];
        var types = new List<int>();
        var positions = new List<double>();
        for (var x = 0; x < 2; x++)
        {
            for (var y = 0; y < 2; y++)
            {
                for (var z = 0; z < 2; z++)
                {
                    foreach (var (ox, oy, oz, t) in new[] { (0.0, 0.0, 0.0, 0), (0.5, 0.5, 0.5, 1) })
                    {
                        var f = new[] { (x + ox) / 2, (y + oy) / 2, (z + oz) / 2 };
                        for (var d = 0; d < 3; d++)
                        {
                            positions.Add((f[0] * cell[d]) + (f[1] * cell[3 + d]) + (f[2] * cell[6 + d]) + (0.15 * ((2 * random.NextDouble()) - 1)));
                        }
                        types.Add(t % model.SpeciesCount);
                    }
                }
            }
        }
        return new NepStructure(cell, [.. types], [.. positions]);
    }

    private static NepModel Load(string relative) => NepModel.Read(SharedData.Require(relative));

    [Theory]
    [MemberData(nameof(Models))]
    public void Forces_should_be_minus_the_finite_difference_gradient_of_the_energy(string relative)
    {
        var model = Load(relative);
        var calculator = new NepCalculator(model);
        var structure = Rattled(model, 1);
        var forces = calculator.Compute(structure).Forces;
        const double h = 1e-5;
        foreach (var k in new[] { 0, 4, 17, 29, 45 })
        {
            var plus = (double[])structure.Positions.Clone();
            var minus = (double[])structure.Positions.Clone();
            plus[k] += h;
            minus[k] -= h;
            var numeric = -(calculator.Compute(structure with { Positions = plus }).Energy - calculator.Compute(structure with { Positions = minus }).Energy) / (2 * h);
            Assert.True(Math.Abs(numeric - forces[k]) < 1e-6, $"component {k}: analytic {forces[k]:G10}, numeric {numeric:G10}");
        }
        Assert.True(forces.Sum(Math.Abs) > 1e-2); // the rattled cell has forces worth checking
    }

    [Theory]
    [MemberData(nameof(Models))]
    public void The_virial_should_be_minus_the_strain_derivative_of_the_energy(string relative)
    {
        var model = Load(relative);
        var calculator = new NepCalculator(model);
        var structure = Rattled(model, 2);
        var virial = calculator.Compute(structure).Virial;
        const double h = 1e-6;
        for (var a = 0; a < 3; a++)
        {
            for (var b = 0; b < 3; b++)
            {
                double Strained(double e)
                {
                    // x → (I + ε) x applied to cell rows and positions, ε_ab = e.
                    NepStructure Apply(NepStructure s)
                    {
                        var cell = (double[])s.Cell.Clone();
                        var positions = (double[])s.Positions.Clone();
                        for (var row = 0; row < 3; row++)
                        {
                            cell[(3 * row) + a] += e * s.Cell[(3 * row) + b];
                        }
                        for (var i = 0; i < s.Count; i++)
                        {
                            positions[(3 * i) + a] += e * s.Positions[(3 * i) + b];
                        }
                        return s with { Cell = cell, Positions = positions };
                    }
                    return calculator.Compute(Apply(structure)).Energy;
                }
                var numeric = -(Strained(h) - Strained(-h)) / (2 * h);
                Assert.True(Math.Abs(numeric - virial[(3 * a) + b]) < 1e-5 * Math.Max(1, Math.Abs(numeric)), $"W[{a}{b}]: analytic {virial[(3 * a) + b]:G10}, numeric {numeric:G10}");
            }
        }
    }

    [Theory]
    [MemberData(nameof(Models))]
    public void Energy_should_not_change_under_translation_rotation_permutation_or_wrapping(string relative)
    {
        var model = Load(relative);
        var calculator = new NepCalculator(model);
        var structure = Rattled(model, 3);
        var reference = calculator.Compute(structure);

        var translated = structure with { Positions = [.. structure.Positions.Select((p, k) => p + (k % 3 == 0 ? 0.37 : k % 3 == 1 ? -1.1 : 2.9))] };
        Assert.Equal(reference.Energy, calculator.Compute(translated).Energy, 1e-10);

        var wrapped = (double[])structure.Positions.Clone();
        for (var d = 0; d < 3; d++)
        {
            wrapped[(3 * 5) + d] += structure.Cell[d] - (2 * structure.Cell[6 + d]); // atom 5 moved by a − 2c
        }
        Assert.Equal(reference.Energy, calculator.Compute(structure with { Positions = wrapped }).Energy, 1e-10);

        var order = Enumerable.Range(0, structure.Count).Reverse().ToArray();
        var permuted = new NepStructure(structure.Cell, [.. order.Select(i => structure.Types[i])], [.. order.SelectMany(i => structure.Positions.Skip(3 * i).Take(3))]);
        var permutedResult = calculator.Compute(permuted);
        Assert.Equal(reference.Energy, permutedResult.Energy, 1e-10);
        Assert.Equal(reference.Forces[0], permutedResult.Forces[3 * (structure.Count - 1)], 1e-10);

        // Rotation about an arbitrary axis: cell rows and positions rotated alike; forces rotate with them.
        var (c, s) = (Math.Cos(0.7), Math.Sin(0.7));
        var axis = new[] { 1 / Math.Sqrt(3), 1 / Math.Sqrt(3), 1 / Math.Sqrt(3) };
        var rot = new double[9];
        for (var i = 0; i < 3; i++)
        {
            for (var j = 0; j < 3; j++)
            {
                var cross = i == j ? 0 : (i, j) switch { (0, 1) => -axis[2], (0, 2) => axis[1], (1, 0) => axis[2], (1, 2) => -axis[0], (2, 0) => -axis[1], _ => axis[0] };
                rot[(3 * i) + j] = ((i == j ? c : 0) + ((1 - c) * axis[i] * axis[j])) + (s * cross);
            }
        }
        double[] Rotate(double[] v) => [.. Enumerable.Range(0, v.Length).Select(k => (rot[3 * (k % 3)] * v[k - (k % 3)]) + (rot[(3 * (k % 3)) + 1] * v[k - (k % 3) + 1]) + (rot[(3 * (k % 3)) + 2] * v[k - (k % 3) + 2]))];
        var rotated = calculator.Compute(new NepStructure(Rotate(structure.Cell), structure.Types, Rotate(structure.Positions)));
        Assert.Equal(reference.Energy, rotated.Energy, 1e-10);
        var rotatedForces = Rotate(reference.Forces);
        for (var k = 0; k < rotatedForces.Length; k++)
        {
            Assert.Equal(rotatedForces[k], rotated.Forces[k], 1e-9);
        }
    }

    [Theory]
    [MemberData(nameof(Models))]
    public void A_2x2x2_supercell_should_have_8_times_the_energy_and_virial(string relative)
    {
        var model = Load(relative);
        var calculator = new NepCalculator(model);
        var structure = Rattled(model, 4);
        var reference = calculator.Compute(structure, new NepOptions(Threads: 2));
        var cell = structure.Cell.Select(v => 2 * v).ToArray();
        var types = new List<int>();
        var positions = new List<double>();
        for (var x = 0; x < 2; x++)
        {
            for (var y = 0; y < 2; y++)
            {
                for (var z = 0; z < 2; z++)
                {
                    for (var i = 0; i < structure.Count; i++)
                    {
                        types.Add(structure.Types[i]);
                        for (var d = 0; d < 3; d++)
                        {
                            positions.Add(structure.Positions[(3 * i) + d] + (x * structure.Cell[d]) + (y * structure.Cell[3 + d]) + (z * structure.Cell[6 + d]));
                        }
                    }
                }
            }
        }
        var super = calculator.Compute(new NepStructure(cell, [.. types], [.. positions]), new NepOptions(Threads: 2));
        Assert.Equal(8 * reference.Energy, super.Energy, 1e-9);
        for (var k = 0; k < 9; k++)
        {
            Assert.Equal(8 * reference.Virial[k], super.Virial[k], 1e-8);
        }
        Assert.Equal(reference.Forces[7], super.Forces[7], 1e-10);
    }

    [Fact]
    public void Threads_should_give_the_same_numbers_as_one_thread()
    {
        var model = Load("pbte_nep4/nep.txt");
        var calculator = new NepCalculator(model);
        var structure = Rattled(model, 5);
        var one = calculator.Compute(structure, new NepOptions(PerAtomVirial: true));
        var two = calculator.Compute(structure, new NepOptions(PerAtomVirial: true, Threads: 2));
        Assert.Equal(one.AtomEnergies, two.AtomEnergies);
        for (var k = 0; k < one.Forces.Length; k++)
        {
            Assert.Equal(one.Forces[k], two.Forces[k], 1e-12);
        }
    }

    [Fact]
    public void A_written_model_should_read_back_to_the_same_numbers()
    {
        foreach (var relative in new[] { "pbte_nep3/nep.txt", "pbte_nep4/nep.txt", "si_nep4_5body/nep.txt" })
        {
            var model = Load(relative);
            var path = Path.Combine(Path.GetTempPath(), $"nep-{Guid.NewGuid():N}.txt");
            try
            {
                model.Write(path);
                var back = NepModel.Read(path);
                Assert.Equal(4, back.Version);
                Assert.Equal(model.Species, back.Species);
                Assert.Equal(model.QScaler, back.QScaler);
                Assert.Equal((model.LMax, model.Has4Body, model.Has5Body, model.Neurons), (back.LMax, back.Has4Body, back.Has5Body, back.Neurons));
                if (model.Version == 4)
                {
                    Assert.Equal(model.Parameters, back.Parameters);
                }
                var structure = Rattled(model, 6);
                Assert.Equal(new NepCalculator(model).Compute(structure).Energy, new NepCalculator(back).Compute(structure).Energy, 1e-12);
            }
            finally
            {
                File.Delete(path);
            }
        }
    }

    [Fact]
    public void Neighbour_lists_in_thin_cells_should_find_every_image_once()
    {
        // One atom in a 2 Å cubic cell, cutoff 4.5 Å: every lattice point within 4.5 Å is an image of the atom itself.
        var structure = new NepStructure([2, 0, 0, 0, 2, 0, 0, 0, 2], [0], [0.3, 0.4, 0.5]);
        var list = NeighborList.Build(structure, 4.5);
        var expected = 0;
        for (var x = -3; x <= 3; x++)
        {
            for (var y = -3; y <= 3; y++)
            {
                for (var z = -3; z <= 3; z++)
                {
                    var r2 = 4.0 * ((x * x) + (y * y) + (z * z));
                    if (r2 > 0 && r2 < 4.5 * 4.5)
                    {
                        expected++;
                    }
                }
            }
        }
        Assert.Equal(expected, list.Count(0));
        var distinct = Enumerable.Range(0, list.Count(0)).Select(p => (Math.Round(list.Delta[3 * p], 6), Math.Round(list.Delta[(3 * p) + 1], 6), Math.Round(list.Delta[(3 * p) + 2], 6))).Distinct().Count();
        Assert.Equal(expected, distinct);
    }
}
