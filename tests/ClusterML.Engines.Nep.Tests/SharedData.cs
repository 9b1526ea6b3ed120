using System.Globalization;
using ClusterML.Engines.Nep.Model;
using ClusterML.Engines.Nep.Structures;

namespace ClusterML.Engines.Nep.Tests;

/// <summary>
/// The third-party reference data in <c>../shared/data/nep</c> (beside the repository in CI). Tests that need it skip, saying
/// so, on a clone without it.
/// </summary>
internal static class SharedData
{
    public static string? Folder { get; } = Find();

    private static string? Find()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "shared", "data", "nep");
            if (Directory.Exists(candidate))
            {
                return candidate;
            }
        }
        return null;
    }

    /// <summary>The path of a reference file, or skips the test when the shared data is absent.</summary>
    public static string Require(string relative)
    {
        if (Folder is null || !File.Exists(Path.Combine(Folder, relative)))
        {
            VisibleSkip.Because($"reference data ../shared/data/nep/{relative} is not present: clone the repository next to a shared/ folder holding data/nep (CI has it there; see the README, \"Tests\")");
        }
        return Path.Combine(Folder!, relative);
    }

    /// <summary>NEP_CPU's test structure format: N; the 9 cell numbers; then 'symbol x y z' per atom.</summary>
    public static NepStructure ReadNepCpuXyz(string path, NepModel model)
    {
        var lines = File.ReadAllLines(path).Where(l => l.Trim().Length > 0).ToArray();
        var n = int.Parse(lines[0].Trim(), CultureInfo.InvariantCulture);
        var cell = Numbers(lines[1]);
        var types = new int[n];
        var positions = new double[3 * n];
        for (var i = 0; i < n; i++)
        {
            var tokens = lines[2 + i].Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
            types[i] = model.TypeOf(tokens[0]);
            for (var d = 0; d < 3; d++)
            {
                positions[(3 * i) + d] = double.Parse(tokens[1 + d], CultureInfo.InvariantCulture);
            }
        }
        return new NepStructure(cell, types, positions);
    }

    public static double[] Numbers(string line) =>
        [.. line.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries).Select(t => double.Parse(t, CultureInfo.InvariantCulture))];

    public static double[][] Table(string path) => [.. File.ReadAllLines(path).Where(l => l.Trim().Length > 0).Select(Numbers)];
}
