using ClusterML.Engines.Nep.Structures;
using ClusterML.Engines.Nep.Training;

namespace ClusterML.Engines.Nep.Tests.Training;

/// <summary>A generated data set: small periodic argon-like cells labelled by a smooth Morse pair potential (energies, forces, virials).</summary>
internal static class MorseFrames
{
    private const double D = 0.0104;
    private const double A = 1.7;
    private const double R0 = 3.8;
    private const double Cutoff = 6.0;

    public static IReadOnlyList<NepFrame> Make(int count, int seed, string species = "Ar")
    {
        _ = species;
        var random = new Random(seed);
        var frames = new List<NepFrame>();
        for (var f = 0; f < count; f++)
        {
            var a = 5.4 + (0.3 * random.NextDouble());
            double[] cell = [a, 0, 0, 0, a, 0, 0, 0, a];
            double[][] basis = [[0, 0, 0], [0.5, 0.5, 0], [0.5, 0, 0.5], [0, 0.5, 0.5]];
            var positions = basis.SelectMany(b => b.Select(x => (x * a) + (0.25 * ((2 * random.NextDouble()) - 1)))).ToArray();
            var structure = new NepStructure(cell, new int[4], positions);
            var (energy, forces, virial) = Label(structure);
            frames.Add(new NepFrame(f, structure, energy, forces, virial, 1.0));
        }
        return frames;
    }

    public static (double Energy, double[] Forces, double[] Virial) Label(NepStructure structure)
    {
        var list = NeighborList.Build(structure, Cutoff);
        var energy = 0.0;
        var forces = new double[3 * structure.Count];
        var virial = new double[9];
        for (var i = 0; i < structure.Count; i++)
        {
            for (var p = list.Start[i]; p < list.Start[i + 1]; p++)
            {
                var j = list.Index[p];
                double[] d = [list.Delta[3 * p], list.Delta[(3 * p) + 1], list.Delta[(3 * p) + 2]];
                var r = Math.Sqrt((d[0] * d[0]) + (d[1] * d[1]) + (d[2] * d[2]));
                var e1 = Math.Exp(-A * (r - R0));
                var morse = D * ((e1 * e1) - (2 * e1));
                var dMorse = D * ((-2 * A * e1 * e1) + (2 * A * e1));
                var fc = 0.5 * (1 + Math.Cos(Math.PI * r / Cutoff));
                var dfc = -0.5 * Math.PI / Cutoff * Math.Sin(Math.PI * r / Cutoff);
                energy += 0.5 * morse * fc;
                var dPhi = 0.5 * ((dMorse * fc) + (morse * dfc)); // half: each pair is listed twice
                for (var x = 0; x < 3; x++)
                {
                    var fx = dPhi * d[x] / r;
                    forces[(3 * i) + x] += fx;
                    forces[(3 * j) + x] -= fx;
                    for (var y = 0; y < 3; y++)
                    {
                        virial[(3 * y) + x] -= d[y] * dPhi * d[x] / r;
                    }
                }
            }
        }
        return (energy, forces, virial);
    }
}
