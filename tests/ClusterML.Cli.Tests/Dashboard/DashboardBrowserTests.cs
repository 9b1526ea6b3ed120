using System.Globalization;
using System.Text.Json;
using PuppeteerSharp;

namespace ClusterML.Cli.Tests.Dashboard;

/// <summary>
/// The dashboard in a real browser: Debian's Chromium, headless, driven through its DevTools protocol (PuppeteerSharp). The
/// data directory has a finished quickstart campaign, a finished NEP fit and a campaign that runs in another process while
/// the test watches; the dashboard is a <c>clusterml dashboard</c> process. The test checks what a person would: both
/// campaigns listed, the running one's counts moving without a reload, the leaderboard sorting on a click, charts drawn,
/// and cancel refused without the token and done with it. Screenshots of every page are attached to the test's results
/// (and kept in the test output folder's dashboard-screenshots/).
/// </summary>
[Trait("Category", "Slow")]
[Collection("Torch")]
public sealed class DashboardBrowserTests : IDisposable
{
    private const string Token = "browser-test-token-0123456789";
    private readonly CliRun _cli = new();

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        _cli.Dispose();
    }

    /// <summary>Chromium as Debian installs it (.ci/run installs it where missing), or $CLUSTERML_CHROMIUM.</summary>
    private static string? Chromium() =>
        new[] { Environment.GetEnvironmentVariable("CLUSTERML_CHROMIUM"), "/usr/bin/chromium", "/usr/bin/chromium-browser" }.FirstOrDefault(p => p is { Length: > 0 } && File.Exists(p));

    private static string ScreenshotFolder => Path.Combine(AppContext.BaseDirectory, "dashboard-screenshots");

    [Fact]
    public async Task A_person_should_watch_campaigns_live_sort_them_see_charts_and_cancel_only_with_the_token()
    {
        var chromium = Chromium();
        VisibleSkip.When(chromium is null, "Chromium is not installed (apt-get install chromium; .ci/run does it): the browser test cannot run");
        var ct = TestContext.Current.CancellationToken;

        // A finished campaign and a finished NEP fit, in this process.
        var (code, _, error) = await _cli.RunAsync("campaign", "run", CliRun.RepositoryFile("config/campaigns/quickstart.yaml"), "--id", "finished");
        Assert.True(code == 0, error);
        var train = NepFixtures.TeacherFrames(NepFixtures.TinyModel(_cli.Path("nep.txt")), _cli.Path("train.xyz"), 4, seed: 3);
        (code, _, error) = await _cli.RunAsync("nep", "train", "--train", train, "--test", train, "--out", _cli.Path("fit"), "--cutoff", "4", "3", "--n-max", "2", "2",
            "--basis-size", "2", "2", "--l-max", "2", "1", "--neuron", "5", "--epochs", "6", "--batch", "2", "--threads", "1", "--dtype", "float64");
        Assert.True(code == 0, error);

        // A finished active-learning campaign: its page shows the rounds and the error against oracle calls.
        var learning = _cli.Path("learning.yaml");
        File.WriteAllText(learning, """
            name: learning
            kind: active
            seed: 2
            oracle: { generator: thin-film }
            pool: { generator: thin-film, n: 2000 }
            test: { generator: thin-film, n: 200 }
            target: k_W_mK
            inputs: [thickness_nm, roughness_nm, temperature_K, direction]
            initial: 10
            batch: 5
            goal: { mode: min }
            surrogate: { ensemble: 2, epochs: 20 }
            budget: { oracle_calls: 20 }
            compare_random: true
            """);
        (code, _, error) = await _cli.RunAsync("campaign", "run", learning, "--id", "learning");
        Assert.True(code == 0, error);

        // A campaign that keeps running while the test watches: one trial at a time, each about a second with 4 reports.
        var spec = _cli.Path("slow.yaml");
        File.WriteAllText(spec, """
            name: slow
            engine: exec
            seed: 2
            base:
              shell: true
              command: ["for e in 1 2 3 4; do echo \"clusterml-metric loss=$(awk -v x={x} -v e=$e 'BEGIN{{print (x-0.3)^2+0.5/e}}') step=$e\"; sleep 0.25; done"]
            space:
              x: { type: uniform, low: 0, high: 1 }
            search: { kind: random }
            budget: { max_trials: 200, max_concurrent: 1 }
            """);
        using var running = new ClusterProcess(_cli.Root, "campaign", "run", spec, "--id", "running", "--data-dir", _cli.DataDir);
        var port = ClusterProcess.FreePort();
        using var dashboard = new ClusterProcess(_cli.Root, "dashboard", "--port", port.ToString(CultureInfo.InvariantCulture), "--token", Token, "--data-dir", _cli.DataDir);
        var url = $"http://127.0.0.1:{port}/";
        await ClusterProcess.WaitUntilAsync(() => dashboard.Output.Contains($"Dashboard: {url}#token={Token}", StringComparison.Ordinal), TimeSpan.FromSeconds(60), () => dashboard.Output);
        await ClusterProcess.WaitUntilAsync(() => File.Exists(Path.Combine(_cli.DataDir, "campaigns", "running.live.json")), TimeSpan.FromSeconds(60), () => running.Output);

        await using var browser = await Puppeteer.LaunchAsync(new LaunchOptions
        {
            Headless = true,
            ExecutablePath = chromium,
            UserDataDir = _cli.Path("chromium-profile"),
            // As root in CI, no sandbox; nothing may reach outside this machine (the network here is closed).
            Args = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--disable-dev-shm-usage"],
            Timeout = 60_000,
        });
        await using var page = await browser.NewPageAsync();
        await page.SetViewportAsync(new ViewPortOptions { Width = 1400, Height = 1000 });
        page.Dialog += async (_, e) => await e.Dialog.Accept(); // "Cancel campaign …?" → OK

        // 1. The campaigns table lists both.
        await page.GoToAsync(url + "#/", WaitUntilNavigation.DOMContentLoaded);
        await page.WaitForSelectorAsync("table[data-table=campaigns] tbody tr");
        var ids = await page.EvaluateExpressionAsync<string[]>("[...document.querySelectorAll('table[data-table=campaigns] tbody tr td:first-child')].map(td => td.textContent)");
        Assert.Equal(["finished", "learning", "running"], ids.Order(StringComparer.Ordinal));
        await ScreenshotAsync(page, "campaigns");

        // 1b. The active-learning campaign: its rounds (the design, then rounds 1-3 of both arms) and the error against oracle calls.
        await page.GoToAsync(url + "#/campaign/learning", WaitUntilNavigation.DOMContentLoaded);
        await page.WaitForSelectorAsync("#al-error[data-points] canvas");
        await page.WaitForSelectorAsync("#al-best[data-points] canvas");
        var arms = await page.EvaluateExpressionAsync<string[]>("[...document.querySelectorAll(\"table[data-table='rounds:learning'] tbody tr td:nth-child(2)\")].map(td => td.textContent)");
        Assert.Equal(["design", "active", "random", "active", "random", "active", "random"], arms);
        Assert.True(await InkAsync(page, "#al-error canvas") > 500);
        var counts = await page.EvaluateExpressionAsync<string>("document.querySelector('#c-body .counts').textContent");
        Assert.Contains("20 / 20", counts, StringComparison.Ordinal);
        await ScreenshotAsync(page, "active-learning");

        // 2. The running campaign's counts change while the page stays open (server-sent events, no reload).
        await page.GoToAsync(url + "#/campaign/running", WaitUntilNavigation.DOMContentLoaded);
        await page.WaitForSelectorAsync("#running-count");
        await page.EvaluateExpressionAsync("window.__sameDocument = true");
        var before = await CompletedAsync(page);
        await ClusterProcess.WaitUntilAsync(async () => await CompletedAsync(page) >= before + 2, TimeSpan.FromSeconds(60), () => running.Output);
        Assert.True(await page.EvaluateExpressionAsync<bool>("window.__sameDocument === true"), "the page was reloaded instead of updated");
        await page.WaitForSelectorAsync("#curves[data-points]");
        await ScreenshotAsync(page, "campaign-running");

        // 3. The leaderboard sorts on a click (the finished campaign: its order no longer changes).
        await page.GoToAsync(url + "#/campaign/finished", WaitUntilNavigation.DOMContentLoaded);
        await page.WaitForSelectorAsync("table[data-table='trials:finished'] th[data-sort='p:nx']");
        await page.ClickAsync("th[data-sort='p:nx']");
        await page.WaitForSelectorAsync("th[data-sort='p:nx'].sorted-asc");
        var ascending = await ColumnAsync(page, "trials:finished", "p:nx");
        await page.ClickAsync("th[data-sort='p:nx']");
        await page.WaitForSelectorAsync("th[data-sort='p:nx'].sorted-desc");
        var descending = await ColumnAsync(page, "trials:finished", "p:nx");
        Assert.Equal(9, ascending.Length);
        Assert.Equal(ascending.Order(), ascending);
        Assert.Equal(ascending.OrderDescending(), descending);
        Assert.NotEqual(ascending, descending);

        // 4. A chart has drawn its points: the loss-against-nx chart has 9 and its canvas has coloured pixels.
        await page.WaitForSelectorAsync("#axis-0[data-points] canvas");
        Assert.Equal("9", await page.EvaluateExpressionAsync<string>("document.querySelector('#axis-0').dataset.points"));
        Assert.True(await InkAsync(page, "#axis-0 canvas") > 50, "the chart's canvas is blank");
        await ScreenshotAsync(page, "campaign-finished");

        await page.GoToAsync(url + "#/campaign/finished/trial/t0006", WaitUntilNavigation.DOMContentLoaded);
        await page.WaitForSelectorAsync("#trial-curve");
        await ScreenshotAsync(page, "trial");
        await page.GoToAsync(url + "#/fits", WaitUntilNavigation.DOMContentLoaded);
        await page.WaitForSelectorAsync("table[data-table=fits] tbody tr a");
        // A resized window (a full-page screenshot makes one) must leave the page as it is, not rebuild it under the next
        // click: it did, 200 ms later, and the click below failed with "Node is detached from document".
        await page.EvaluateExpressionAsync("window.__fitsTable = document.querySelector('table[data-table=fits]')");
        await page.SetViewportAsync(new ViewPortOptions { Width = 1100, Height = 700 });
        await page.SetViewportAsync(new ViewPortOptions { Width = 1400, Height = 1000 });
        await Task.Delay(600);
        Assert.True(await page.EvaluateExpressionAsync<bool>("window.__fitsTable.isConnected"), "a resized window rebuilt the page");
        await page.ClickAsync("table[data-table=fits] tbody tr a");
        await page.WaitForSelectorAsync("#rmse-force[data-points] canvas");
        // Every epoch's training RMSE and at least one test RMSE (the test set is scored at checkpoints and at the end).
        Assert.InRange(int.Parse(await page.EvaluateExpressionAsync<string>("document.querySelector('#rmse-force').dataset.points"), CultureInfo.InvariantCulture), 7, 12);
        Assert.True(await InkAsync(page, "#rmse-force canvas") > 50, "the force RMSE chart is blank");
        await page.WaitForSelectorAsync("#parity-0[data-points] canvas");
        // Another window width: the charts take their boxes' new width in place (three columns of charts become one).
        const string chartWidth = "document.querySelector('#rmse-force canvas').getBoundingClientRect().width";
        const string boxWidth = "document.querySelector('#rmse-force').clientWidth - 16";
        var wide = await page.EvaluateExpressionAsync<double>(chartWidth);
        await page.SetViewportAsync(new ViewPortOptions { Width = 900, Height = 1000 });
        await ClusterProcess.WaitUntilAsync(async () => Math.Abs(await page.EvaluateExpressionAsync<double>(chartWidth) - await page.EvaluateExpressionAsync<double>(boxWidth)) < 2,
            TimeSpan.FromSeconds(10), () => $"the chart did not take its box's new width (it was {wide} px wide)");
        Assert.True(Math.Abs(await page.EvaluateExpressionAsync<double>(chartWidth) - wide) > 100, "the window's new width did not change the chart's box");
        await page.SetViewportAsync(new ViewPortOptions { Width = 1400, Height = 1000 });
        await ScreenshotAsync(page, "nep-fit");
        await page.GoToAsync(url + "#/cluster", WaitUntilNavigation.DOMContentLoaded);
        await page.WaitForSelectorAsync("table[data-table=members] tbody tr");
        Assert.Contains("coordinator, worker", await page.EvaluateExpressionAsync<string>("document.querySelector('table[data-table=members]').textContent"), StringComparison.Ordinal);
        // Where the running campaign's trial runs (the coordinator's answer, through the driver's live file): a link on its node's row.
        await page.WaitForSelectorAsync("table[data-table=members] a[href^='#/campaign/running/trial/t']", new WaitForSelectorOptions { Timeout = 30_000 });
        await ScreenshotAsync(page, "cluster");

        // 5. Cancel: refused without the token, done with it.
        await page.GoToAsync(url + "#/campaign/running", WaitUntilNavigation.DOMContentLoaded);
        await page.WaitForSelectorAsync("#cancel:not([disabled])");
        await page.ClickAsync("#cancel");
        await page.WaitForFunctionAsync("() => document.querySelector('#action-message').textContent.startsWith('refused')");
        Assert.Equal("running", await StatusAsync(page, "running"));
        Assert.False(running.HasExited);
        await page.TypeAsync("#token-input", Token);
        await page.ClickAsync("#token-form button");
        await page.WaitForFunctionAsync("() => document.querySelector('#token-state').textContent.startsWith('unlocked')");
        await page.WaitForSelectorAsync("#cancel:not([disabled])");
        await page.ClickAsync("#cancel");
        await page.WaitForFunctionAsync("() => /cancelled/.test(document.querySelector('#action-message').textContent)", new WaitForFunctionOptions { Timeout = 120_000 });
        Assert.True(await running.WaitForExitAsync(TimeSpan.FromSeconds(60)), running.Output);
        await ClusterProcess.WaitUntilAsync(async () => await StatusAsync(page, "running") == "cancelled", TimeSpan.FromSeconds(30), () => running.Output);
        await ScreenshotAsync(page, "campaign-cancelled");
    }

    private static Task<int> CompletedAsync(IPage page) =>
        page.EvaluateExpressionAsync<int>("Number(document.querySelector('.counts div b').textContent)");

    private static Task<double[]> ColumnAsync(IPage page, string table, string column) => page.EvaluateFunctionAsync<double[]>("""
        (table, column) => {
          const t = document.querySelector(`table[data-table='${table}']`);
          const index = [...t.querySelectorAll('th')].findIndex(th => th.dataset.sort === column);
          return [...t.querySelectorAll('tbody tr')].map(tr => Number(tr.children[index].textContent));
        }
        """, table, column);

    /// <summary>How many pixels of a canvas are drawn (not transparent).</summary>
    private static Task<int> InkAsync(IPage page, string selector) => page.EvaluateFunctionAsync<int>("""
        selector => {
          const canvas = document.querySelector(selector);
          const pixels = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
          let ink = 0;
          for (let i = 3; i < pixels.length; i += 4) if (pixels[i] > 0) ink++;
          return ink;
        }
        """, selector);

    /// <summary>A campaign's state as the API reports it, fetched by the page (so with its cookie).</summary>
    private static async Task<string> StatusAsync(IPage page, string campaignId)
    {
        var json = await page.EvaluateFunctionAsync<string>("async id => JSON.stringify(await (await fetch('/api/campaigns/' + id)).json())", campaignId);
        return JsonDocument.Parse(json).RootElement.GetProperty("campaign").GetProperty("status").GetString()!;
    }

    private static async Task ScreenshotAsync(IPage page, string name)
    {
        await Task.Delay(300); // the charts' last frame
        var png = await page.ScreenshotDataAsync(new ScreenshotOptions { FullPage = true, Type = ScreenshotType.Png });
        Directory.CreateDirectory(ScreenshotFolder);
        await File.WriteAllBytesAsync(Path.Combine(ScreenshotFolder, $"{name}.png"), png);
        TestContext.Current.AddAttachment($"{name}.png", png, "image/png");
    }
}
