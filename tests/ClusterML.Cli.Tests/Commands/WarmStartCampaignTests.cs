using ClusterML.Storage;

namespace ClusterML.Cli.Tests.Commands;

/// <summary><c>warm_start</c>: a TPE campaign learns from an earlier campaign's results from its first trial on.</summary>
[Trait("Category", "Slow")]
public sealed class WarmStartCampaignTests : IDisposable
{
    private readonly CliRun _cli = new();

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        _cli.Dispose();
    }

    private const string Space = """
        engine: fd
        seed: 9
        base: { alpha: 0.1, t_end: 0.5 }
        space:
          nx: { type: int, low: 11, high: 61, step: 5 }
          r: { type: uniform, low: 0.05, high: 0.5 }
        """;

    [Fact]
    public async Task A_warm_started_TPE_campaign_should_start_from_the_earlier_results_and_a_missing_one_be_named()
    {
        var earlier = _cli.Path("earlier.yaml");
        File.WriteAllText(earlier, Space + "\nsearch: { kind: random }\nbudget: { max_trials: 14 }\n");
        var (code, _, stderr) = await _cli.RunAsync("campaign", "run", earlier, "--id", "old");
        Assert.True(code == 0, stderr);

        const string tpe = "\nsearch: { kind: tpe, startup_trials: 5 }\nbudget: { max_trials: 3, max_concurrent: 1 }\n";
        var cold = _cli.Path("cold.yaml");
        File.WriteAllText(cold, Space + tpe);
        (code, _, stderr) = await _cli.RunAsync("campaign", "run", cold, "--id", "cold");
        Assert.True(code == 0, stderr);
        var warm = _cli.Path("warm.yaml");
        File.WriteAllText(warm, Space + tpe + "warm_start: old\n");
        (code, _, stderr) = await _cli.RunAsync("campaign", "run", warm, "--id", "warm");
        Assert.True(code == 0, stderr);
        Assert.True(stderr.Contains("Warm start: 14 of the 14 completed trials of campaign old", StringComparison.Ordinal), stderr);

        var store = new SqliteResultStore(Path.Combine(_cli.DataDir, "results.db"));
        var oldResults = store.Results("old");
        var coldResults = store.Results("cold").OrderBy(r => r.Index).ToList();
        var warmResults = store.Results("warm").OrderBy(r => r.Index).ToList();
        // Same seed, same space: without the earlier results the first trials are random start-up points; with them, TPE
        // proposes from the start, so the points differ, and none repeats an earlier campaign's point by chance.
        Assert.NotEqual(coldResults[0].Parameters, warmResults[0].Parameters);
        Assert.DoesNotContain(oldResults, o => o.Parameters.OrderBy(p => p.Key).SequenceEqual(warmResults[0].Parameters.OrderBy(p => p.Key)));
        // The proposals learn from the earlier losses: the warm trials do better than the earlier campaign's median.
        var median = oldResults.Select(r => r.FinalLoss!.Value).Order().ElementAt(oldResults.Count / 2);
        Assert.True(warmResults.Min(r => r.FinalLoss!.Value) < median, $"best warm {warmResults.Min(r => r.FinalLoss)} vs earlier median {median}");

        var missing = _cli.Path("missing.yaml");
        File.WriteAllText(missing, Space + tpe + "warm_start: never-ran\n");
        (code, _, stderr) = await _cli.RunAsync("campaign", "run", missing, "--id", "missing");
        Assert.Equal(2, code);
        Assert.True(stderr.Contains("missing.yaml:9", StringComparison.Ordinal), stderr);
        Assert.Contains("warm_start", stderr, StringComparison.Ordinal);
        Assert.Contains("never-ran", stderr, StringComparison.Ordinal);
    }
}
