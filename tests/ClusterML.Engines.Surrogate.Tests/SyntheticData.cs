using System.Globalization;

namespace ClusterML.Engines.Surrogate.Tests;

/// <summary>Small smooth data sets written to a temporary folder.</summary>
public sealed class SyntheticData : IDisposable
{
    public SyntheticData() => Folder = Directory.CreateTempSubdirectory("clusterml-surrogate-").FullName;

    public string Folder { get; }

    /// <summary>y = exp(sin(2a) + b²) · c with a, b ∈ [−1, 1], c ∈ [1, 1000] log-uniform: positive and spanning decades.</summary>
    public string Smooth(int n, int seed = 1, string name = "smooth.csv")
    {
        var random = new Random(seed);
        var lines = new List<string> { "a,b,c,y" };
        for (var i = 0; i < n; i++)
        {
            var a = (random.NextDouble() * 2) - 1;
            var b = (random.NextDouble() * 2) - 1;
            var c = Math.Pow(10, random.NextDouble() * 3);
            var y = Math.Exp(Math.Sin(2 * a) + (b * b)) * c;
            lines.Add(string.Create(CultureInfo.InvariantCulture, $"{a},{b},{c},{y}"));
        }
        return Write(name, lines);
    }

    public string Write(string name, IEnumerable<string> lines)
    {
        var path = Path.Combine(Folder, name);
        File.WriteAllLines(path, lines);
        return path;
    }

    public void Dispose() => Directory.Delete(Folder, recursive: true);
}
