using ClusterML.Core.Results;
using ClusterML.Engines.Nep.Xyz;
using ClusterML.Storage;

namespace ClusterML.Cli.Tests.Commands;

/// <summary>A potential's active learning (<c>kind: active</c> with <c>committee:</c>) on the embedded cluster.</summary>
[Collection("Torch")]
public sealed class NepActiveCampaignTests : IDisposable
{
    private readonly CliRun _cli = new();

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        _cli.Dispose();
    }

    private string Campaign(string trust = "{ low: 0, high: 1000 }")
    {
        var teacher = NepFixtures.TinyModel(_cli.Path("teacher.txt"));
        NepFixtures.TeacherFrames(teacher, _cli.Path("pool.xyz"), 20, 11);
        NepFixtures.TeacherFrames(teacher, _cli.Path("test.xyz"), 5, 12);
        var path = _cli.Path("nal.yaml");
        File.WriteAllText(path, $$"""
            name: nal
            kind: active
            seed: 3
            oracle: { model: teacher.txt }
            pool: { data: pool.xyz }
            test: { data: test.xyz }
            initial: 6
            batch: 3
            committee:
              members: 2
              fine_tune_epochs: 2
              type: Si
              epochs: 6
              batch: 4
              cutoff_radial: 4
              cutoff_angular: 3
              n_max_radial: 1
              n_max_angular: 1
              basis_radial: 1
              basis_angular: 1
              l_max: 2
              neuron: 3
              dtype: float64
            trust: {{trust}}
            budget: { oracle_calls: 12 }
            compare_random: true
            """);
        return path;
    }

    [Fact]
    [Trait("Category", "Slow")]
    public async Task A_committee_campaign_should_label_pool_structures_through_the_cluster_and_fine_tune_each_round()
    {
        var (code, output, error) = await _cli.RunAsync("campaign", "run", Campaign(), "--id", "nal");
        Assert.True(code == 0, output + error);
        Assert.Contains("Oracle calls: 12 of 12 (active learning), 6 (random sampling, for comparison)", output, StringComparison.Ordinal);
        var results = new SqliteResultStore(Path.Combine(_cli.DataDir, "results.db")).Results("nal");
        var calls = results.Where(r => r.Parameters.ContainsKey("candidate")).ToList();
        Assert.Equal(18, calls.Count);
        Assert.All(calls, c => Assert.Equal(TrialStatus.Completed, c.Status));
        Assert.Equal(12, calls.Where(c => c.Parameters["arm"] != "random").Select(c => c.Parameters["candidate"]).Distinct().Count());

        // Each call labelled the pool structure it was given: the teacher wrote the same energies into the pool file.
        var pool = ExtendedXyzReader.Read(_cli.Path("pool.xyz")).ToList();
        foreach (var call in calls)
        {
            var frame = pool[int.Parse(call.Parameters["candidate"], System.Globalization.CultureInfo.InvariantCulture)];
            Assert.Equal(frame.Energy!.Value / frame.AtomCount, call.Metrics["energy_per_atom"], 9);
            Assert.True(File.Exists(Path.Combine(_cli.DataDir, call.ArtifactFolder!, "frame.xyz")));
        }

        // Rounds train on 6, 9 and 12 frames; round 1 starts afresh, later rounds fine-tune their arm's previous committee.
        TrialResult Round(string id) => results.Single(r => r.TrialId == id);
        Assert.Equal(new[] { 6.0, 9.0, 12.0 }, new[] { "r001-active", "r002-active", "r003-active" }.Select(id => Round(id).Metrics["labelled"]));
        Assert.Equal(0, Round("r001-active").Metrics["fine_tuned"]);
        Assert.Equal(1, Round("r002-active").Metrics["fine_tuned"]);
        Assert.Equal(1, Round("r003-random").Metrics["fine_tuned"]);
        Assert.Equal(12, Round("r003-random").Metrics["labelled"]);
        // Both arms' round 1 train the same committee on the same initial frames; the low = 0 window holds the whole unlabelled pool.
        Assert.Equal(Round("r001-active").Metrics["test_rmse"], Round("r001-random").Metrics["test_rmse"], 12);
        Assert.Equal(14, Round("r001-active").Metrics["candidates"]);
        var round2 = Path.Combine(_cli.DataDir, Round("r002-active").ArtifactFolder!);
        Assert.True(File.Exists(Path.Combine(round2, "committee", "member-1.txt")));
        Assert.Equal(12, File.ReadAllLines(Path.Combine(round2, "deviations.csv")).Length); // header + 11 unlabelled
        Assert.Contains("deviation_histogram", File.ReadAllText(Path.Combine(round2, "round.json")), StringComparison.Ordinal);

        var model = _cli.Path("model");
        var (resultsCode, shown, resultsError) = await _cli.RunAsync("campaign", "results", "--id", "nal", "--best-model", model);
        Assert.True(resultsCode == 0, shown + resultsError);
        Assert.Contains("Model of r003-active copied", shown, StringComparison.Ordinal);
        Assert.StartsWith("nep4 1 Si", File.ReadAllText(Path.Combine(model, "nep.txt")), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_trust_window_above_every_deviation_should_stop_the_loop_after_the_first_round()
    {
        var (code, output, error) = await _cli.RunAsync("campaign", "run", Campaign("{ low: 500, high: 1000 }"), "--id", "nal");
        Assert.True(code == 0, output + error);
        var results = new SqliteResultStore(Path.Combine(_cli.DataDir, "results.db")).Results("nal");
        var round1 = results.Single(r => r.TrialId == "r001-active");
        Assert.Equal(0, round1.Metrics["selected"]);
        Assert.Equal(14, round1.Metrics["accurate"]);
        Assert.Equal(1, round1.Metrics["stop"]);
        Assert.DoesNotContain(results, r => r.TrialId == "r002-active" && r.Status == TrialStatus.Completed);
    }

    [Fact]
    public async Task A_committee_of_one_should_be_refused_naming_the_file_and_line()
    {
        var path = Campaign();
        File.WriteAllText(path, File.ReadAllText(path).Replace("members: 2", "members: 1", StringComparison.Ordinal));
        var (code, _, error) = await _cli.RunAsync("campaign", "run", path, "--id", "nal");
        Assert.Equal(2, code);
        Assert.Contains("nal.yaml", error, StringComparison.Ordinal);
        Assert.Contains("committee.members", error, StringComparison.Ordinal);
    }

    /// <summary>
    /// Killed with SIGKILL once its first committee is trained, the campaign resumes: the labelled frames and committees
    /// kept in the journal's store are read back (nothing is labelled twice), and it ends as a whole run does.
    /// </summary>
    [Fact]
    [Trait("Category", "Slow")]
    public async Task A_killed_committee_campaign_should_resume_from_the_frames_and_committees_in_the_journal()
    {
        var spec = Campaign();
        var data = _cli.Path("embedded");
        var store = () => new SqliteResultStore(Path.Combine(data, "results.db"));
        bool Reached()
        {
            try
            {
                return File.Exists(Path.Combine(data, "results.db"))
                    && store().Results("nal").Any(r => r.TrialId == "r001-active" && r.Status == TrialStatus.Completed);
            }
            catch (Microsoft.Data.Sqlite.SqliteException)
            {
                return false; // the running campaign holds a write lock: ask again
            }
        }
        using (var run = new ClusterProcess(_cli.Root, "campaign", "run", spec, "--id", "nal", "--slots", "1", "--data-dir", data))
        {
            await ClusterProcess.WaitUntilAsync(Reached, TimeSpan.FromSeconds(120), () => run.Output);
            run.KillHard();
            await run.WaitForExitAsync(TimeSpan.FromSeconds(10));
        }
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        var before = store().Results("nal").Where(r => r.Status == TrialStatus.Completed).ToList();
        Assert.Contains(before, r => r.TrialId == "r001-active");
        Assert.InRange(before.Count, 8, 30); // the design, its 6 calls, round 1: the rest was still to come

        using var resume = new ClusterProcess(_cli.Root, "campaign", "resume", "--id", "nal", "--slots", "1", "--data-dir", data);
        Assert.True(await resume.WaitForExitAsync(TimeSpan.FromSeconds(240)), resume.Output);
        Assert.True(resume.ExitCode == 0, resume.Output);
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        var after = store().Results("nal");
        foreach (var done in before)
        {
            Assert.Equal(done.EndedAtMs, after.Single(r => r.TrialId == done.TrialId).EndedAtMs); // never run again
        }
        var calls = after.Where(r => r.Parameters.ContainsKey("candidate")).ToList();
        Assert.Equal(18, calls.Count(c => c.Status == TrialStatus.Completed));
        Assert.Equal(12, calls.Where(c => c.Parameters["arm"] != "random").Select(c => c.Parameters["candidate"]).Distinct().Count());
        var final = after.Single(r => r.TrialId == "r003-active");
        Assert.Equal(TrialStatus.Completed, final.Status);
        Assert.Equal(12, final.Metrics["labelled"]);
        Assert.Equal(1, final.Metrics["fine_tuned"]); // round 2's committee was found in the store after the restart
    }
}
