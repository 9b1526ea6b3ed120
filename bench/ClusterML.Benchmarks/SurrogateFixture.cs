using ClusterML.Core.Engines;
using ClusterML.Core.IO;
using ClusterML.Core.Specs;
using ClusterML.Engines.Surrogate;
using ClusterML.Oracles;

namespace ClusterML.Benchmarks;

/// <summary>Generates an oracle's data set and trains a surrogate on it in a temporary folder (shared by the benchmarks and the quality report).</summary>
public static class SurrogateFixture
{
    public static string GenerateCsv(string oracleName, int n, int seed, string folder)
    {
        var oracle = Oracles.Oracles.Get(oracleName);
        var table = OracleDataGenerator.Generate(oracle, n, seed);
        var path = Path.Combine(folder, $"{oracleName}.csv");
        CsvTable.Write(path, [.. table.Columns], table.Rows.Select(r => (IReadOnlyList<string>)r.Select(CsvTable.Format).ToArray()));
        return path;
    }

    /// <summary>Trains with the CLI's default settings; the target is the oracle's first output; inputs are the oracle's inputs.</summary>
    public static SurrogateTrainingReport Train(string oracleName, string csv, int ensemble, int seed, string artifactFolder)
    {
        var oracle = Oracles.Oracles.Get(oracleName);
        var spec = new SurrogateSpec(csv, oracle.Outputs[0], oracle.Inputs.Select(i => i.Name).ToArray(), [], EnsembleSize: ensemble);
        return new SurrogateEngine().Run(spec, new RunContext(seed, ArtifactDirectory: artifactFolder), CancellationToken.None);
    }
}
