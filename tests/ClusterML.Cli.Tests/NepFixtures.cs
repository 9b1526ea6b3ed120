using System.Globalization;
using System.Text;
using ClusterML.Engines.Nep.Evaluation;
using ClusterML.Engines.Nep.Model;
using ClusterML.Engines.Nep.Structures;

namespace ClusterML.Cli.Tests;

/// <summary>Small NEP inputs written by the tests themselves: a tiny model and frames it labels (a teacher).</summary>
internal static class NepFixtures
{
    /// <summary>A one-species NEP4 model small enough to write here: 1 species, n_max 1 1, basis 1 1, l_max 2 (q_222 on), 3 neurons.</summary>
    public static string TinyModel(string path)
    {
        // dim = 2 + 2·(2 + 1) = 8; ANN (8 + 2)·3 + 1 = 31; c: 2·2 + 2·2 = 8; q_scaler 8.
        var values = Enumerable.Range(0, 31 + 8).Select(k => (0.1 * Math.Sin(k + 1)).ToString("R", CultureInfo.InvariantCulture));
        File.WriteAllText(path, "nep4 1 Si\ncutoff 4 3 20 10\nn_max 1 1\nbasis_size 1 1\nl_max 2 2 0\nANN 3 0\n"
            + string.Join("\n", values) + "\n" + string.Join("\n", Enumerable.Repeat("1.5", 8)) + "\n");
        return path;
    }

    /// <summary>Writes <paramref name="count"/> random 4-atom Si cells labelled by the model at <paramref name="modelPath"/> (energies, forces, virials).</summary>
    public static string TeacherFrames(string modelPath, string path, int count, int seed)
    {
        var teacher = new NepCalculator(NepModel.Read(modelPath));
        var random = new Random(seed);
        var text = new StringBuilder();
        for (var f = 0; f < count; f++)
        {
            double[] positions = [.. Enumerable.Range(0, 12).Select(_ => 5.0 * random.NextDouble())];
            var structure = new NepStructure([5.2, 0, 0, 0, 5.2, 0, 0, 0, 5.2], new int[4], positions);
            var labels = teacher.Compute(structure);
            text.Append(CultureInfo.InvariantCulture, $"4\nlattice=\"5.2 0 0 0 5.2 0 0 0 5.2\" energy={labels.Energy:R} virial=\"{string.Join(' ', labels.Virial.Select(v => v.ToString("R", CultureInfo.InvariantCulture)))}\" properties=species:S:1:pos:R:3:force:R:3\n");
            for (var i = 0; i < 4; i++)
            {
                text.Append(CultureInfo.InvariantCulture, $"Si {positions[3 * i]:R} {positions[(3 * i) + 1]:R} {positions[(3 * i) + 2]:R} {labels.Forces[3 * i]:R} {labels.Forces[(3 * i) + 1]:R} {labels.Forces[(3 * i) + 2]:R}\n");
            }
        }
        File.WriteAllText(path, text.ToString());
        return path;
    }
}
