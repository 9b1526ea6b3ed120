using System.Diagnostics;
using System.Globalization;
using ClusterML.Core.Results;
using ClusterML.Storage;

namespace ClusterML.Cli.Tests.Commands;

/// <summary>The README's campaign flow on the embedded cluster: sweep, best model out, predict with it, delete.</summary>
[Trait("Category", "Slow")]
[Collection("Torch")]
public sealed class CampaignArtifactTests : IDisposable
{
    private readonly CliRun _cli = new();

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        _cli.Dispose();
    }

    [Fact]
    public async Task The_surrogate_sweeps_best_model_should_come_out_with_one_command_and_reproduce_its_test_R2()
    {
        // The shipped spec, in the same layout as the repository (it reads ../../data/thin-film.csv).
        var spec = _cli.Path("config/campaigns/surrogate-sweep.yaml");
        Directory.CreateDirectory(Path.GetDirectoryName(spec)!);
        File.Copy(CliRun.RepositoryFile("config/campaigns/surrogate-sweep.yaml"), spec);
        var (code, stdout, stderr) = await _cli.RunAsync("data", "generate", "thin-film", "--n", "2000", "--seed", "1", "--out", _cli.Path("data/thin-film.csv"));
        Assert.True(code == 0, stderr);

        (code, stdout, stderr) = await _cli.RunAsync("campaign", "run", spec, "--id", "e2e");
        Assert.True(code == 0, stderr);
        // Not a terminal here (a StringWriter): the table is drawn at its own width, every line as long as the others.
        var drawn = (await _cli.RunAsync("campaign", "results", "--id", "e2e", "--top", "12")).Out.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Where(l => l.Length > 0 && "┌│├└".Contains(l[0], StringComparison.Ordinal)).ToList();
        Assert.True(drawn.Count >= 12 + 4, string.Join('\n', drawn));
        Assert.Single(drawn.Select(l => l.TrimEnd().Length).Distinct());
        var csv = await _cli.RunAsync("campaign", "results", "--id", "e2e", "--top", "12", "--format", "csv");
        Assert.True(csv.ExitCode == 0, csv.Error);
        var csvLines = csv.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.StartsWith("rank,trial,", csvLines[0], StringComparison.Ordinal);
        Assert.Equal(13, csvLines.Length);
        var asJson = await _cli.RunAsync("campaign", "results", "--id", "e2e", "--format", "json");
        using (var parsed = System.Text.Json.JsonDocument.Parse(asJson.Out))
        {
            Assert.Equal(10, parsed.RootElement.GetArrayLength());
            Assert.Equal(System.Text.Json.JsonValueKind.Number, parsed.RootElement[0].GetProperty("loss").ValueKind);
            Assert.Equal(System.Text.Json.JsonValueKind.String, parsed.RootElement[0].GetProperty("trial").ValueKind);
        }
        var status = await _cli.RunAsync("campaign", "status", "--format", "csv");
        Assert.StartsWith("id,name,engine,status,trials", status.Out, StringComparison.Ordinal);
        Assert.Contains("e2e,surrogate-sweep,surrogate,completed,12/12", status.Out, StringComparison.Ordinal);
        var cancelled = await _cli.RunAsync("campaign", "cancel", "--id", "e2e");
        Assert.True(cancelled.ExitCode == 0, cancelled.Error);
        Assert.Contains("Campaign e2e has already completed: there was nothing to cancel.", cancelled.Out, StringComparison.Ordinal);
        var store = new SqliteResultStore(Path.Combine(_cli.DataDir, "results.db"));
        var results = store.Results("e2e");
        Assert.Equal(12, results.Count);
        var best = results.Where(r => r.Status == TrialStatus.Completed).MinBy(r => r.FinalLoss)!;
        var bestFolder = Path.Combine(_cli.DataDir, "campaigns", "e2e", "trials", best.TrialId);
        Assert.Contains($"Best model: {Path.Combine(bestFolder, "model")}", stdout, StringComparison.Ordinal);
        Assert.All(results.Where(r => r.Status == TrialStatus.Completed), r =>
        {
            Assert.Equal($"campaigns/e2e/trials/{r.TrialId}", r.ArtifactFolder);
            Assert.Contains(r.Files!, f => f.Path == "model/surrogate.json");
        });
        Assert.All(results.Where(r => r.Status != TrialStatus.Completed), r => Assert.Null(r.ArtifactFolder)); // stopped early: nothing kept
        var json = await File.ReadAllTextAsync(Path.Combine(_cli.DataDir, "campaigns", "e2e", "results.json"), TestContext.Current.CancellationToken);
        Assert.Contains(bestFolder, json, StringComparison.Ordinal);

        (code, stdout, stderr) = await _cli.RunAsync("campaign", "results", "--id", "e2e", "--best-model", _cli.Path("out/best"));
        Assert.True(code == 0, stderr);
        Assert.Contains($"Model of {best.TrialId}", stdout, StringComparison.Ordinal);

        // Predict the best trial's own test rows with the copied model: the same R² the trial recorded.
        var testRows = File.ReadAllLines(Path.Combine(bestFolder, "test_predictions.csv")).Select(l => string.Join(',', l.Split(',').Take(5))).ToArray();
        await File.WriteAllLinesAsync(_cli.Path("test.csv"), testRows, TestContext.Current.CancellationToken);
        (code, _, stderr) = await _cli.RunAsync("surrogate", "predict", "--model", _cli.Path("out/best"), "--data", _cli.Path("test.csv"), "--out", _cli.Path("pred.csv"));
        Assert.True(code == 0, stderr);
        var predicted = File.ReadAllLines(_cli.Path("pred.csv"));
        var header = predicted[0].Split(',');
        var rows = predicted.Skip(1).Select(l => l.Split(',')).ToArray();
        double Column(string[] row, string name) => double.Parse(row[Array.IndexOf(header, name)], CultureInfo.InvariantCulture);
        var truth = rows.Select(r => Column(r, "k_W_mK")).ToArray();
        var mean = truth.Average();
        var r2 = 1 - (rows.Sum(r => Math.Pow(Column(r, "k_W_mK") - Column(r, "mean"), 2)) / truth.Sum(t => Math.Pow(t - mean, 2)));
        // Same model, same rows, float32 network on the same machine: equal to far below the printed digits.
        Assert.Equal(best.Metrics["test_r2"], r2, tolerance: 1e-9);

        // The README's example input: the shipped thin films, the 50 µm one beyond every training film.
        (code, _, stderr) = await _cli.RunAsync("surrogate", "predict", "--model", _cli.Path("out/best"), "--data", CliRun.RepositoryFile("config/samples/thin-films.csv"), "--out", _cli.Path("samples.csv"));
        Assert.True(code == 0, stderr);
        var samples = File.ReadAllLines(_cli.Path("samples.csv"));
        Assert.Equal(9, samples.Length);
        Assert.StartsWith("50000,", samples[^1], StringComparison.Ordinal);
        Assert.EndsWith(",true", samples[^1], StringComparison.Ordinal);

        // --trial picks another; a stopped trial has no model.
        if (results.FirstOrDefault(r => r.Status == TrialStatus.Stopped) is { } stopped)
        {
            (code, _, stderr) = await _cli.RunAsync("campaign", "results", "--id", "e2e", "--best-model", _cli.Path("out/other"), "--trial", stopped.TrialId);
            Assert.Equal(2, code);
            Assert.Contains($"trial {stopped.TrialId} did not complete", stderr, StringComparison.Ordinal);
            Assert.False(Directory.Exists(_cli.Path("out/other")));
        }

        // Delete: refused while a live process holds the campaign, then everything goes.
        using (var holder = Process.Start("sleep", "30"))
        {
            await File.WriteAllTextAsync(Path.Combine(_cli.DataDir, "campaigns", "e2e.lock"), $"{holder.Id}\n", TestContext.Current.CancellationToken);
            (code, _, stderr) = await _cli.RunAsync("campaign", "delete", "--id", "e2e");
            Assert.Equal(2, code);
            Assert.Contains("is running in process", stderr, StringComparison.Ordinal);
            holder.Kill();
            await holder.WaitForExitAsync(TestContext.Current.CancellationToken);
        }
        (code, _, stderr) = await _cli.RunAsync("campaign", "delete", "--id", "e2e");
        Assert.True(code == 0, stderr);
        Assert.Null(store.FindCampaign("e2e"));
        Assert.Empty(store.Results("e2e"));
        Assert.False(Directory.Exists(Path.Combine(_cli.DataDir, "campaigns", "e2e")));
        Assert.Empty(Directory.EnumerateFiles(Path.Combine(_cli.DataDir, "blobs", "sha256"), "*", SearchOption.AllDirectories));
        // The journal forgot it too: the id can be used again (a remembered journal would say it exists).
        (code, _, stderr) = await _cli.RunAsync("campaign", "status", "--id", "e2e");
        Assert.Equal(2, code);
    }

    /// <summary>
    /// Reproduced defect: a trial whose own log exceeded 32 KiB (thousands of progress lines: a surrogate ensemble of 5 × 300
    /// epochs) failed, because the log always travelled inline and the aggregator refuses more than 32 KiB inline.
    /// </summary>
    [Fact]
    public async Task A_trial_whose_log_exceeds_the_inline_limit_should_complete_with_its_whole_log()
    {
        var spec = _cli.Path("chatty.yaml");
        File.WriteAllText(spec, """
            name: chatty
            engine: exec
            base:
              command: [sh, -c, "i=0; while [ $i -lt 1500 ]; do i=$((i+1)); echo clusterml-metric loss=$i; done"]
            space:
              x: { type: choice, values: [1] }
            search: { kind: grid }
            """);
        var (code, stdout, stderr) = await _cli.RunAsync("campaign", "run", spec, "--id", "chatty");
        Assert.True(code == 0, stdout + stderr);
        var result = Assert.Single(new SqliteResultStore(Path.Combine(_cli.DataDir, "results.db")).Results("chatty"));
        Assert.Equal(TrialStatus.Completed, result.Status);
        var log = new FileInfo(Path.Combine(_cli.DataDir, "campaigns", "chatty", "trials", result.TrialId, "trial.log"));
        Assert.True(log.Exists && log.Length > ClusterML.Core.Files.ArtifactFile.MaxInlineBytes, $"trial.log: {(log.Exists ? log.Length : -1)} bytes");
        var (logCode, shown, _) = await _cli.RunAsync("campaign", "log", "--id", "chatty", "--trial", result.TrialId);
        Assert.Equal(0, logCode);
        Assert.Contains("epoch 1500", shown, StringComparison.Ordinal);
    }
}
