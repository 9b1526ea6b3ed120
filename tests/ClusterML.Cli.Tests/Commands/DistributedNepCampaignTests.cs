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
            var spec = Spec(id, train, 8, distributed);
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

    [Fact]
    public async Task A_distributed_trial_whose_process_was_killed_should_continue_from_its_checkpoint_on_campaign_resume()
    {
        var train = NepFixtures.TeacherFrames(NepFixtures.TinyModel(_cli.Path("teacher.txt")), _cli.Path("train.xyz"), 16, 4);
        const int epochs = 150;
        var (code, _, stderr) = await _cli.RunAsync("campaign", "run", Spec("whole", train, epochs, true, checkpointEvery: 5), "--id", "whole");
        Assert.True(code == 0, stderr);
        var store = new SqliteResultStore(Path.Combine(_cli.DataDir, "results.db"));
        var whole = Assert.Single(store.Results("whole"));
        Assert.False(whole.Metrics.ContainsKey("resumed_epoch"));

        var data = _cli.Path("killed-data");
        var killedStore = new SqliteResultStore(Path.Combine(data, "results.db"));
        using (var run = new ClusterProcess(_cli.Root, "campaign", "run", Spec("killed", train, epochs, true, checkpointEvery: 5), "--id", "killed", "--data-dir", data))
        {
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(120);
            while (!(File.Exists(Path.Combine(data, "results.db")) && killedStore.Epochs("killed").Count >= 12))
            {
                Assert.True(DateTime.UtcNow < deadline && !run.HasExited, run.Output);
                await Task.Delay(100);
            }
            run.KillHard();
            await run.WaitForExitAsync(TimeSpan.FromSeconds(10));
        }
        var reached = killedStore.Epochs("killed").Max(e => e.Epoch);
        Assert.True(reached < epochs, $"the fit ended ({reached} epochs) before the process was killed");

        using var resume = new ClusterProcess(_cli.Root, "campaign", "resume", "--id", "killed", "--data-dir", data);
        Assert.True(await resume.WaitForExitAsync(TimeSpan.FromSeconds(180)), resume.Output);
        Assert.True(resume.ExitCode == 0, resume.Output);
        var resumed = Assert.Single(killedStore.Results("killed"));
        Assert.True(resumed.Status == TrialStatus.Completed, resumed.Error);
        // The fit's coordinator entity kept the checkpoint (every 5 epochs) in the journal: the resumed trial skipped those epochs.
        var from = (int)resumed.Metrics["resumed_epoch"];
        Assert.True(from >= 10 && from % 5 == 0 && from <= reached, $"resumed from epoch {from}, killed at {reached}");
        Assert.Equal(whole.FinalLoss, resumed.FinalLoss);
        Assert.Equal(whole.Metrics["rmse_f_train"], resumed.Metrics["rmse_f_train"]);
        Assert.Equal(File.ReadAllText(Path.Combine(_cli.DataDir, whole.ArtifactFolder!, "model", "nep.txt")),
            File.ReadAllText(Path.Combine(data, resumed.ArtifactFolder!, "model", "nep.txt")));
    }

    private string Spec(string id, string train, int epochs, bool distributed, int? checkpointEvery = null)
    {
        var spec = _cli.Path($"{id}.yaml");
        File.WriteAllText(spec, $$"""
            name: {{id}}
            engine: nep
            seed: 7
            base:
              train: {{train}}
              type: Si
              epochs: {{epochs}}
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
              distributed: {{(distributed ? "true" : "false")}}{{(checkpointEvery is { } every ? $"\n  checkpoint_every: {every}" : "")}}
            space:
              lr: { type: choice, values: [0.01] }
            search: { kind: grid }
            budget: { max_concurrent: 1 }
            """);
        return spec;
    }
}
