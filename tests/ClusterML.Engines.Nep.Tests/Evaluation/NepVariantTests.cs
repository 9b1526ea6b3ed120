using ClusterML.Engines.Nep.Evaluation;
using ClusterML.Engines.Nep.Model;
using ClusterML.Engines.Nep.Structures;

namespace ClusterML.Engines.Nep.Tests.Evaluation;

/// <summary>The NEP1 form of the lecture (checked against a direct triple sum) and the ZBL term.</summary>
public sealed class NepVariantTests
{
    private static NepModel Nep1()
    {
        const int nR = 4, nA = 3, lMax = 3, neurons = 5;
        var dim = nR + 1 + ((nA + 1) * lMax);
        var random = new Random(3);
        var parameters = Enumerable.Range(0, ((dim + 2) * neurons) + 1).Select(_ => (random.NextDouble() - 0.5) * 0.4).ToArray();
        return NepModel.Nep1(["Si", "Ge"], 5.0, 3.5, nR, nA, lMax, neurons, parameters, [.. Enumerable.Repeat(0.3, dim)]);
    }

    private static NepStructure Cluster(int seed)
    {
        var random = new Random(seed);
        var positions = new double[3 * 12];
        for (var k = 0; k < positions.Length; k++)
        {
            positions[k] = 7.5 * random.NextDouble();
        }
        return new NepStructure([8, 0, 0, 0.5, 8.2, 0, 0, 0.3, 7.9], [.. Enumerable.Range(0, 12).Select(i => i % 2)], positions);
    }

    [Fact]
    public void Nep1_descriptors_should_equal_the_direct_Legendre_triple_sum()
    {
        var model = Nep1();
        var structure = Cluster(1);
        var result = new NepCalculator(model).Compute(structure, new NepOptions(Descriptors: true));
        var list = NeighborList.Build(structure, 5.0);
        static double Fn(int n, double r, double rc)
        {
            if (r >= rc)
            {
                return 0;
            }
            var x = (2 * Math.Pow((r / rc) - 1, 2)) - 1;
            return 0.5 * (Math.Cos(n * Math.Acos(x)) + 1) * 0.5 * (1 + Math.Cos(Math.PI * r / rc));
        }
        static double Legendre(int l, double x) => l switch { 1 => x, 2 => ((3 * x * x) - 1) / 2, _ => ((5 * x * x * x) - (3 * x)) / 2 };
        for (var i = 0; i < structure.Count; i++)
        {
            var expected = new List<double>();
            var pairs = Enumerable.Range(list.Start[i], list.Count(i)).Select(p => (X: list.Delta[3 * p], Y: list.Delta[(3 * p) + 1], Z: list.Delta[(3 * p) + 2])).ToArray();
            for (var n = 0; n <= 4; n++)
            {
                expected.Add(pairs.Sum(p => Fn(n, Math.Sqrt((p.X * p.X) + (p.Y * p.Y) + (p.Z * p.Z)), 5.0)));
            }
            for (var l = 1; l <= 3; l++)
            {
                for (var n = 0; n <= 3; n++)
                {
                    var sum = 0.0;
                    foreach (var a in pairs)
                    {
                        foreach (var b in pairs)
                        {
                            var ra = Math.Sqrt((a.X * a.X) + (a.Y * a.Y) + (a.Z * a.Z));
                            var rb = Math.Sqrt((b.X * b.X) + (b.Y * b.Y) + (b.Z * b.Z));
                            var cos = ((a.X * b.X) + (a.Y * b.Y) + (a.Z * b.Z)) / (ra * rb);
                            sum += Fn(n, ra, 3.5) * Fn(n, rb, 3.5) * Legendre(l, cos);
                        }
                    }
                    expected.Add(sum);
                }
            }
            for (var v = 0; v < model.Dimension; v++)
            {
                Assert.Equal(expected[v] * 0.3, result.Descriptors![(i * model.Dimension) + v], 1e-11);
            }
        }
        Assert.True(result.Descriptors!.Sum(Math.Abs) > 1);
    }

    [Fact]
    public void Nep1_forces_should_be_minus_the_energy_gradient()
    {
        var model = Nep1();
        var calculator = new NepCalculator(model);
        var structure = Cluster(2);
        var forces = calculator.Compute(structure).Forces;
        const double h = 1e-5;
        for (var k = 0; k < structure.Positions.Length; k += 5)
        {
            var plus = (double[])structure.Positions.Clone();
            var minus = (double[])structure.Positions.Clone();
            plus[k] += h;
            minus[k] -= h;
            var numeric = -(calculator.Compute(structure with { Positions = plus }).Energy - calculator.Compute(structure with { Positions = minus }).Energy) / (2 * h);
            Assert.Equal(numeric, forces[k], 1e-7);
        }
    }

    [Fact]
    public void The_ZBL_term_should_repel_at_short_range_vanish_beyond_its_outer_radius_and_have_consistent_forces()
    {
        var source = SharedData.Require("pbte_nep4/nep.txt");
        var lines = File.ReadAllLines(source).ToList();
        lines[0] = lines[0].Replace("nep4", "nep4_zbl", StringComparison.Ordinal);
        lines.Insert(1, "zbl 1.2 2.4");
        var path = Path.Combine(Path.GetTempPath(), $"nep-zbl-{Guid.NewGuid():N}.txt");
        File.WriteAllLines(path, lines);
        try
        {
            var zbl = NepModel.Read(path);
            var plain = NepModel.Read(source);
            Assert.NotNull(zbl.Zbl);
            double[] cell = [20, 0, 0, 0, 20, 0, 0, 0, 20];
            NepStructure Dimer(double r) => new(cell, [0, 1], [5, 5, 5, 5 + r, 5.1, 4.9]);
            double Difference(double r) => new NepCalculator(zbl).Compute(Dimer(r)).Energy - new NepCalculator(plain).Compute(Dimer(r)).Energy;
            Assert.Equal(0, Difference(2.6), 1e-12);
            Assert.True(Difference(1.0) > Difference(1.5));
            Assert.True(Difference(1.5) > Difference(2.0));
            Assert.True(Difference(1.0) > 10); // eV: screened Coulomb of Te–Pb at 1 Å

            var calculator = new NepCalculator(zbl);
            foreach (var r in new[] { 1.0, 1.8, 2.3 })
            {
                var structure = Dimer(r);
                var forces = calculator.Compute(structure).Forces;
                const double h = 1e-6;
                var plus = (double[])structure.Positions.Clone();
                var minus = (double[])structure.Positions.Clone();
                plus[3] += h;
                minus[3] -= h;
                var numeric = -(calculator.Compute(structure with { Positions = plus }).Energy - calculator.Compute(structure with { Positions = minus }).Energy) / (2 * h);
                Assert.Equal(numeric, forces[3], 1e-5 * Math.Max(1, Math.Abs(numeric)));
            }
        }
        finally
        {
            File.Delete(path);
        }
    }
}
