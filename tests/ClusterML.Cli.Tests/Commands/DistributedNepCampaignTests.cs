using System.Globalization;
using ClusterML.Core.Results;
using ClusterML.Storage;

namespace ClusterML.Cli.Tests.Commands;

/// <summary>A campaign whose NEP trials run as sharded fits (<c>distributed: true</c>) on the embedded cluster.</summary>
[Trait("Category", "Slow")]
[Collection("Torch")]
public sealed class DistributedNepCampaignTests : IDisposable
{
    private readonly CliRun _cli = new();

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        _cli.Dispose();
    }

    [Fact]
    public async Task A_distributed_trial_should_shard_its_fit_and_give_the_model_of_the_same_trial_in_one_process()
    {
        var train = NepFixtures.TeacherFrames(NepFixtures.TinyModel(_cli.Path("teacher.txt")), _cli.Path("train.xyz"), 16, 4);
        var models = new Dictionary<bool, string>();
        foreach (var distributed in new[] { false, true })
        {
            var id = distributed ? "sharded" : "plain";
            var spec = _cli.Path($"{id}.yaml");
            File.WriteAllText(spec, $$"""
                name: {{id}}
                engine: nep
                seed: 7
                base:
                  train: {{train}}
                  type: Si
                  epochs: 8
                  batch: 4
                  cutoff_radial: 4
                  cutoff_angular: 3
                  n_max_radial: 2
                  n_max_angular: 2
                  basis_radial: 2
                  basis_angular: 2
                  l_max: 2
                  neuron: 5
                  dtype: float64
                  shards: 5
                  distributed: {{(distributed ? "true" : "false")}}
                space:
                  lr: { type: choice, values: [0.01] }
                search: { kind: grid }
                budget: { max_concurrent: 1 }
                """);
            var (code, _, stderr) = await _cli.RunAsync("campaign", "run", spec, "--id", id);
            Assert.True(code == 0, stderr);
            var result = Assert.Single(new SqliteResultStore(Path.Combine(_cli.DataDir, "results.db")).Results(id));
            Assert.True(result.Status == TrialStatus.Completed, result.Error);
            Assert.Equal(distributed, result.Metrics.ContainsKey("shard_workers"));
            if (distributed)
            {
                Assert.Equal(1.0, result.Metrics["shard_workers"]); // the embedded cluster: this process is the only worker
            }
            models[distributed] = File.ReadAllText(Path.Combine(_cli.DataDir, result.ArtifactFolder!, "model", "nep.txt"));
        }
        Assert.Equal(models[false], models[true]);
    }
}
