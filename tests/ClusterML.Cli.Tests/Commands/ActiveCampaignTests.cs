using System.Globalization;
using ClusterML.Core.Results;
using ClusterML.Storage;

namespace ClusterML.Cli.Tests.Commands;

/// <summary>Active-learning campaigns (<c>kind: active</c>) on the embedded cluster, and one killed and resumed.</summary>
[Collection("Torch")]
public sealed class ActiveCampaignTests : IDisposable
{
    private readonly CliRun _cli = new();

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        _cli.Dispose();
    }

    private string ThinFilm(string extra = "")
    {
        var path = _cli.Path("al.yaml");
        File.WriteAllText(path, $"""
            name: al
            kind: active
            seed: 2
            oracle: {"{"} generator: thin-film {"}"}
            pool: {"{"} generator: thin-film, n: 3000 {"}"}
            test: {"{"} generator: thin-film, n: 300 {"}"}
            target: k_W_mK
            inputs: [thickness_nm, roughness_nm, temperature_K, direction]
            initial: 12
            batch: 4
            surrogate: {"{"} ensemble: 2, epochs: 25 {"}"}
            budget: {"{"} oracle_calls: 20 {"}"}
            compare_random: true
            {extra}
            """);
        return path;
    }

    [Fact]
    public async Task A_thin_film_campaign_should_spend_its_budget_in_rounds_and_export_the_last_round_s_model()
    {
        var (code, output, error) = await _cli.RunAsync("campaign", "run", ThinFilm(), "--id", "al");
        Assert.True(code == 0, output + error);
        // 12 design calls, then two batches of 4: rounds 1 and 2 pick, round 3 trains on all 20.
        Assert.Contains("Oracle calls: 20 of 20 (active learning), 8 (random sampling, for comparison)", output, StringComparison.Ordinal);
        Assert.Contains("Model (round 3, 20 labelled rows)", output, StringComparison.Ordinal);
        var store = new SqliteResultStore(Path.Combine(_cli.DataDir, "results.db"));
        var results = store.Results("al");
        var calls = results.Where(r => r.Parameters.ContainsKey("candidate")).ToList();
        Assert.Equal(28, calls.Count);
        Assert.All(calls, c => Assert.Equal(TrialStatus.Completed, c.Status));
        // Each arm labels distinct candidates, and a call's label is the generator's value at its inputs.
        Assert.Equal(20, calls.Where(c => c.Parameters["arm"] != "random").Select(c => c.Parameters["candidate"]).Distinct().Count());
        var call = calls[0];
        double P(string key) => double.Parse(call.Parameters[key], CultureInfo.InvariantCulture);
        var expected = new ClusterML.Oracles.ThinFilmOracle().Evaluate([P("thickness_nm"), P("roughness_nm"), P("temperature_K"), P("direction")])[0];
        Assert.Equal(expected, call.Metrics["k_W_mK"], 12);
        var round3 = results.Single(r => r.TrialId == "r003-active");
        Assert.Equal(20, round3.Metrics["labelled"]);
        Assert.InRange(round3.Metrics["test_r2_log10"], -10, 1);
        Assert.True(File.Exists(Path.Combine(_cli.DataDir, "campaigns", "al", "active_learning.png")));
        Assert.True(File.Exists(Path.Combine(_cli.DataDir, "campaigns", "al", "trials", "r002-active", "selected.csv")));

        var (statusCode, status, _) = await _cli.RunAsync("campaign", "status", "--id", "al");
        Assert.Equal(0, statusCode);
        Assert.Contains("oracle calls", status, StringComparison.Ordinal);
        Assert.Contains("20 of 20 (+8 random sampling)", status, StringComparison.Ordinal);
        Assert.Contains("3 of 3", status, StringComparison.Ordinal); // rounds done

        var model = _cli.Path("model");
        var (resultsCode, shown, resultsError) = await _cli.RunAsync("campaign", "results", "--id", "al", "--best-model", model);
        Assert.True(resultsCode == 0, shown + resultsError);
        Assert.Contains("Model of r003-active copied", shown, StringComparison.Ordinal);
        var candidates = _cli.Path("films.csv");
        File.WriteAllText(candidates, "thickness_nm,roughness_nm,temperature_K,direction\n100,0.5,300,0\n1000,0.5,300,1\n");
        var (predictCode, _, predictError) = await _cli.RunAsync("surrogate", "predict", "--model", model, "--data", candidates, "--out", _cli.Path("p.csv"));
        Assert.True(predictCode == 0, predictError);
    }

    [Fact]
    public async Task A_campaign_should_stop_early_when_the_pool_s_uncertainty_is_below_stop_sigma()
    {
        var (code, output, error) = await _cli.RunAsync("campaign", "run", ThinFilm("stop: { sigma: 100 }"), "--id", "al-stop");
        Assert.True(code == 0, output + error);
        Assert.Contains("stop: the largest predicted uncertainty over the pool fell below stop.sigma", output, StringComparison.Ordinal);
        var results = new SqliteResultStore(Path.Combine(_cli.DataDir, "results.db")).Results("al-stop");
        // Round 1 stops the loop: no call after the design's 12, no later round.
        Assert.Equal(12, results.Count(r => r.Parameters.ContainsKey("candidate")));
        Assert.DoesNotContain(results, r => r.TrialId.StartsWith("r002", StringComparison.Ordinal));
    }

    [Fact]
    public async Task An_invalid_active_spec_should_exit_2_naming_the_line()
    {
        var (code, _, error) = await _cli.RunAsync("campaign", "run", ThinFilm("acquisition: ei"), "--id", "bad");
        Assert.Equal(2, code);
        Assert.Contains("al.yaml", error, StringComparison.Ordinal);
        Assert.Contains("al.yaml:14: acquisition", error, StringComparison.Ordinal);
        Assert.Contains("goal", error, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(_cli.DataDir, "results.db")));
    }

    /// <summary>
    /// An exec oracle (a shell command that appends its inputs to calls.log, sleeps, and prints y = a² + 3b) over a CSV pool:
    /// killed with SIGKILL in the middle, resumed, it finishes with every finished call kept and none of them made again.
    /// </summary>
    [Fact]
    [Trait("Category", "Slow")]
    public async Task A_killed_campaign_should_resume_without_repeating_a_finished_oracle_call()
    {
        var pool = _cli.Path("pool.csv");
        File.WriteAllLines(pool, ["a,b", .. Enumerable.Range(0, 400).Select(i => FormattableString.Invariant($"{(i % 20) / 19.0:G6},{(i / 20) / 19.0:G6}"))]);
        var calls = _cli.Path("calls.log");
        File.WriteAllText(_cli.Path("oracle.sh"), "echo \"$1 $2\" >> \"$3\"\nsleep 0.4\nawk -v a=\"$1\" -v b=\"$2\" 'BEGIN { printf \"clusterml-metric y=%.12g\\n\", a*a + 3*b }'\n");
        var spec = _cli.Path("exec-al.yaml");
        File.WriteAllText(spec, $$"""
            name: exec-al
            kind: active
            seed: 4
            oracle:
              engine: exec
              command: [sh, "{inputs.oracle}", "{a}", "{b}", "{{calls}}"]
              inputs: { oracle: oracle.sh }
            pool: { data: pool.csv }
            target: y
            inputs: [a, b]
            initial: 10
            batch: 5
            surrogate: { ensemble: 2, epochs: 30 }
            budget: { oracle_calls: 30 }
            """);
        var data = _cli.Path("embedded");
        var store = () => new SqliteResultStore(Path.Combine(data, "results.db"));
        int Calls() => File.Exists(calls) ? File.ReadAllLines(calls).Length : 0;
        using (var run = new ClusterProcess(_cli.Root, "campaign", "run", spec, "--id", "exec-al", "--slots", "2", "--data-dir", data))
        {
            await ClusterProcess.WaitUntilAsync(() => Calls() >= 17, TimeSpan.FromSeconds(120), () => run.Output);
            run.KillHard();
            await run.WaitForExitAsync(TimeSpan.FromSeconds(10));
        }
        var before = store().Results("exec-al").Where(r => r.Parameters.ContainsKey("candidate") && r.Status == TrialStatus.Completed).ToList();
        Assert.InRange(before.Count, 10, 29);
        var madeBefore = Calls();

        using var resume = new ClusterProcess(_cli.Root, "campaign", "resume", "--id", "exec-al", "--slots", "2", "--data-dir", data);
        Assert.True(await resume.WaitForExitAsync(TimeSpan.FromSeconds(240)), resume.Output);
        Assert.True(resume.ExitCode == 0, resume.Output);
        var after = store().Results("exec-al");
        var finishedCalls = after.Where(r => r.Parameters.ContainsKey("candidate")).ToList();
        Assert.Equal(30, finishedCalls.Count(r => r.Status == TrialStatus.Completed));
        foreach (var call in before)
        {
            Assert.Equal(call.EndedAtMs, after.Single(r => r.TrialId == call.TrialId).EndedAtMs);
        }
        // The calls log: one line per oracle call made. A finished call is never made again; only the (at most two) calls
        // in flight at the kill may have been made twice.
        var lines = File.ReadAllLines(calls);
        Assert.InRange(lines.Length, 30, 32);
        var repeated = lines.GroupBy(l => l).Where(g => g.Count() > 1).Select(g => g.Key).ToList();
        Assert.True(repeated.Count <= 2, string.Join("; ", repeated));
        var finishedBefore = before.Select(c => $"{c.Parameters["a"]} {c.Parameters["b"]}").ToHashSet();
        Assert.DoesNotContain(repeated, finishedBefore.Contains);
        Assert.True(madeBefore >= before.Count);
    }
}
