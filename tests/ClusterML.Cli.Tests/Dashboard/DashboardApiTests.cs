using System.Collections.Immutable;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using ClusterML.Cli.Dashboard;
using ClusterML.Core.Files;
using ClusterML.Core.Results;
using ClusterML.Storage;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;

namespace ClusterML.Cli.Tests.Dashboard;

/// <summary>
/// The dashboard's HTTP API on ASP.NET Core's in-memory test server, over a data directory with a finished campaign (three
/// trials, one failed, with epochs, artifacts and a log) and a running one (a live file naming a running trial).
/// </summary>
public sealed class DashboardApiTests : IAsyncLifetime
{
    private const string Token = "test-token-0123456789abcdef";
    private readonly CliRun _cli = new();
    private readonly List<WebApplication> _apps = [];
    private SqliteResultStore _store = null!;

    private sealed class RecordingActions : ICampaignActions
    {
        public List<string> Calls { get; } = [];

        public Task<ActionOutcome> CancelAsync(string campaignId, CancellationToken cancellationToken)
        {
            Calls.Add($"cancel {campaignId}");
            return Task.FromResult(new ActionOutcome(true, $"campaign {campaignId} cancelled"));
        }

        public Task<ActionOutcome> ResumeAsync(string campaignId, CancellationToken cancellationToken)
        {
            Calls.Add($"resume {campaignId}");
            return Task.FromResult(new ActionOutcome(false, "runs already"));
        }
    }

    private readonly RecordingActions _actions = new();

    public ValueTask InitializeAsync()
    {
        Directory.CreateDirectory(_cli.DataDir);
        _store = new SqliteResultStore(Path.Combine(_cli.DataDir, "results.db"));
        _store.SaveCampaign(new CampaignRecord("done", "finished sweep", "fd", "done.yaml", "name: finished sweep\n", "completed", 3, 1_000, 61_000));
        var folder = Path.Combine(_cli.DataDir, ArtifactLayout.TrialFolder("done", "t0001"));
        Directory.CreateDirectory(folder);
        File.WriteAllText(Path.Combine(folder, "profile.csv"), "x,T\n0,1\n");
        File.WriteAllText(Path.Combine(folder, "trial.log"), string.Join('\n', Enumerable.Range(1, 300).Select(i => $"line {i}")));
        File.WriteAllText(Path.Combine(_cli.DataDir, "secret.txt"), "not an artifact");
        File.CreateSymbolicLink(Path.Combine(folder, "escape.txt"), Path.Combine(_cli.DataDir, "secret.txt"));
        Result("done", "t0000", 0, "0.1", TrialStatus.Completed, 0.5);
        Result("done", "t0001", 1, "0.01", TrialStatus.Completed, 0.02, files: [new ArtifactFile("profile.csv", 8, "00"), new ArtifactFile("trial.log", 10, "00"),
            new ArtifactFile("escape.txt", 15, "00"), new ArtifactFile("../../../../secret.txt", 15, "00")]);
        Result("done", "t0002", 2, "1.0", TrialStatus.Failed, null, error: "diverged: r = 0.6 > 1/2");
        foreach (var (trial, scale) in new[] { ("t0000", 5.0), ("t0001", 1.0), ("t0002", 50.0) })
        {
            for (var epoch = 1; epoch <= 4; epoch++)
            {
                _store.RecordEpoch(new EpochMetrics("done", trial, 1, epoch, new Dictionary<string, double> { ["train_loss"] = scale / epoch }));
            }
        }
        _store.SaveCampaign(new CampaignRecord("live", "running sweep", "exec", "live.yaml", "name: running sweep\n", "running", 10, 2_000, null));
        Result("live", "t0000", 0, "0.2", TrialStatus.Completed, 0.3);
        LiveFiles.Write(_cli.DataDir, new LiveCampaign("live", 5_000, Environment.ProcessId, "running", 10, 1, 1, 0, 0, "t0000", 0.3,
            [new LiveTrial("t0001", 1, "akka.tcp://clusterml@127.0.0.1:4053", 4_000)],
            new ClusterView(5_000, "akka.tcp://clusterml@127.0.0.1:4053", [new MemberView("akka.tcp://clusterml@127.0.0.1:4053", ["coordinator", "worker"], "up", true, true, 2, 1, "cpu")])));
        return ValueTask.CompletedTask;
    }

    private void Result(string campaign, string trial, int index, string lr, TrialStatus status, double? loss, IReadOnlyList<ArtifactFile>? files = null, string? error = null) =>
        _store.TryRecordResult(new TrialResult(campaign, trial, index, new Dictionary<string, string> { ["lr"] = lr }, 7, status, loss,
            loss is { } l ? new Dictionary<string, double> { ["loss"] = l } : new Dictionary<string, double>(), error, [], "akka.tcp://clusterml@127.0.0.1:4053", 1,
            10_000 + index, 20_000 + index, files, files is null ? null : ArtifactLayout.TrialFolder(campaign, trial)));

    public async ValueTask DisposeAsync()
    {
        foreach (var app in _apps)
        {
            await app.StopAsync();
            await app.DisposeAsync();
        }
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        _cli.Dispose();
    }

    private async Task<(HttpClient Client, DashboardData Data)> StartAsync(DashboardOptions? options = null)
    {
        options ??= new DashboardOptions(_cli.DataDir, 0, Token);
        var app = DashboardApp.Build(options, _store, _actions, null, Serilog.Core.Logger.None, builder => builder.WebHost.UseTestServer());
        _apps.Add(app);
        await app.StartAsync(TestContext.Current.CancellationToken);
        return (app.GetTestClient(), app.Services.GetService(typeof(DashboardData)) as DashboardData ?? throw new InvalidOperationException("no DashboardData"));
    }

    private static async Task<JsonElement> Json(HttpClient client, string path)
    {
        var response = await client.GetAsync(path, TestContext.Current.CancellationToken);
        Assert.True(response.IsSuccessStatusCode, $"{path}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken)}");
        return await response.Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken);
    }

    [Fact]
    public async Task The_campaigns_list_should_show_states_counts_best_trials_and_the_running_count_from_the_live_driver()
    {
        var (client, _) = await StartAsync();
        var rows = (await Json(client, "/api/campaigns")).EnumerateArray().ToDictionary(r => r.GetProperty("id").GetString()!);
        Assert.Equal(["done", "live"], rows.Keys.Order());
        var done = rows["done"];
        Assert.Equal("completed", done.GetProperty("status").GetString());
        Assert.Equal(2, done.GetProperty("completed").GetInt32());
        Assert.Equal(1, done.GetProperty("failed").GetInt32());
        Assert.Equal("t0001", done.GetProperty("best_trial").GetString());
        Assert.Equal(0.02, done.GetProperty("best_value").GetDouble());
        Assert.Equal(60.0, done.GetProperty("wall_seconds").GetDouble());
        Assert.False(done.GetProperty("live").GetBoolean());
        var live = rows["live"];
        Assert.True(live.GetProperty("live").GetBoolean());
        Assert.Equal(1, live.GetProperty("running").GetInt32());
        Assert.Equal(8, live.GetProperty("pending").GetInt32()); // 10 planned − 1 finished − 1 running
    }

    [Fact]
    public async Task A_running_campaign_whose_driver_died_should_not_count_as_live()
    {
        LiveFiles.Write(_cli.DataDir, new LiveCampaign("live", 5_000, DeadProcessId(), "running", 10, 1, 1, 0, 0, null, null, [], null));
        var (client, _) = await StartAsync();
        var live = (await Json(client, "/api/campaigns")).EnumerateArray().Single(r => r.GetProperty("id").GetString() == "live");
        Assert.False(live.GetProperty("live").GetBoolean());
        Assert.Equal(JsonValueKind.Null, live.GetProperty("running").ValueKind);
    }

    /// <summary>The id of a process that has exited (a short-lived child).</summary>
    private static int DeadProcessId()
    {
        using var process = System.Diagnostics.Process.Start("true")!;
        process.WaitForExit();
        return process.Id;
    }

    [Fact]
    public async Task A_campaign_page_should_rank_trials_list_running_ones_and_name_its_axes()
    {
        var (client, _) = await StartAsync();
        var page = await Json(client, "/api/campaigns/done");
        var trials = page.GetProperty("trials").EnumerateArray().ToArray();
        Assert.Equal(["t0001", "t0000", "t0002"], trials.Select(t => t.GetProperty("trial_id").GetString()));
        Assert.Equal(1, trials[0].GetProperty("rank").GetInt32());
        Assert.Equal(JsonValueKind.Null, trials[2].GetProperty("rank").ValueKind); // failed: not ranked
        Assert.Equal("diverged: r = 0.6 > 1/2", trials[2].GetProperty("error").GetString());
        Assert.Equal(["lr"], page.GetProperty("axes").EnumerateArray().Select(a => a.GetString()));
        Assert.True(page.GetProperty("actions").GetBoolean());

        var running = (await Json(client, "/api/campaigns/live")).GetProperty("trials").EnumerateArray().ToArray();
        Assert.Contains(running, t => t.GetProperty("trial_id").GetString() == "t0001" && t.GetProperty("status").GetString() == "running"
            && t.GetProperty("node").GetString() == "akka.tcp://clusterml@127.0.0.1:4053");
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync("/api/campaigns/nope", TestContext.Current.CancellationToken)).StatusCode);
    }

    [Fact]
    public async Task A_large_campaign_should_list_its_best_trials_and_count_them_all()
    {
        var count = DashboardData.MaxTrialRows + 5;
        _store.SaveCampaign(new CampaignRecord("large", "large sweep", "fd", "large.yaml", "", "completed", count, 0, 1_000));
        _store.RecordBatch([.. Enumerable.Range(0, count).Select(i => new TrialResult("large", $"t{i:D5}", i, new Dictionary<string, string> { ["lr"] = "0.1" }, 1,
            TrialStatus.Completed, 1.0 + ((i * 7919) % count), new Dictionary<string, double>(), null, [], "n", 1, 0, 1))], []);
        var (client, _) = await StartAsync();
        var page = await Json(client, "/api/campaigns/large");
        Assert.Equal(count, page.GetProperty("finished_trials").GetInt32());
        var losses = page.GetProperty("trials").EnumerateArray().Select(t => t.GetProperty("loss").GetDouble()).ToArray();
        Assert.Equal(DashboardData.MaxTrialRows, losses.Length);
        Assert.Equal(Enumerable.Range(1, DashboardData.MaxTrialRows).Select(i => (double)i), losses); // the best, in order
        var row = (await Json(client, "/api/campaigns")).EnumerateArray().Single(r => r.GetProperty("id").GetString() == "large");
        Assert.Equal((count, 1.0), (row.GetProperty("completed").GetInt32(), row.GetProperty("best_value").GetDouble()));
    }

    [Fact]
    public async Task Learning_curves_should_be_those_of_the_best_trials_epoch_by_epoch()
    {
        var (client, _) = await StartAsync();
        var curves = (await Json(client, "/api/campaigns/done/curves?top=1")).EnumerateArray().ToArray();
        var best = Assert.Single(curves);
        Assert.Equal("t0001", best.GetProperty("trial_id").GetString());
        Assert.Equal([1, 2, 3, 4], best.GetProperty("epochs").EnumerateArray().Select(e => e.GetInt32()));
        Assert.Equal([1.0, 0.5, 1.0 / 3, 0.25], best.GetProperty("series").GetProperty("train_loss").EnumerateArray().Select(v => v.GetDouble()));
        var two = (await Json(client, "/api/campaigns/done/curves?top=1&trial=t0002")).EnumerateArray().Select(c => c.GetProperty("trial_id").GetString());
        Assert.Equal(["t0001", "t0002"], two);
    }

    [Fact]
    public async Task A_trial_page_should_have_its_configuration_epochs_and_the_end_of_its_log()
    {
        var (client, _) = await StartAsync();
        var page = await Json(client, "/api/campaigns/done/trials/t0001");
        Assert.Equal("0.01", page.GetProperty("trial").GetProperty("parameters").GetProperty("lr").GetString());
        Assert.Equal(4, page.GetProperty("curve").GetProperty("epochs").GetArrayLength());
        var log = page.GetProperty("log_tail").GetString()!.Split('\n');
        Assert.Equal(200, log.Length);
        Assert.Equal("line 300", log[^1]);
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync("/api/campaigns/done/trials/t0099", TestContext.Current.CancellationToken)).StatusCode);
    }

    [Fact]
    public async Task Artifacts_should_download_when_listed_and_never_from_outside_the_trial_folder()
    {
        var (client, _) = await StartAsync();
        var ct = TestContext.Current.CancellationToken;
        var file = await client.GetAsync("/api/campaigns/done/trials/t0001/files/profile.csv", ct);
        Assert.Equal(HttpStatusCode.OK, file.StatusCode);
        Assert.Equal("x,T\n0,1\n", await file.Content.ReadAsStringAsync(ct));
        Assert.Equal("profile.csv", file.Content.Headers.ContentDisposition?.FileName);
        // Listed by a (crafted) result but outside the folder, through a symbolic link, or not listed at all: not served.
        foreach (var path in new[] { "escape.txt", "..%2F..%2F..%2F..%2Fsecret.txt", "../../../../secret.txt", "unlisted.csv" })
        {
            var refused = await client.GetAsync($"/api/campaigns/done/trials/t0001/files/{path}", ct);
            Assert.True(refused.StatusCode == HttpStatusCode.NotFound, $"{path}: {refused.StatusCode} {await refused.Content.ReadAsStringAsync(ct)}");
        }
    }

    [Fact]
    public async Task A_distributed_nep_fit_should_show_its_curves_placement_worker_steps_and_parity()
    {
        var outDir = _cli.Path("fit out");
        Directory.CreateDirectory(outDir);
        // GPUMD's layouts: energy (predicted, reference), force (3 predicted, 3 reference), virial (6 + 6; −1e6: none).
        File.WriteAllText(Path.Combine(outDir, "energy_train.out"), "1.0 1.1\n2.0 1.9\n");
        File.WriteAllText(Path.Combine(outDir, "force_train.out"), "0.1 0.2 0.3 0.1 0.2 0.5\n");
        File.WriteAllText(Path.Combine(outDir, "virial_train.out"), string.Join(' ', Enumerable.Repeat("-1e6", 12)) + "\n");
        string id;
        using (var fit = NepFitRecords.Begin(_cli.DataDir, new NepFitInfo("", outDir, "running", 1_000, null, "adam", ["Pb", "Te"], 3, 10, null, true, Environment.ProcessId, null)))
        {
            id = fit.Id;
            fit.Placement([new NepFitShard("akka.tcp://clusterml@10.0.0.2:4053", 0, 5, 1_000), new NepFitShard("akka.tcp://clusterml@10.0.0.3:4053", 1, 5, 1_200)]);
            for (var epoch = 1; epoch <= 3; epoch++)
            {
                fit.Epoch(new NepFitPoint(epoch, epoch * 2.0, 1.0 / epoch, 0.01 / epoch, 0.1 / epoch, null, null, null, null));
                fit.WorkerSteps([new NepFitWorkerStep(epoch, "akka.tcp://clusterml@10.0.0.2:4053", 4, 0.5, 0.2, 0.7)]);
            }
            fit.End("completed", null);
        }
        var (client, _) = await StartAsync();
        var list = (await Json(client, "/api/fits")).EnumerateArray().ToArray();
        Assert.Equal(id, Assert.Single(list).GetProperty("id").GetString());
        var page = await Json(client, $"/api/fits/{id}");
        Assert.Equal("completed", page.GetProperty("info").GetProperty("status").GetString());
        Assert.Equal([1.0, 0.5, 1.0 / 3], page.GetProperty("progress").EnumerateArray().Select(p => p.GetProperty("loss").GetDouble()));
        Assert.Equal(2, page.GetProperty("placement").GetArrayLength());
        Assert.Equal(3, page.GetProperty("worker_steps").GetArrayLength());
        var parity = page.GetProperty("parity").EnumerateArray().ToDictionary(p => p.GetProperty("quantity").GetString()!);
        Assert.Equal(["energy", "force"], parity.Keys.Order()); // no virials in the file: no virial plot
        Assert.Equal(0.1, parity["energy"].GetProperty("rmse").GetDouble(), 1e-12);
        Assert.Equal(3, parity["force"].GetProperty("points").GetInt32());
        Assert.Equal(Math.Sqrt(0.04 / 3), parity["force"].GetProperty("rmse").GetDouble(), 1e-12);
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync("/api/fits/..", TestContext.Current.CancellationToken)).StatusCode);
    }

    [Fact]
    public async Task On_loopback_reading_should_need_no_token_but_cancel_and_resume_should()
    {
        var (client, _) = await StartAsync();
        var ct = TestContext.Current.CancellationToken;
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/campaigns", ct)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.PostAsync("/api/campaigns/live/cancel", null, ct)).StatusCode);
        using (var wrong = new HttpRequestMessage(HttpMethod.Post, "/api/campaigns/live/cancel"))
        {
            wrong.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Token + "x");
            Assert.Equal(HttpStatusCode.Unauthorized, (await client.SendAsync(wrong, ct)).StatusCode);
        }
        Assert.Empty(_actions.Calls);
        using var right = new HttpRequestMessage(HttpMethod.Post, "/api/campaigns/live/cancel");
        right.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Token);
        var done = await client.SendAsync(right, ct);
        Assert.Equal(HttpStatusCode.OK, done.StatusCode);
        Assert.Equal(["cancel live"], _actions.Calls);

        // The page exchanges the token for a cookie once; later requests carry only the cookie.
        using var session = new HttpRequestMessage(HttpMethod.Post, "/api/session");
        session.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Token);
        var cookie = (await client.SendAsync(session, ct)).Headers.GetValues("Set-Cookie").Single();
        Assert.Contains("httponly", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("samesite=strict", cookie, StringComparison.OrdinalIgnoreCase);
        using var resume = new HttpRequestMessage(HttpMethod.Post, "/api/campaigns/live/resume");
        resume.Headers.Add("Cookie", cookie.Split(';')[0]);
        var refusedResume = await client.SendAsync(resume, ct);
        Assert.Equal(HttpStatusCode.Conflict, refusedResume.StatusCode); // the action ran and said no
        Assert.Equal(["cancel live", "resume live"], _actions.Calls);
    }

    [Fact]
    public async Task A_read_only_dashboard_should_refuse_actions_even_with_the_token()
    {
        var (client, _) = await StartAsync(new DashboardOptions(_cli.DataDir, 0, Token) { ReadOnly = true });
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/campaigns/live/cancel");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Token);
        Assert.Equal(HttpStatusCode.Forbidden, (await client.SendAsync(request, TestContext.Current.CancellationToken)).StatusCode);
        Assert.Empty(_actions.Calls);
        Assert.False((await Json(client, "/api/campaigns/done")).GetProperty("actions").GetBoolean());
    }

    [Fact]
    public async Task Beyond_loopback_every_api_request_should_need_the_token()
    {
        var (client, _) = await StartAsync(new DashboardOptions(_cli.DataDir, 0, Token) { Listen = IPAddress.Any });
        var ct = TestContext.Current.CancellationToken;
        foreach (var path in new[] { "/api/campaigns", "/api/campaigns/done", "/api/cluster", "/api/fits", "/api/campaigns/done/trials/t0001/files/profile.csv", "/api/events" })
        {
            Assert.True((await client.GetAsync(path, ct)).StatusCode == HttpStatusCode.Unauthorized, path);
        }
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/campaigns");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Token);
        Assert.Equal(HttpStatusCode.OK, (await client.SendAsync(request, ct)).StatusCode);
        // The page itself holds no data: it loads, then asks for the token.
        var page = await client.GetAsync("/", ct);
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Contains("ClusterML dashboard", await page.Content.ReadAsStringAsync(ct), StringComparison.Ordinal);
    }

    [Fact]
    public async Task On_loopback_a_request_for_another_host_name_should_be_refused()
    {
        var (client, _) = await StartAsync();
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/campaigns");
        request.Headers.Host = "attacker.example";
        Assert.Equal(HttpStatusCode.BadRequest, (await client.SendAsync(request, TestContext.Current.CancellationToken)).StatusCode);
    }

    [Fact]
    public async Task The_page_and_its_chart_library_should_be_served_from_the_program()
    {
        var (client, _) = await StartAsync();
        var ct = TestContext.Current.CancellationToken;
        foreach (var (path, needle) in new[] { ("/", "/app.js"), ("/app.js", "EventSource"), ("/uPlot.iife.min.js", "uPlot"), ("/uPlot.min.css", ".uplot") })
        {
            var response = await client.GetAsync(path, ct);
            Assert.True(response.IsSuccessStatusCode, path);
            Assert.Contains(needle, await response.Content.ReadAsStringAsync(ct), StringComparison.Ordinal);
        }
        var headers = (await client.GetAsync("/", ct)).Headers;
        Assert.Contains("default-src 'self'", headers.GetValues("Content-Security-Policy").Single(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Many_pages_asking_at_once_should_read_the_store_once_per_refresh_interval()
    {
        var (client, data) = await StartAsync(new DashboardOptions(_cli.DataDir, 0, Token) { RefreshInterval = TimeSpan.FromMinutes(5) });
        var ct = TestContext.Current.CancellationToken;
        await client.GetStringAsync("/api/campaigns/done", ct);
        await client.GetStringAsync("/api/campaigns", ct);
        var afterOne = data.StoreReads;
        await Task.WhenAll(Enumerable.Range(0, 10).Select(_ => client.GetStringAsync("/api/campaigns/done", ct)));
        await Task.WhenAll(Enumerable.Range(0, 10).Select(_ => client.GetStringAsync("/api/campaigns", ct)));
        Assert.True(afterOne > 0);
        Assert.Equal(afterOne, data.StoreReads);
    }

    [Fact]
    public async Task An_open_page_should_hear_of_a_new_result_through_server_sent_events()
    {
        var (client, _) = await StartAsync(new DashboardOptions(_cli.DataDir, 0, Token) { RefreshInterval = TimeSpan.FromMilliseconds(100) });
        var ct = TestContext.Current.CancellationToken;
        using var stream = new StreamReader(await client.GetStreamAsync("/api/events?topic=campaign:live&topic=campaigns", ct));
        Assert.Equal("event: subscribed", await stream.ReadLineAsync(ct));
        await Task.Delay(500, ct); // the feed's first look (it remembers, sends nothing)
        Result("live", "t0001", 1, "0.3", TrialStatus.Completed, 0.25);
        var topics = new HashSet<string>();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(10));
        string? eventName = null;
        while (topics.Count < 2 && await stream.ReadLineAsync(timeout.Token) is { } line)
        {
            if (line.StartsWith("event: ", StringComparison.Ordinal))
            {
                eventName = line[7..];
            }
            else if (line.StartsWith("data: ", StringComparison.Ordinal) && eventName == "changed")
            {
                topics.Add(line[6..]);
            }
        }
        Assert.Equal(["campaign:live", "campaigns"], topics.Order());
    }
}
