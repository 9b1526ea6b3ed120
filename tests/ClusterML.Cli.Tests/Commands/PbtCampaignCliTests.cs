using System.Globalization;
using ClusterML.Core.Campaigns;
using ClusterML.Core.Results;
using ClusterML.Storage;

namespace ClusterML.Cli.Tests.Commands;

/// <summary>Population-based training from the command line: a surrogate population trained in segments on the embedded cluster.</summary>
[Trait("Category", "Slow")]
[Collection("Torch")]
public sealed class PbtCampaignCliTests : IDisposable
{
    private readonly CliRun _cli = new();

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        _cli.Dispose();
    }

    [Fact]
    public async Task A_surrogate_population_should_train_in_segments_exploit_the_best_and_plot_its_schedule()
    {
        var (code, _, stderr) = await _cli.RunAsync("data", "generate", "thin-film", "--n", "300", "--seed", "3", "--out", _cli.Path("films.csv"));
        Assert.True(code == 0, stderr);
        var spec = _cli.Path("pbt.yaml");
        File.WriteAllText(spec, """
            name: pbt
            engine: surrogate
            seed: 2
            base:
              data: films.csv
              target: k_W_mK
              inputs: [thickness_nm, roughness_nm, temperature_K, direction]
              ensemble: 1
              width: 16
              layers: 2
              epochs: 30
              schedule: constant
            space:
              lr: { type: log-uniform, low: 1.0e-4, high: 3.0e-2 }
            search: { kind: random }
            budget: { max_trials: 4, max_concurrent: 2 }
            schedule: { kind: pbt, perturbation_interval: 10 }
            """);
        (code, _, stderr) = await _cli.RunAsync("campaign", "run", spec, "--id", "pbt");
        Assert.True(code == 0, stderr);
        var results = new SqliteResultStore(Path.Combine(_cli.DataDir, "results.db")).Results("pbt").OrderBy(r => r.Index).ToList();
        Assert.Equal(12, results.Count); // 4 members × 3 segments
        Assert.All(results, r => Assert.Equal(TrialStatus.Completed, r.Status));
        // Segments before the last report the epoch reached; the last ones write the model.
        Assert.All(results.Take(8), r => Assert.Equal(10 * (1 + (r.Index / 4)), r.Metrics["epoch"]));
        Assert.All(results.Skip(8), r => Assert.Contains(r.Files!, f => f.Path.StartsWith("model/", StringComparison.Ordinal)));
        // ⌈4 × 0.25⌉ = 1: in each later generation exactly one member took the best member's checkpoint.
        for (var generation = 1; generation < 3; generation++)
        {
            var previous = results.Where(r => r.Index / 4 == generation - 1).ToList();
            var best = previous.MinBy(r => r.FinalLoss)!.TrialId;
            var taken = results.Where(r => r.Index / 4 == generation && r.Parameters[Pbt.FromKey] != previous[r.Index % 4].TrialId).ToList();
            var exploited = Assert.Single(taken);
            Assert.Equal(best, exploited.Parameters[Pbt.FromKey]);
            Assert.Equal(previous.MaxBy(r => r.FinalLoss)!.Index % 4, exploited.Index % 4);
        }
        var folder = Path.Combine(_cli.DataDir, "campaigns", "pbt");
        Assert.True(File.Exists(Path.Combine(folder, "pbt_lr.png")) && File.Exists(Path.Combine(folder, "pbt_loss.png")));
        Assert.False(File.Exists(Path.Combine(folder, "loss_vs_pbt_member.png")));

        // An engine that cannot continue from checkpoints is refused before anything runs, at the schedule's line.
        var exec = _cli.Path("exec-pbt.yaml");
        File.WriteAllText(exec, """
            engine: exec
            base: { command: ["true"], epochs: 20 }
            space:
              r: { type: uniform, low: 0.1, high: 0.4 }
            search: { kind: random }
            budget: { max_trials: 2 }
            schedule: { kind: pbt, perturbation_interval: 10 }
            """);
        (code, _, stderr) = await _cli.RunAsync("campaign", "run", exec, "--id", "exec-pbt");
        Assert.Equal(2, code);
        Assert.True(stderr.Contains("exec-pbt.yaml:7", StringComparison.Ordinal) && stderr.Contains("does not train in segments", StringComparison.Ordinal), stderr);
    }
}
