using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using ClusterML.Engines.Surrogate;

namespace ClusterML.Benchmarks;

/// <summary>
/// What open dashboard pages cost a running campaign: the same FD campaign (<see cref="Trials"/> trials, two slots, which keep
/// both cores busy) run alone, beside a <c>clusterml dashboard</c> process with no page and with 10 pages on it, and as
/// <c>campaign run --dashboard</c> with no page and with 10 pages on the driving process itself, in alternating rounds. The
/// pages' own cost is the difference between 10 pages and none on the same dashboard; the rest is the dashboard being there
/// (for <c>--dashboard</c>, starting ASP.NET Core in the driving process). A page here does what the browser's script does: it follows the
/// campaign's change events and, on each, fetches the campaign page and its learning curves. Reported: the campaign's wall
/// time per case (median of the rounds, and its ratio to running alone), the pages' requests, and how often the dashboard
/// read the results store per second.
/// </summary>
public static class DashboardLoadReport
{
    private const int Trials = 120;
    private const int Pages = 10;

    public static void Run(int rounds)
    {
        var root = Directory.CreateTempSubdirectory("clusterml-dashboard-load-").FullName;
        var spec = Path.Combine(root, "load.yaml");
        File.WriteAllText(spec, $"""
            name: load
            engine: fd
            base: {"{"} alpha: 0.1, nx: 801, t_end: 0.5 {"}"}
            space:
              r: {"{"} type: uniform, low: 0.2, high: 0.45 {"}"}
            search: {"{"} kind: sobol {"}"}
            budget: {"{"} max_trials: {Trials} {"}"}
            """);
        var walls = new Dictionary<string, List<double>>
        {
            ["alone"] = [], ["dashboard process, no page"] = [], ["dashboard process, 10 pages"] = [],
            ["campaign run --dashboard, no page"] = [], ["campaign run --dashboard, 10 pages"] = [],
        };
        var requests = new Dictionary<string, List<double>> { ["dashboard process, 10 pages"] = [], ["campaign run --dashboard, 10 pages"] = [] };
        var reads = new List<double>();
        var cpu = new Dictionary<string, List<double>> { ["dashboard process, no page"] = [], ["dashboard process, 10 pages"] = [] };
        for (var round = 0; round < rounds; round++)
        {
            foreach (var scenario in walls.Keys.ToArray())
            {
                var data = Path.Combine(root, $"data-{round}-{walls[scenario].Count}-{scenario.Length}");
                var (wall, pageRequests, readsPerSecond, dashboardCpu) = Measure(root, spec, data, scenario);
                if (dashboardCpu is { } c)
                {
                    cpu[scenario].Add(c);
                }
                walls[scenario].Add(wall);
                if (requests.TryGetValue(scenario, out var list))
                {
                    list.Add(pageRequests);
                }
                if (readsPerSecond is { } r && scenario.EndsWith("10 pages", StringComparison.Ordinal))
                {
                    reads.Add(r);
                }
                Console.Error.WriteLine($"round {round + 1}: {scenario}: {wall:F2} s, {pageRequests} page requests");
            }
        }
        var alone = Statistics.Quantile(walls["alone"], 0.5);
        Console.WriteLine($"| case ({Trials} FD trials, 2 slots; {rounds} rounds) | campaign wall s (median) | runs | vs alone | 10 pages vs none | page requests per run |");
        Console.WriteLine("|---|---:|---|---:|---:|---:|");
        foreach (var (scenario, list) in walls)
        {
            var none = scenario.Replace("10 pages", "no page", StringComparison.Ordinal);
            Console.WriteLine($"| {scenario}{(scenario == "alone" ? " (baseline)" : "")} | {Statistics.Quantile(list, 0.5):F2} | {string.Join(", ", list.Select(w => w.ToString("F2", CultureInfo.InvariantCulture)))} | {Statistics.Quantile(list, 0.5) / alone:F3} | "
                + (none != scenario ? $"{Statistics.Quantile(list, 0.5) / Statistics.Quantile(walls[none], 0.5):F3}" : "–") + " | " + (requests.TryGetValue(scenario, out var r) ? $"{Statistics.Quantile(r, 0.5):F0}" : "–") + " |");
        }
        Console.WriteLine($"\nResults-store reads by the dashboard process: {Statistics.Quantile(reads, 0.5):F2} per second (median over rounds), with {Pages} pages open.");
        foreach (var (scenario, list) in cpu)
        {
            Console.WriteLine($"CPU of the dashboard process during the campaign, {scenario.Replace("dashboard process, ", "", StringComparison.Ordinal)}: "
                + $"{Statistics.Quantile(list, 0.5) * 100:F1} % of one core (median; rounds: {string.Join(", ", list.Select(v => (v * 100).ToString("F1", CultureInfo.InvariantCulture)))})");
        }
        Directory.Delete(root, recursive: true);
    }

    private static (double Wall, double Requests, double? ReadsPerSecond, double? DashboardCpu) Measure(string root, string spec, string data, string scenario)
    {
        var output = new StringBuilder();
        var dashboardPort = CliProcess.FreePort();
        string[] args = ["campaign", "run", spec, "--id", "load", "--data-dir", data];
        if (scenario.StartsWith("campaign run --dashboard", StringComparison.Ordinal))
        {
            args = [.. args, "--dashboard", "--dashboard-port", dashboardPort.ToString(CultureInfo.InvariantCulture)];
        }
        Process? dashboard = null;
        var dashboardOutput = new StringBuilder();
        if (scenario.StartsWith("dashboard process", StringComparison.Ordinal))
        {
            Directory.CreateDirectory(data);
            dashboard = CliProcess.Start(root, dashboardOutput, "dashboard", "--port", dashboardPort.ToString(CultureInfo.InvariantCulture), "--data-dir", data);
            WaitFor(() => Contains(dashboardOutput, "Dashboard: http"), "the dashboard did not start: " + dashboardOutput);
            // Started and warmed up (its code compiled by the JIT) on an earlier small campaign of the same data directory before
            // the clock starts: what a dashboard left open for days looks like.
            using (var earlier = CliProcess.Start(root, null, "campaign", "run", spec, "--id", "earlier", "--data-dir", data))
            {
                earlier.WaitForExit();
            }
            using var warm = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{dashboardPort}/") };
            foreach (var path in new[] { "", "app.js", "api/info", "api/campaigns", "api/cluster", "api/campaigns/earlier", "api/campaigns/earlier/curves?top=5",
                "api/campaigns/earlier/trials/t0001" })
            {
                warm.GetStringAsync(path).GetAwaiter().GetResult();
            }
            using (var events = new StreamReader(warm.GetStreamAsync("api/events?topic=campaign:earlier").GetAwaiter().GetResult()))
            {
                events.ReadLine();
            }
        }
        var cpuBefore = dashboard?.TotalProcessorTime ?? TimeSpan.Zero;
        var clock = Stopwatch.StartNew();
        using var campaign = CliProcess.Start(root, output, args);
        using var stop = new CancellationTokenSource();
        var pageRequests = 0;
        Task[] pages = [];
        if (scenario.EndsWith("10 pages", StringComparison.Ordinal))
        {
            WaitFor(() => Contains(scenario.StartsWith("campaign run", StringComparison.Ordinal) ? output : dashboardOutput, "Dashboard: http") || campaign.HasExited,
                "no dashboard: " + output);
            var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{dashboardPort}/"), Timeout = Timeout.InfiniteTimeSpan };
            // The campaign must exist in the store before a page can follow it.
            WaitFor(() => campaign.HasExited || TryGet(client, "api/campaigns/load"), "the campaign did not appear: " + output);
            pages = [.. Enumerable.Range(0, Pages).Select(_ => Task.Run(async () =>
            {
                try
                {
                    using var events = new StreamReader(await client.GetStreamAsync("api/events?topic=campaign:load", stop.Token));
                    await client.GetStringAsync("api/campaigns/load", stop.Token);
                    Interlocked.Increment(ref pageRequests);
                    while (await events.ReadLineAsync(stop.Token) is { } line)
                    {
                        if (line == "event: changed")
                        {
                            await client.GetStringAsync("api/campaigns/load", stop.Token);
                            await client.GetStringAsync("api/campaigns/load/curves?top=5", stop.Token);
                            Interlocked.Add(ref pageRequests, 2);
                        }
                    }
                }
                catch (Exception e) when (e is OperationCanceledException or HttpRequestException or IOException)
                {
                    // the campaign (and with it an in-process dashboard) ended
                }
            }))];
        }
        campaign.WaitForExit();
        var wall = clock.Elapsed.TotalSeconds;
        dashboard?.Refresh();
        // The dashboard's own CPU while the campaign ran, as a share of one core: the load it adds, apart from the noise of wall times.
        double? dashboardCpu = dashboard is null ? null : (dashboard.TotalProcessorTime - cpuBefore).TotalSeconds / wall;
        if (campaign.ExitCode != 0)
        {
            throw new InvalidOperationException($"{scenario}: the campaign failed:\n{output}");
        }
        double? readsPerSecond = null;
        if (dashboard is not null)
        {
            using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{dashboardPort}/") };
            var info = client.GetFromJsonAsync<JsonElement>("api/info").GetAwaiter().GetResult();
            readsPerSecond = info.GetProperty("store_reads").GetDouble() / info.GetProperty("uptime_seconds").GetDouble();
        }
        stop.Cancel();
        Task.WaitAll(pages);
        if (dashboard is not null)
        {
            dashboard.Kill(entireProcessTree: true);
            dashboard.WaitForExit();
            dashboard.Dispose();
        }
        return (wall, pageRequests, readsPerSecond, dashboardCpu);
    }

    private static bool TryGet(HttpClient client, string path)
    {
        try
        {
            return client.GetAsync(path).GetAwaiter().GetResult().IsSuccessStatusCode;
        }
        catch (HttpRequestException)
        {
            return false;
        }
    }

    private static bool Contains(StringBuilder text, string what)
    {
        lock (text)
        {
            return text.ToString().Contains(what, StringComparison.Ordinal);
        }
    }

    private static void WaitFor(Func<bool> condition, string failure)
    {
        var clock = Stopwatch.StartNew();
        while (!condition())
        {
            if (clock.Elapsed > TimeSpan.FromSeconds(60))
            {
                throw new TimeoutException(failure);
            }
            Thread.Sleep(50);
        }
    }
}
