using System.Collections.Concurrent;
using System.Diagnostics;
using System.Runtime.CompilerServices;
using ClusterML.Cli.Hosting;
using ClusterML.Cli.Output;
using ClusterML.Core.Campaigns;
using ClusterML.Core.Files;
using ClusterML.Core.Messages;
using ClusterML.Core.Results;
using ClusterML.Core.Specs;
using ClusterML.Engines.Surrogate;

namespace ClusterML.Cli.Dashboard;

/// <summary>A campaign in the campaigns table: its record, counts by state (running from its live driver), best, times.</summary>
internal sealed record CampaignRow(string Id, string Name, string Engine, string Status, bool Live, int Planned, int Completed, int Failed, int Stopped,
    int? Running, int Pending, string? BestTrial, double? BestValue, string Objective, long CreatedMs, long? EndedMs, double WallSeconds, double? EtaSeconds);

/// <summary>An artifact of a trial, downloadable from the page.</summary>
internal sealed record FileRow(string Path, long Bytes);

/// <summary>One trial in the leaderboard: configuration, outcome, metrics, where and how often it ran, its files.</summary>
internal sealed record TrialRow(string TrialId, int Index, string Status, int? Rank, int? Front, double? Loss, IReadOnlyDictionary<string, string> Parameters,
    IReadOnlyDictionary<string, double> Metrics, string? Node, int Attempts, long? StartedMs, long? EndedMs, int Seed, IReadOnlyList<FileRow> Files, string? Error);

/// <summary>One member's line of a PBT schedule: (epoch, value) points and the epochs where it took another member's checkpoint.</summary>
internal sealed record ScheduleSeries(int Member, IReadOnlyList<double[]> Points, IReadOnlyList<double> ExploitedAt);

/// <summary>A PBT schedule chart (a hyperparameter, or the loss, per member and segment): what pbt_*.png shows.</summary>
internal sealed record ScheduleChart(string Title, string YLabel, bool LogY, IReadOnlyList<ScheduleSeries> Series);

/// <summary>Everything the campaign page shows at once (the learning curves and a trial's detail are fetched on their own).</summary>
internal sealed record CampaignPage(CampaignRow Campaign, IReadOnlyList<string> Axes, IReadOnlyList<string> Metrics, IReadOnlyList<string> Objectives,
    IReadOnlyList<TrialRow> Trials, int FinishedTrials, IReadOnlyList<ScheduleChart> Schedules, string SpecText, bool Actions, ActiveView? Active = null);

/// <summary>One round trial of an active-learning campaign, as the rounds table and its charts show it.</summary>
internal sealed record ActiveRoundRow(string TrialId, int Round, string Arm, string Status, int OracleCalls, int Labelled, double? TestR2, double? TestR2Log10,
    double? TestRmse, double? SigmaMax, double? BestLabel, double? Selected, string? Stop);

/// <summary>An active-learning campaign's live view: rounds, oracle calls against the budget, the model's error, the best found.</summary>
internal sealed record ActiveView(IReadOnlyList<ActiveRoundRow> Rounds, int RoundsPlanned, int OracleCalls, int Budget, int RandomCalls, int FailedCalls, string? Goal, string Target);

/// <summary>Per-epoch metrics of some trials: <see cref="Series"/>[metric][k] belongs to <see cref="Epochs"/>[k].</summary>
internal sealed record Curve(string TrialId, string Status, IReadOnlyList<int> Epochs, IReadOnlyDictionary<string, IReadOnlyList<double?>> Series);

/// <summary>One trial in full: its row, every epoch's metrics, the end of its log.</summary>
internal sealed record TrialPage(string CampaignId, TrialRow Trial, Curve Curve, string? LogTail);

/// <summary>The data directory's stores: input blobs (pinned and cached), artifacts and exports, results and journal files.</summary>
internal sealed record StoreSizes(int Blobs, long BlobBytes, long PinnedBytes, long CacheLimitBytes, long ArtifactBytes, long DatabaseBytes);

/// <summary>The cluster page: members (with what each runs now) and the data directory's stores.</summary>
internal sealed record ClusterPage(ClusterView? Cluster, IReadOnlyList<NodeRow> Nodes, StoreSizes Stores, string DataDir, string Source);

/// <summary>Predicted against reference values of one quantity on one set (GPUMD's energy/force/virial_X.out), thinned to at most a few thousand points.</summary>
internal sealed record ParitySet(string Quantity, string Set, string Unit, int Points, IReadOnlyList<double> Predicted, IReadOnlyList<double> Reference, double Rmse);

/// <summary>A NEP fit's page: its record, every epoch so far, shard placement and per-worker step times (distributed fits), parity.</summary>
internal sealed record FitPage(NepFitInfo Info, IReadOnlyList<NepFitPoint> Progress, IReadOnlyList<NepFitShard> Placement, IReadOnlyList<NepFitWorkerStep> WorkerSteps,
    IReadOnlyList<ParitySet> Parity);

/// <summary>A node and the trials it runs now, across the campaigns this dashboard sees.</summary>
internal sealed record NodeRow(MemberView Member, IReadOnlyList<NodeTrial> Trials);

internal sealed record NodeTrial(string CampaignId, string TrialId, int Attempt, long SinceMs);

/// <summary>
/// What the dashboard reads, from the results store, the data directory's live files and NEP fit records. Every read is cached
/// for <see cref="DashboardOptions.RefreshInterval"/> and shared by all requests (a lock per key: ten pages asking at once
/// cause one read), so open pages never read the store more often than that, however many there are.
/// </summary>
internal sealed class DashboardData(DashboardOptions options, IResultStore store, IClusterSource? cluster)
{
    private sealed class Entry
    {
        public long At = long.MinValue;
        public long LastUsed;
        public object? Value;
    }

    private readonly ConcurrentDictionary<string, Entry> _cache = new(StringComparer.Ordinal);
    private long _storeReads;

    /// <summary>How many times the results store was read (tests and the load benchmark count them).</summary>
    public long StoreReads => Interlocked.Read(ref _storeReads);

    public string DataDir => options.DataDir;

    private T Cached<T>(string key, TimeSpan lifetime, Func<T> read)
    {
        var entry = _cache.GetOrAdd(key, _ => new Entry());
        lock (entry)
        {
            var now = Stopwatch.GetTimestamp();
            entry.LastUsed = now;
            if (entry.Value is T value && Stopwatch.GetElapsedTime(entry.At, now) < lifetime)
            {
                return value;
            }
            var fresh = read();
            entry.Value = fresh;
            entry.At = now;
            return fresh;
        }
    }

    /// <summary>
    /// Forgets what no page has asked for in <paramref name="idle"/> (the results of a campaign nobody looks at any more,
    /// kept while it is looked at because a finished campaign no longer changes).
    /// </summary>
    public void Trim(TimeSpan idle)
    {
        var now = Stopwatch.GetTimestamp();
        foreach (var (key, entry) in _cache)
        {
            if (Stopwatch.GetElapsedTime(Volatile.Read(ref entry.LastUsed), now) > idle)
            {
                _cache.TryRemove(key, out _);
            }
        }
    }

    private T FromStore<T>(string key, Func<IResultStore, T> read) => Cached(key, options.RefreshInterval, () =>
    {
        Interlocked.Increment(ref _storeReads);
        return read(store);
    });

    public IReadOnlyList<CampaignRecord> CampaignRecords() => FromStore("campaigns", s => s.Campaigns());

    public CampaignRecord? Campaign(string campaignId) => CampaignRecords().FirstOrDefault(c => c.Id == campaignId);

    public IReadOnlyList<TrialResult> Results(string campaignId, bool final) =>
        // A campaign that is over no longer changes: read once while pages look at it (Trim forgets it when they stop).
        final ? Cached($"results:{campaignId}:final", TimeSpan.MaxValue, () => { Interlocked.Increment(ref _storeReads); return store.Results(campaignId); })
              : FromStore($"results:{campaignId}", s => s.Results(campaignId));

    /// <summary>The epochs of some trials; of a campaign that is over, kept until the dashboard stops.</summary>
    private IReadOnlyList<EpochMetrics> Epochs(string campaignId, bool final, IReadOnlyCollection<string> trialIds)
    {
        var key = $"epochs:{campaignId}:{string.Join(",", trialIds)}";
        return final ? Cached(key, TimeSpan.MaxValue, () => { Interlocked.Increment(ref _storeReads); return store.Epochs(campaignId, trialIds); })
            : FromStore(key, s => s.Epochs(campaignId, trialIds));
    }

    /// <summary>How many epoch rows a campaign has (what the change feed watches for new points on the learning curves).</summary>
    public long EpochCount(string campaignId) => FromStore($"epoch-count:{campaignId}", s => s.EpochCount(campaignId));

    public LiveCampaign? Live(string campaignId) => Cached($"live:{campaignId}", options.RefreshInterval, () => LiveFiles.Read(options.DataDir, campaignId));

    /// <summary>The campaigns table, built once per refresh interval.</summary>
    public IReadOnlyList<CampaignRow> Campaigns() => Cached("rows", options.RefreshInterval, () => (IReadOnlyList<CampaignRow>)[.. CampaignRecords().Select(Row)]);

    private CampaignRow Row(CampaignRecord c)
    {
        var final = CampaignStatus.IsFinal(c.Status);
        var live = final ? null : Live(c.Id);
        var objectives = Objectives(c);
        var objective = objectives.Objectives[0];
        TrialResult? best;
        int completed, failed, stopped;
        if (objectives.IsDefault)
        {
            // The lowest loss and the counts, which the store answers without reading every result (a campaign of 10⁵ trials).
            var standing = final ? Cached($"standing:{c.Id}:final", TimeSpan.MaxValue, () => { Interlocked.Increment(ref _storeReads); return store.Standing(c.Id, 1); })
                : FromStore($"standing:{c.Id}", s => s.Standing(c.Id, 1));
            (best, completed, failed, stopped) = (standing.Best.FirstOrDefault(), standing.Completed, standing.Failed, standing.Stopped);
        }
        else
        {
            var results = Results(c.Id, final);
            best = Ranking(c, results, objectives).Best;
            (completed, failed, stopped) = (results.Count(r => r.Status == TrialStatus.Completed), results.Count(r => r.Status == TrialStatus.Failed),
                results.Count(r => r.Status == TrialStatus.Stopped));
        }
        var running = live?.Running;
        var finished = completed + failed + stopped;
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var wall = ((c.EndedAtMs ?? now) - c.CreatedAtMs) / 1000.0;
        // Time left at the rate so far (trials finished per second of wall time since the campaign was submitted).
        double? eta = live is null || finished == 0 || wall <= 0 ? null : Math.Max(0, c.PlannedTrials - finished) / (finished / wall);
        return new CampaignRow(c.Id, c.Name, c.Engine, live?.Status ?? c.Status, live is not null, c.PlannedTrials, completed, failed, stopped, running,
            Math.Max(0, c.PlannedTrials - finished - (running ?? 0)), best?.TrialId, best is null ? null : CampaignObjectives.MetricValue(objective.Metric, best),
            objectives.ToString(), c.CreatedAtMs, c.EndedAtMs, wall, eta);
    }

    private CampaignObjectives Objectives(CampaignRecord c) => Cached($"objectives:{c.Id}", TimeSpan.MaxValue, () => CampaignReports.ObjectivesOf(c));

    /// <summary>The campaign's spec (parsed once), or null when it no longer reads.</summary>
    private CampaignSpec? Spec(CampaignRecord c) => Cached($"spec:{c.Id}", TimeSpan.MaxValue, () => new StrongBox<CampaignSpec?>(CampaignReports.SpecOf(c))).Value;

    /// <summary>The ranking of <paramref name="results"/> (the list the cache holds now), computed once per list: one per campaign is kept.</summary>
    private CampaignRanking Ranking(CampaignRecord c, IReadOnlyList<TrialResult> results, CampaignObjectives objectives)
    {
        var held = Cached($"ranking:{c.Id}", TimeSpan.MaxValue, () => new StrongBox<(IReadOnlyList<TrialResult>? Of, CampaignRanking? Ranking)>());
        lock (held)
        {
            if (!ReferenceEquals(held.Value.Of, results))
            {
                held.Value = (results, CampaignRanking.Of(results, objectives));
            }
            return held.Value.Ranking!;
        }
    }

    /// <summary>
    /// Most trials a campaign page lists (the best, in ranking order, and those running): a browser sorts and draws a few
    /// thousand rows at once, not 10⁵. The counts and the best are always the whole campaign's.
    /// </summary>
    internal const int MaxTrialRows = 2000;

    /// <summary>The campaign page, built once per refresh interval however many pages ask.</summary>
    public CampaignPage? Page(string campaignId, bool actions) => Cached($"page:{campaignId}:{actions}", options.RefreshInterval, () => BuildPage(campaignId, actions));

    private CampaignPage? BuildPage(string campaignId, bool actions)
    {
        if (Campaign(campaignId) is not { } c)
        {
            return null;
        }
        var row = Row(c);
        var results = Results(c.Id, CampaignStatus.IsFinal(c.Status));
        var objectives = Objectives(c);
        var ranking = Ranking(c, results, objectives);
        var rank = 0;
        var trials = new List<TrialRow>(results.Count + 8);
        foreach (var t in ranking.Ordered.Take(MaxTrialRows))
        {
            int? position = t.Score is { Feasible: true } ? ++rank : null;
            trials.Add(Trial(t.Result, position, t.Front));
        }
        if (Live(c.Id) is { } live)
        {
            var known = results.Select(r => r.TrialId).ToHashSet(StringComparer.Ordinal);
            foreach (var r in live.RunningTrials.Where(r => !known.Contains(r.TrialId)))
            {
                trials.Add(new TrialRow(r.TrialId, IndexOf(r.TrialId), "running", null, null, null, new Dictionary<string, string>(), new Dictionary<string, double>(),
                    r.Node, r.Attempt, r.SinceMs, null, 0, [], null));
            }
        }
        var axes = results.SelectMany(r => r.Parameters.Keys).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToArray();
        // A round trial's picks (next.J.*) are the coordinator's, not columns for people.
        var metrics = results.SelectMany(r => r.Metrics.Keys).Where(k => !k.StartsWith(Core.Active.ActiveProposer.PickPrefix, StringComparison.Ordinal))
            .Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToArray();
        var schedules = PbtSchedulePlot.Of(Spec(c), results).Select(p => new ScheduleChart(p.Title, p.YLabel, p.LogY,
            [.. p.Series.Select(s => new ScheduleSeries(s.Member, [.. s.Points.Select(q => new[] { q.Epoch, q.Value })], s.ExploitedAt))])).ToArray();
        return new CampaignPage(row, axes, metrics, [.. objectives.Objectives.Select(o => $"{o.Metric} ({o.Mode.ToString().ToLowerInvariant()})")], trials, results.Count,
            schedules, c.SpecText, actions, Active(c, results));
    }

    /// <summary>The rounds of an active-learning campaign (null for a sweep), from its results and spec.</summary>
    private ActiveView? Active(CampaignRecord c, IReadOnlyList<TrialResult> results)
    {
        if (!ClusterML.Core.Active.ActiveSpec.IsRoundEngine(c.Engine) || Spec(c)?.Active is not { } spec)
        {
            return null;
        }
        var rounds = ActiveReports.Rounds(results).Select(r => new ActiveRoundRow(r.TrialId, r.Number, r.Arm, r.Status.ToString().ToLowerInvariant(), r.OracleCalls, r.Labelled,
            r.Metric("test_r2"), r.Metric("test_r2_log10"), r.Metric("test_rmse"), r.Metric("sigma_max"), r.Metric("best_label"), r.Metric("selected"),
            r.Metric(Core.Active.ActiveProposer.StopMetric) is > 0 && r.Metric("stop_reason") is { } code ? Core.Active.StopReasons.Describe((int)code) : null)).ToArray();
        var (active, random, failed) = ActiveReports.OracleCalls(results);
        return new ActiveView(rounds, new Core.Active.ActiveLayout(spec, 0).FinalRound, active, spec.OracleCalls, random, failed,
            spec.RoundSettings.TryGetValue("goal", out var goal) ? goal.ToString() : null, spec.Target);
    }

    /// <summary>t0042 → 42 (the planner's ids); −1 for ids of another form.</summary>
    private static int IndexOf(string trialId) => trialId.Length > 1 && int.TryParse(trialId.AsSpan(1), out var i) ? i : -1;

    private static TrialRow Trial(TrialResult r, int? rank, int? front) => new(r.TrialId, r.Index, r.Status.ToString().ToLowerInvariant(), rank, front, r.FinalLoss,
        r.Parameters, r.Metrics, r.Node, r.Attempts, r.StartedAtMs, r.EndedAtMs, r.Seed,
        [.. (r.Files ?? []).Select(f => new FileRow(f.Path, f.Size))], r.Error);

    /// <summary>The learning curves of the <paramref name="top"/> best trials (and of the given ones), built once per refresh interval.</summary>
    public IReadOnlyList<Curve> Curves(string campaignId, int top, IReadOnlyCollection<string> also) =>
        Cached($"curves:{campaignId}:{top}:{string.Join(",", also)}", options.RefreshInterval, () => BuildCurves(campaignId, top, also));

    private IReadOnlyList<Curve> BuildCurves(string campaignId, int top, IReadOnlyCollection<string> also)
    {
        if (Campaign(campaignId) is not { } c)
        {
            return [];
        }
        var final = CampaignStatus.IsFinal(c.Status);
        var results = Results(campaignId, final);
        var ranking = Ranking(c, results, Objectives(c));
        // The best trials, and with early stopping as many of the stopped ones (best first): where ASHA cut them off shows.
        var count = Math.Clamp(top, 0, 50);
        var chosen = ranking.Ordered.Where(t => t.Score is not null && t.Result.Status == TrialStatus.Completed).Take(count)
            .Concat(ranking.Ordered.Where(t => t.Result.Status == TrialStatus.Stopped).Take(count)).Select(t => t.Result.TrialId)
            .Concat(also).Distinct(StringComparer.Ordinal).ToArray();
        var statusOf = results.ToDictionary(r => r.TrialId, r => r.Status.ToString().ToLowerInvariant(), StringComparer.Ordinal);
        var byTrial = Epochs(campaignId, final, chosen).ToLookup(e => e.TrialId, StringComparer.Ordinal);
        return [.. chosen.Select(id => CurveOf(id, statusOf.GetValueOrDefault(id, "running"), byTrial[id]))];
    }

    /// <summary>A trial's curve from its newest attempt's epochs (an earlier attempt's are replaced by a retry's).</summary>
    private static Curve CurveOf(string trialId, string status, IEnumerable<EpochMetrics> epochs)
    {
        var list = epochs.ToList();
        var attempt = list.Count == 0 ? 0 : list.Max(e => e.Attempt);
        var rows = list.Where(e => e.Attempt == attempt).GroupBy(e => e.Epoch).Select(g => g.Last()).OrderBy(e => e.Epoch).ToArray();
        var names = rows.SelectMany(e => e.Metrics.Keys).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal);
        return new Curve(trialId, status, [.. rows.Select(e => e.Epoch)],
            names.ToDictionary(n => n, n => (IReadOnlyList<double?>)[.. rows.Select(e => e.Metrics.TryGetValue(n, out var v) && double.IsFinite(v) ? v : (double?)null)]));
    }

    public TrialPage? TrialDetail(string campaignId, string trialId)
    {
        if (Campaign(campaignId) is not { } c || !ArtifactLayout.IsSafeId(trialId))
        {
            return null;
        }
        var final = CampaignStatus.IsFinal(c.Status);
        var result = Results(campaignId, final).FirstOrDefault(r => r.TrialId == trialId);
        var running = Live(campaignId)?.RunningTrials.FirstOrDefault(r => r.TrialId == trialId);
        var epochs = Epochs(campaignId, final, [trialId]);
        if (result is null && running is null && epochs.Count == 0)
        {
            return null;
        }
        var row = result is not null ? Trial(result, null, null)
            : new TrialRow(trialId, IndexOf(trialId), "running", null, null, null, new Dictionary<string, string>(), new Dictionary<string, double>(),
                running?.Node, running?.Attempt ?? 1, running?.SinceMs, null, 0, [], null);
        var curve = CurveOf(trialId, row.Status, epochs);
        return new TrialPage(campaignId, row, curve, LogTail(campaignId, trialId));
    }

    private const int LogTailLines = 200;

    private string? LogTail(string campaignId, string trialId)
    {
        var file = Path.Combine(options.DataDir, ArtifactLayout.TrialFolder(campaignId, trialId), "trial.log");
        byte[]? content;
        try
        {
            content = File.Exists(file) ? File.ReadAllBytes(file) : FromStore($"log:{campaignId}:{trialId}", s => s.TrialLog(campaignId, trialId))?.Content;
        }
        catch (IOException)
        {
            content = null;
        }
        if (content is null)
        {
            return null;
        }
        var lines = System.Text.Encoding.UTF8.GetString(content).Split('\n');
        return string.Join('\n', lines.Skip(Math.Max(0, lines.Length - LogTailLines)));
    }

    /// <summary>
    /// The full path of an artifact of a finished trial, or null when the trial did not list that file or it would resolve
    /// outside the trial's folder (a crafted path, a symbolic link).
    /// </summary>
    public string? ArtifactPath(string campaignId, string trialId, string relative)
    {
        if (Campaign(campaignId) is not { } c || !ArtifactLayout.IsSafeId(trialId))
        {
            return null;
        }
        var result = Results(campaignId, CampaignStatus.IsFinal(c.Status)).FirstOrDefault(r => r.TrialId == trialId);
        if (result?.Files?.Any(f => f.Path == relative) != true)
        {
            return null;
        }
        var folder = Path.GetFullPath(Path.Combine(options.DataDir, ArtifactLayout.TrialFolder(campaignId, trialId))) + Path.DirectorySeparatorChar;
        var full = Path.GetFullPath(Path.Combine(folder, relative));
        if (!full.StartsWith(folder, StringComparison.Ordinal) || !File.Exists(full))
        {
            return null;
        }
        var target = new FileInfo(full).ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? full;
        return target.StartsWith(folder, StringComparison.Ordinal) ? target : null;
    }

    public async Task<ClusterPage> ClusterAsync(CancellationToken cancellationToken)
    {
        // The cluster this process belongs to when it is a member; else what the live drivers of this data directory saw of theirs.
        var view = cluster is null ? null : await cluster.ViewAsync(cancellationToken);
        var lives = CampaignRecords().Where(c => !CampaignStatus.IsFinal(c.Status)).Select(c => Live(c.Id)).OfType<LiveCampaign>().ToArray();
        var source = view is not null ? "member" : "drivers";
        if (view is null)
        {
            // "Self" there meant the driver; from here it is another process.
            var members = lives.Where(l => l.Cluster is not null).SelectMany(l => l.Cluster!.Members)
                .GroupBy(m => m.Address, StringComparer.Ordinal).Select(g => g.First() with { Self = false }).OrderBy(m => m.Address, StringComparer.Ordinal).ToArray();
            view = members.Length == 0 ? null : new ClusterView(lives.Max(l => l.UpdatedAtMs), "the campaigns' drivers", members);
        }
        var running = lives.SelectMany(l => l.RunningTrials.Select(t => (l.CampaignId, Trial: t))).ToArray();
        var nodes = (view?.Members ?? []).Select(m => new NodeRow(m,
            [.. running.Where(r => r.Trial.Node == m.Address).Select(r => new NodeTrial(r.CampaignId, r.Trial.TrialId, r.Trial.Attempt, r.Trial.SinceMs))])).ToArray();
        return new ClusterPage(view, nodes, Stores(), options.DataDir, source);
    }

    /// <summary>Sizes of the data directory's stores; walking the folders is not free, so at most every 10 s.</summary>
    public StoreSizes Stores() => Cached("stores", TimeSpan.FromSeconds(10), () =>
    {
        var blobs = new BlobStore(ClusterHostOptions.BlobsPathIn(options.DataDir), ClusterHostOptions.DefaultBlobCacheBytes).Usage();
        var artifacts = CampaignModels.FolderSize(Path.Combine(options.DataDir, "campaigns"));
        long database = 0;
        foreach (var file in Directory.Exists(options.DataDir) ? Directory.EnumerateFiles(options.DataDir, "*.db*") : [])
        {
            database += new FileInfo(file).Length;
        }
        return new StoreSizes(blobs.Blobs, blobs.Bytes, blobs.PinnedBytes, blobs.CacheLimitBytes, artifacts, database);
    });

    public IReadOnlyList<NepFitInfo> Fits() => Cached("fits", options.RefreshInterval, () => NepFitRecords.List(options.DataDir));

    public FitPage? Fit(string id) => Cached($"fit:{id}", options.RefreshInterval, () =>
        NepFitRecords.Find(options.DataDir, id) is not { } info ? null
        : new FitPage(info, NepFitRecords.Progress(options.DataDir, id), NepFitRecords.Placement(options.DataDir, id), NepFitRecords.WorkerSteps(options.DataDir, id),
            Parity(info.OutDir)));

    /// <summary>Most points a parity plot gets (every k-th force component beyond that: the plot stays readable and the page light).</summary>
    internal const int ParityPoints = 6000;

    /// <summary>The parity sets a fit's output folder has (written when the fit ends), in eV/atom, eV/Å and eV/atom.</summary>
    internal static IReadOnlyList<ParitySet> Parity(string outDir)
    {
        var sets = new List<ParitySet>();
        foreach (var set in new[] { "train", "test" })
        {
            foreach (var (quantity, unit, columns) in new[] { ("energy", "eV/atom", 1), ("force", "eV/Å", 3), ("virial", "eV/atom", 6) })
            {
                var path = Path.Combine(outDir, $"{quantity}_{set}.out");
                if (ReadParity(path, columns) is { Count: > 0 } pairs)
                {
                    var stride = Math.Max(1, (pairs.Count + ParityPoints - 1) / ParityPoints);
                    var shown = pairs.Where((_, k) => k % stride == 0).ToArray();
                    var rmse = Statistics.Rmse([.. pairs.Select(p => p.Reference)], [.. pairs.Select(p => p.Predicted)]);
                    sets.Add(new ParitySet(quantity, set, unit, pairs.Count, [.. shown.Select(p => p.Predicted)], [.. shown.Select(p => p.Reference)], rmse));
                }
            }
        }
        return sets;
    }

    /// <summary>Pairs of a GPUMD .out file: each line has <paramref name="columns"/> predicted then as many reference values; −1e6 marks a missing virial.</summary>
    private static List<(double Predicted, double Reference)> ReadParity(string path, int columns)
    {
        var pairs = new List<(double, double)>();
        string[] lines;
        try
        {
            lines = File.ReadAllLines(path);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException or IOException)
        {
            return pairs;
        }
        foreach (var line in lines)
        {
            var cells = line.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
            if (cells.Length < 2 * columns)
            {
                continue;
            }
            for (var c = 0; c < columns; c++)
            {
                if (double.TryParse(cells[c], System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var predicted)
                    && double.TryParse(cells[c + columns], System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var reference)
                    && reference > -1e5 && double.IsFinite(predicted) && double.IsFinite(reference))
                {
                    pairs.Add((predicted, reference));
                }
            }
        }
        return pairs;
    }
}
