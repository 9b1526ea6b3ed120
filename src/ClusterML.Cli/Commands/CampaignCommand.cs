using System.CommandLine;
using System.Globalization;
using Akka.Actor;
using Akka.Hosting;
using ClusterML.Cli.Dashboard;
using ClusterML.Cli.Hosting;
using ClusterML.Cli.Output;
using ClusterML.Cluster.Hosting;
using ClusterML.Core.Active;
using ClusterML.Core.Campaigns;
using ClusterML.Core.Coordination;
using ClusterML.Core.Files;
using ClusterML.Core.IO;
using ClusterML.Core.Messages;
using ClusterML.Core.Results;
using ClusterML.Core.Validation;
using ClusterML.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Spectre.Console;

namespace ClusterML.Cli.Commands;

/// <summary><c>clusterml campaign run|status|results|log|resume|cancel|delete</c>.</summary>
internal static class CampaignCommand
{
    public static Command Create(CommandRunner runner)
    {
        var campaign = new Command("campaign", "Hyperparameter campaigns: a YAML sweep run as sharded trials on a cluster (one process by default), persisted and resumable.");
        campaign.Subcommands.Add(CreateRun(runner));
        campaign.Subcommands.Add(CreateResume(runner));
        campaign.Subcommands.Add(CreateStatus(runner));
        campaign.Subcommands.Add(CreateResults(runner));
        campaign.Subcommands.Add(CreateLog(runner));
        campaign.Subcommands.Add(CreateCancel(runner));
        campaign.Subcommands.Add(CreateDelete(runner));
        return campaign;
    }

    private static ClusterOptionSet ClusterOptions() => new("coordinator,worker,aggregator", 0, "127.0.0.1");

    /// <summary>
    /// <c>--postgres</c> for the commands that only read or erase (status, results, cancel, delete); run and resume take it
    /// with the cluster options.
    /// </summary>
    private static Option<string?> Postgres() => new("--postgres") { Description = "The cluster's PostgreSQL database, where its results and journal are (default: SQLite in the data directory; or $CLUSTERML_POSTGRES)." };

    /// <summary>The connection string of <paramref name="option"/>, else <c>$CLUSTERML_POSTGRES</c>, else the configuration's <c>Postgres</c>; null for SQLite.</summary>
    private static string? PostgresOf(CommandContext context, Option<string?> option) =>
        context.Parse.GetValue(option) ?? Environment.GetEnvironmentVariable("CLUSTERML_POSTGRES") ?? ClusterConfiguration.Load([]).Postgres;

    private static Option<string> Id(bool required) => new("--id") { Description = "Campaign id (printed by campaign run).", Required = required };

    private static Command CreateRun(CommandRunner runner)
    {
        var spec = new Argument<string>("SPEC") { Description = "Campaign YAML (see config/campaigns/)." };
        var id = Id(required: false);
        var cluster = ClusterOptions();
        var top = new Option<int>("--top") { Description = "Rows of the final leaderboard.", DefaultValueFactory = _ => 10 };
        var check = new Option<bool>("--check") { Description = "Read, plan and check every trial's settings (and input files) as a run would, then stop: nothing runs or is written." };
        var strict = FailOnAnyFailed();
        var (dashboard, dashboardOptions) = DashboardOption();
        var command = new Command("run", "Run a campaign on the embedded one-process cluster (all roles, SQLite in the data directory), or as the coordinator of a larger one (--roles, --port); prints the best trials and exports results. Exits 1 when every trial failed (or any, with --fail-on-any-failed).") { spec, id, top, check, strict, dashboard };
        cluster.AddTo(command);
        dashboardOptions.AddTo(command);
        runner.SetAction(command, async (context, cancellationToken) =>
        {
            var p = context.Parse;
            var parsed = CampaignSpecReader.Read(p.GetValue(spec)!);
            var specText = File.ReadAllText(parsed.SourcePath);
            var campaignId = p.GetValue(id) is { Length: > 0 } given ? given : $"{Slug(parsed.Name)}-{DateTime.UtcNow:yyyyMMdd-HHmmss}";
            var plan = CampaignPlanner.Plan(parsed, campaignId, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
            // Every trial's settings are checked by its engine before anything runs.
            CampaignPlanner.Check(parsed, plan, ClusterHost.Engines());
            if (p.GetValue(check))
            {
                context.Log.Information("Campaign {Name}: {Trials} trials of {Engine} planned and checked{Proposed}; nothing was run (--check)", parsed.Name, plan.Trials.Length, plan.Engine,
                    parsed.Search.IsModelBased ? $" ({parsed.Search.Kind.ToString().ToLowerInvariant()} proposes their points as results arrive; the check ran on random points of the space)" : "");
                return ExitCodes.Ok;
            }
            if (!ArtifactLayout.IsSafeId(campaignId))
            {
                throw new InvalidInputException("--id", $"'{campaignId}' cannot name a folder: use 1–128 letters, digits, '-', '_' or '.', not starting with '.'");
            }
            var options = cluster.Read(context);
            if (WithStore(context, options.PostgresConnectionString, store => store.FindCampaign(campaignId)) is not null)
            {
                throw new InvalidInputException("--id", $"campaign '{campaignId}' exists already; use campaign resume --id {campaignId}");
            }
            if (parsed.WarmStart is { } warmId)
            {
                // The earlier results are read once, here, and journaled with the plan: every proposal (and a resumed campaign) sees the same ones.
                var warm = WithStore(context, options.PostgresConnectionString, store =>
                {
                    _ = store.FindCampaign(warmId) ?? throw new InvalidInputException("warm_start",
                        $"no campaign '{warmId}' in {(store is PostgresResultStore ? "the PostgreSQL database" : context.DataDir)} (clusterml campaign status lists them)",
                        parsed.SourcePath, parsed.WarmStartLine);
                    var results = store.Results(warmId);
                    return (Usable: TrialProposer.WarmStartFrom(parsed, results), Completed: results.Count(r => r.Status == TrialStatus.Completed));
                });
                context.Log.Information("Warm start: {Usable} of the {Completed} completed trials of campaign {WarmId} lie in this campaign's space",
                    warm.Usable.Count, warm.Completed, warmId);
                if (warm.Usable.Count == 0)
                {
                    context.Log.Warning("Warm start from {WarmId} gives the search nothing: none of its completed trials has a value inside this space on every axis ({Axes})",
                        warmId, string.Join(", ", parsed.Space.Select(a => a.Name)));
                }
                plan = plan with { WarmStart = warm.Usable };
            }
            BlobStore? blobs = null;
            IReadOnlyDictionary<string, BlobRef> byPath = new Dictionary<string, BlobRef>();
            if (CampaignLock.FindDriver(context.DataDir, campaignId) is null)
            {
                // Inputs travel by content: registered (copied, hashed, pinned) here, fetched by the workers that need them.
                blobs = new BlobStore(ClusterHostOptions.BlobsPathIn(context.DataDir), options.BlobCacheBytes);
                (plan, var registered, byPath) = await CampaignInputs.RegisterAsync(plan, blobs, cancellationToken);
                foreach (var blob in registered)
                {
                    context.Log.Information("Input {Blob} registered for the workers", blob.ToString());
                }
            }
            // The journal keeps the spec's text, not the trial list: the coordinator regenerates the same trials from it.
            var planned = plan.Trials;
            plan = CampaignPlanner.Compact(plan, specText, parsed.SourcePath, byPath);
            static (string, int, string) Key(PlannedTrial t) => (t.TrialId, t.Seed, System.Text.Json.JsonSerializer.Serialize(t.Spec, t.Spec.GetType()));
            if (!CampaignPlanner.Trials(plan).Select(Key).SequenceEqual(planned.Select(Key)))
            {
                throw new InvalidOperationException("the campaign's plan does not regenerate from its spec text");
            }
            context.Log.Information("Campaign {CampaignId}: {Trials} trials of {Engine} ({Search} search), up to {Concurrent} at once",
                campaignId, planned.Length, plan.Engine, parsed.Search.Kind.ToString().ToLowerInvariant(), plan.MaxConcurrent > 0 ? plan.MaxConcurrent : p.GetValue(cluster.Slots));
            return await RunOnClusterAsync(context, options, campaignId, p.GetValue(top), p.GetValue(strict), attach: false, blobs,
                p.GetValue(dashboard) ? dashboardOptions.Read(context) : null, async (campaigns, store) =>
            {
                if (store.FindCampaign(campaignId) is not null)
                {
                    throw new InvalidInputException("--id", $"campaign '{campaignId}' exists already; use campaign resume --id {campaignId}");
                }
                store.SaveCampaign(new CampaignRecord(campaignId, parsed.Name, parsed.Engine, parsed.SourcePath, specText, "running",
                    planned.Length, plan.SubmittedAtMs, null));
                return await campaigns.Ask<CampaignStatus>(plan, TimeSpan.FromSeconds(60), cancellationToken);
            }, cancellationToken);
        });
        return command;
    }

    private static Command CreateResume(CommandRunner runner)
    {
        var id = Id(required: true);
        var cluster = ClusterOptions();
        var strict = FailOnAnyFailed();
        var (dashboard, dashboardOptions) = DashboardOption();
        var command = new Command("resume", "Continue a campaign after a crash or Ctrl-C: finished trials are kept, the others run. If another process is running it, follow it live from here instead. Exit codes as for campaign run.") { id, strict, dashboard };
        cluster.AddTo(command);
        dashboardOptions.AddTo(command);
        runner.SetAction(command, async (context, cancellationToken) =>
        {
            var campaignId = context.Parse.GetValue(id)!;
            return await RunOnClusterAsync(context, cluster.Read(context), campaignId, 10, context.Parse.GetValue(strict), attach: true, null,
                context.Parse.GetValue(dashboard) ? dashboardOptions.Read(context) : null, async (campaigns, store) =>
            {
                RequireCampaign(store, campaignId, context);
                return await campaigns.Ask<CampaignStatus>(new ResumeCampaign(campaignId), TimeSpan.FromSeconds(60), cancellationToken);
            }, cancellationToken);
        });
        return command;
    }

    private static Command CreateCancel(CommandRunner runner)
    {
        var id = Id(required: true);
        var tls = new Option<string?>("--tls") { Description = "Folder with a node certificate (clusterml cert issue) when the running campaign's cluster uses TLS." };
        var postgres = Postgres();
        var command = new Command("cancel", "Cancel a campaign: running trials are stopped and it will not resume. Works on a campaign another process is running (joins its cluster).") { id, tls, postgres };
        runner.SetAction(command, async (context, cancellationToken) =>
        {
            var campaignId = context.Parse.GetValue(id)!;
            if (CampaignLock.FindDriver(context.DataDir, campaignId) is null
                && WithStore(context, PostgresOf(context, postgres), store => store.FindCampaign(campaignId)) is { } over && CampaignStatus.IsFinal(over.Status))
            {
                context.Out.WriteLine($"Campaign {campaignId} has already {(over.Status == "timed-out" ? "timed out" : over.Status == "completed" ? "completed" : "been cancelled")}: there was nothing to cancel.");
                return ExitCodes.Ok;
            }
            var embedded = new ClusterHostOptions(ClusterHostOptions.AllRoles, "127.0.0.1", 0, [], 1, context.DataDir, PostgresOf(context, postgres))
            {
                Tls = context.Parse.GetValue(tls) is { Length: > 0 } folder ? Cluster.Security.NodeCredentials.Load(folder) : null,
            };
            return await RunOnClusterAsync(context, embedded, campaignId, 10, failOnAnyFailed: false, attach: true, null, null, async (campaigns, store) =>
            {
                RequireCampaign(store, campaignId, context);
                return await campaigns.Ask<CampaignStatus>(new CancelCampaign(campaignId), TimeSpan.FromSeconds(60), cancellationToken);
            }, cancellationToken);
        });
        return command;
    }

    private static Command CreateStatus(CommandRunner runner)
    {
        var id = Id(required: false);
        var postgres = Postgres();
        var format = Format();
        var command = new Command("status", "Show a campaign's state from the results store (or list all campaigns without --id). Works while another process runs it.") { id, postgres, format };
        runner.SetAction(command, (context, _) =>
        {
            using var opened = OpenStore(context, PostgresOf(context, postgres));
            var store = opened.Store;
            var blobs = new BlobStore(ClusterHostOptions.BlobsPathIn(context.DataDir), long.MaxValue);
            if (context.Parse.GetValue(id) is not { Length: > 0 } campaignId)
            {
                var list = new Table().AddColumn("id").AddColumn("name").AddColumn("engine").AddColumn("status").AddColumn(new TableColumn("trials").RightAligned())
                    .AddColumn(new TableColumn("artifacts").RightAligned()).AddColumn(new TableColumn("inputs").RightAligned());
                foreach (var c in store.Campaigns())
                {
                    list.AddRow(c.Id, Markup.Escape(c.Name), c.Engine, c.Status, $"{store.Results(c.Id).Count}/{c.PlannedTrials}",
                        Bytes.Show(CampaignModels.FolderSize(Path.Combine(context.DataDir, ArtifactLayout.CampaignFolder(c.Id), "trials"))), Inputs(blobs, c.Id));
                }
                Tables.Write(context.Out, list, context.Parse.GetValue(format));
                if (context.Parse.GetValue(format) == TableFormat.Table)
                {
                    context.Out.WriteLine(BlobSummary(blobs));
                }
                return Task.FromResult(ExitCodes.Ok);
            }
            var campaign = RequireCampaign(store, campaignId, context);
            var results = store.Results(campaignId);
            var trials = Path.Combine(context.DataDir, ArtifactLayout.CampaignFolder(campaignId), "trials");
            Tables.Write(context.Out, Tables.KeyValues("campaign", campaignId,
            [
                ("name", campaign.Name), ("engine", campaign.Engine), ("status", campaign.Status),
                ("finished / planned", $"{results.Count} / {campaign.PlannedTrials}"),
                ("completed / failed / stopped", $"{results.Count(r => r.Status == TrialStatus.Completed)} / {results.Count(r => r.Status == TrialStatus.Failed)} / {results.Count(r => r.Status == TrialStatus.Stopped)}"),
                ("best", CampaignRanking.Of(results, CampaignReports.ObjectivesOf(campaign)).Summary() is { } best ? Markup.Escape(best.StartsWith("Best: ", StringComparison.Ordinal) ? best[6..] : best) : "–"),
                ("artifacts", $"{results.Count(r => r.ArtifactFolder is not null)} trial folders, {Bytes.Show(CampaignModels.FolderSize(trials))} in {trials}"),
                ("input blobs", Inputs(blobs, campaignId)),
                ("blob store", BlobSummary(blobs)),
                .. ActiveRows(campaign, results),
            ]), context.Parse.GetValue(format));
            if (ClusterML.Core.Active.ActiveSpec.IsRoundEngine(campaign.Engine) && context.Parse.GetValue(format) == TableFormat.Table)
            {
                Tables.Write(context.Out, ActiveReports.Table(ActiveReports.Rounds(results), CampaignReports.SpecOf(campaign)?.Active?.RoundSettings.ContainsKey("goal") == true));
            }
            return Task.FromResult(ExitCodes.Ok);
        });
        return command;
    }

    /// <summary>An active-learning campaign's rounds done and oracle calls made (against the budget); nothing for a sweep.</summary>
    private static IEnumerable<(string Key, string Value)> ActiveRows(CampaignRecord campaign, IReadOnlyList<TrialResult> results)
    {
        if (!ClusterML.Core.Active.ActiveSpec.IsRoundEngine(campaign.Engine))
        {
            yield break;
        }
        var spec = CampaignReports.SpecOf(campaign)?.Active;
        var rounds = ActiveReports.Rounds(results).Where(r => r.Arm != ActiveSpec.RandomArm && r.Status == TrialStatus.Completed).ToList();
        var (active, random, failed) = ActiveReports.OracleCalls(results);
        var planned = spec is null ? "" : $" of {new ActiveLayout(spec, 0).FinalRound}";
        yield return ("rounds done", rounds.Count == 0 ? "0" : $"{rounds.Max(r => r.Number)}{planned}");
        yield return ("oracle calls", $"{active}{(spec is null ? "" : $" of {spec.OracleCalls}")}{(random > 0 ? $" (+{random} random sampling)" : "")}{(failed > 0 ? $", {failed} failed" : "")}");
        if (ActiveReports.ModelRound(results) is { } last)
        {
            yield return ("model error (last round)", last.Metric("test_r2_log10") is { } r2log ? $"test R²(log10) {r2log:G4}"
                : last.Metric("test_r2") is { } r2 ? $"test R² {r2:G4}" : last.Metric("test_rmse") is { } rmse ? $"test RMSE {rmse:G4}" : "–");
            if (last.Metric("best_label") is { } best)
            {
                yield return ("best found", $"{best:G6} (candidate {last.Metric("best_candidate"):F0})");
            }
        }
    }

    private static string Inputs(BlobStore blobs, string campaignId)
    {
        var pinned = blobs.PinnedBy(campaignId);
        // PathOf, not Find: a status query must not count as a use of the blobs (it would reorder the eviction).
        return pinned.Count == 0 ? "–" : $"{pinned.Count}, {Bytes.Show(pinned.Select(h => new FileInfo(blobs.PathOf(h))).Where(f => f.Exists).Sum(f => f.Length))}";
    }

    /// <summary>One line on the data directory's blob store: pinned inputs and the evictable cache against its limit.</summary>
    internal static string BlobSummary(BlobStore blobs)
    {
        var usage = blobs.Usage();
        return $"Blob store {blobs.Root}: {usage.Blobs} blobs, {Bytes.Show(usage.Bytes)} ({usage.PinnedBlobs} campaign inputs, {Bytes.Show(usage.PinnedBytes)}; cache {Bytes.Show(usage.CacheBytes)}"
            + (usage.CacheLimitBytes < long.MaxValue ? $" of {Bytes.Show(usage.CacheLimitBytes)})" : ")");
    }

    private static Command CreateResults(CommandRunner runner)
    {
        var id = Id(required: true);
        var top = new Option<int>("--top") { Description = "Rows of the leaderboard.", DefaultValueFactory = _ => 10 };
        var outDir = new Option<string?>("--out") { Description = "Export folder (default DATA_DIR/campaigns/ID)." };
        var bestModel = new Option<string?>("--best-model") { Description = "Copy the best trial's model folder here (or --trial's): a surrogate model for surrogate predict --model, a PINN model/, or a folder with nep.txt for nep eval --model." };
        var trial = new Option<string?>("--trial") { Description = "With --best-model: this trial's model instead of the best one." };
        var postgres = Postgres();
        var format = Format();
        var importance = new Option<bool>("--importance")
        {
            Description = "With --format json: print {\"trials\": [the rows], \"importance\": {...}} instead of the rows alone. The table always shows importance; csv is the rows only.",
        };
        var command = new Command("results", "Leaderboard, hyperparameter importance (fANOVA), and export to CSV, JSON and plots (loss vs each hyperparameter, best learning curves, importance.png); --best-model DIR copies a trained model out.") { id, top, outDir, bestModel, trial, postgres, format, importance };
        runner.SetAction(command, (context, _) =>
        {
            var campaignId = context.Parse.GetValue(id)!;
            using var opened = OpenStore(context, PostgresOf(context, postgres));
            var store = opened.Store;
            RequireCampaign(store, campaignId, context);
            if (context.Parse.GetValue(trial) is { } chosen && context.Parse.GetValue(bestModel) is null)
            {
                throw new InvalidInputException("--trial", "goes with --best-model DIR");
            }
            var shownAs = context.Parse.GetValue(format);
            var withImportance = context.Parse.GetValue(importance);
            if (withImportance && shownAs == TableFormat.Csv)
            {
                throw new InvalidInputException("--importance", "goes with --format json (the table shows importance anyway; csv holds the trial rows only)");
            }
            var folder = Export(context, store, campaignId, context.Parse.GetValue(outDir), out var report);
            var results = store.Results(campaignId);
            var record = store.FindCampaign(campaignId)!;
            var objectives = CampaignReports.ObjectivesOf(record);
            if (ClusterML.Core.Active.ActiveSpec.IsRoundEngine(record.Engine))
            {
                WriteActiveSummary(context, campaignId, record, results, shownAs);
                context.Log.Information("Exported results of {CampaignId} to {Out}", campaignId, folder);
                if (context.Parse.GetValue(bestModel) is { } target)
                {
                    var chosenTrial = context.Parse.GetValue(trial) ?? ActiveReports.ModelRound(results)?.TrialId
                        ?? throw new InvalidInputException("--best-model", "no round of the active arm has trained a model yet");
                    var (picked, copied) = CampaignModels.CopyModel(context.DataDir, results, chosenTrial, target, objectives);
                    context.Out.WriteLine($"Model of {picked.TrialId} copied to {copied}");
                }
                return Task.FromResult(ExitCodes.Ok);
            }
            var leaderboard = CampaignReports.Leaderboard(results, context.Parse.GetValue(top), exact: shownAs != TableFormat.Table, objectives);
            if (shownAs == TableFormat.Json && withImportance)
            {
                // The rows exactly as --format json prints them, under "trials".
                var rows = new StringWriter(CultureInfo.InvariantCulture);
                Tables.Write(rows, leaderboard, TableFormat.Json);
                var both = new System.Text.Json.Nodes.JsonObject
                {
                    ["trials"] = System.Text.Json.Nodes.JsonNode.Parse(rows.ToString()),
                    ["importance"] = report is null ? null : CampaignReports.ImportanceJson(report),
                };
                context.Out.WriteLine(both.ToJsonString(new System.Text.Json.JsonSerializerOptions { WriteIndented = true }));
            }
            else
            {
                Tables.Write(context.Out, leaderboard, shownAs);
            }
            if (shownAs == TableFormat.Table)
            {
                if (CampaignRanking.Of(results, objectives).Summary() is { } summary)
                {
                    context.Out.WriteLine(summary);
                }
                context.Out.WriteLine();
                context.Out.WriteLine(report is null ? "Importance: the campaign's spec is not stored or no longer reads, so its search space is unknown" : CampaignReports.ImportanceHeading(report));
                if (report is { HasImportances: true })
                {
                    Tables.Write(context.Out, CampaignReports.ImportanceTable(report));
                }
            }
            context.Log.Information("Exported results of {CampaignId} to {Out}", campaignId, folder);
            if (context.Parse.GetValue(bestModel) is { } destination)
            {
                var (picked, copied) = CampaignModels.CopyModel(context.DataDir, results, context.Parse.GetValue(trial), destination, objectives);
                context.Out.WriteLine($"Model of {picked.TrialId} (loss {CampaignReports.Loss(picked)}) copied to {copied}");
            }
            return Task.FromResult(ExitCodes.Ok);
        });
        return command;
    }

    private static Command CreateLog(CommandRunner runner)
    {
        var id = Id(required: true);
        var trial = new Option<string>("--trial") { Description = "Trial id (as in the leaderboard, e.g. t0003).", Required = true };
        var postgres = Postgres();
        var command = new Command("log", "Print a trial's log (trial.log of its newest stored attempt: inputs, every progress report, the outcome): from its artifact folder, or from the results store for trials that wrote no files.") { id, trial, postgres };
        runner.SetAction(command, (context, _) =>
        {
            var campaignId = context.Parse.GetValue(id)!;
            var trialId = context.Parse.GetValue(trial)!;
            using var opened = OpenStore(context, PostgresOf(context, postgres));
            RequireCampaign(opened.Store, campaignId, context);
            if (!ArtifactLayout.IsSafeId(trialId))
            {
                throw new InvalidInputException("--trial", $"'{trialId}' is not a trial id");
            }
            var file = Path.Combine(context.DataDir, ArtifactLayout.TrialFolder(campaignId, trialId), "trial.log");
            var content = File.Exists(file) ? File.ReadAllBytes(file) : opened.Store.TrialLog(campaignId, trialId)?.Content
                ?? throw new InvalidInputException("--trial", $"trial {trialId} of campaign {campaignId} has no stored log (not run yet, or no attempt finished)");
            context.Out.Write(System.Text.Encoding.UTF8.GetString(content));
            return Task.FromResult(ExitCodes.Ok);
        });
        return command;
    }

    private static Command CreateDelete(CommandRunner runner)
    {
        var id = Id(required: true);
        var postgres = Postgres();
        var command = new Command("delete", "Delete a campaign that is not running: its journal events, results, artifacts and exports, and the input blobs no other campaign uses.") { id, postgres };
        runner.SetAction(command, async (context, cancellationToken) =>
        {
            var campaignId = context.Parse.GetValue(id)!;
            var connection = PostgresOf(context, postgres);
            using var opened = OpenStore(context, connection);
            var store = opened.Store;
            var campaign = RequireCampaign(store, campaignId, context);
            if (CampaignLock.FindDriver(context.DataDir, campaignId) is { } driver)
            {
                throw new InvalidInputException("--id", $"campaign '{campaignId}' is running in process {driver.ProcessId}; cancel it first (campaign cancel --id {campaignId})");
            }
            await ClusterHost.EraseJournalAsync(context.DataDir, connection, $"campaign-{campaignId}", cancellationToken);
            var folder = Path.Combine(context.DataDir, ArtifactLayout.CampaignFolder(campaignId));
            var artifactBytes = CampaignModels.FolderSize(folder);
            if (Directory.Exists(folder))
            {
                Directory.Delete(folder, recursive: true);
            }
            var freed = new BlobStore(ClusterHostOptions.BlobsPathIn(context.DataDir), long.MaxValue).Unpin(campaignId);
            store.DeleteCampaign(campaignId);
            context.Log.Information("Deleted campaign {CampaignId} ({Name}, {Status}): journal, results, {Artifacts} of artifacts and exports, {Blobs} of input blobs no other campaign uses",
                campaignId, campaign.Name, campaign.Status, Bytes.Show(artifactBytes), Bytes.Show(freed));
            return ExitCodes.Ok;
        });
        return command;
    }

    /// <summary>The results store the cluster host writes (PostgreSQL, or the data directory's file), closed on dispose.</summary>
    private sealed record OpenedStore(IResultStore Store) : IDisposable
    {
        public void Dispose() => (Store as IDisposable)?.Dispose();
    }

    private static OpenedStore OpenStore(CommandContext context, string? postgres) => new(ClusterHost.OpenResults(context.DataDir, postgres));

    private static T WithStore<T>(CommandContext context, string? postgres, Func<IResultStore, T> read)
    {
        using var opened = OpenStore(context, postgres);
        return read(opened.Store);
    }

    /// <exception cref="InvalidInputException">The store has no campaign with that id.</exception>
    private static CampaignRecord RequireCampaign(IResultStore store, string campaignId, CommandContext context) =>
        store.FindCampaign(campaignId) ?? throw new InvalidInputException("--id",
            $"no campaign '{campaignId}' in {(store is PostgresResultStore ? "the PostgreSQL database" : context.DataDir)}");

    private static string Export(CommandContext context, IResultStore store, string campaignId, string? outDir) => Export(context, store, campaignId, outDir, out _);

    private static string Export(CommandContext context, IResultStore store, string campaignId, string? outDir, out Analysis.ImportanceReport? importance)
    {
        using var output = AtomicOutputDirectory.Begin(outDir ?? Path.Combine(context.DataDir, "campaigns", campaignId));
        CampaignReports.Export(store, campaignId, context.DataDir, output.PathFor, out importance);
        output.Commit();
        return output.Target;
    }

    private static readonly TimeSpan JoinTimeout = TimeSpan.FromSeconds(20);

    /// <summary>How long a campaign's process waits for the cluster bootstrap (--discovery) to form or find the cluster.</summary>
    private static readonly TimeSpan BootstrapTimeout = TimeSpan.FromSeconds(120);

    /// <summary>
    /// Starts this process's cluster node, sends the first command, follows the campaign until it is settled, then reports.
    /// Normally this process drives the campaign (one-process cluster with all roles, or the coordinator of a larger one) and
    /// holds its lock. When another live process drives it already, <paramref name="attach"/> joins that process's cluster as an
    /// observer (no roles) and sends the command there; without it, the command is refused.
    /// </summary>
    private static async Task<int> RunOnClusterAsync(CommandContext context, ClusterHostOptions options, string campaignId, int top, bool failOnAnyFailed, bool attach,
        BlobStore? blobs, DashboardOptions? dashboard, Func<IActorRef, IResultStore, Task<CampaignStatus>> begin, CancellationToken cancellationToken)
    {
        CampaignLock? held = null;
        JournalLock? journal = null;
        if (CampaignLock.FindDriver(context.DataDir, campaignId) is { } driver)
        {
            if (!attach || driver.Address is null)
            {
                throw new InvalidInputException("--id", $"campaign '{campaignId}' is being run by process {driver.ProcessId}; stop it with Ctrl-C (it can be resumed) or use campaign resume|cancel --id {campaignId}");
            }
            if (driver.Address.StartsWith("akka.ssl.tcp:", StringComparison.Ordinal) && options.Tls is null)
            {
                throw new InvalidInputException("--tls", $"campaign '{campaignId}' runs on a TLS cluster ({driver.Address}): give a node certificate with --tls NODE_DIR");
            }
            context.Log.Information("Campaign {CampaignId} is run by process {ProcessId} at {Address}; joining its cluster as an observer", campaignId, driver.ProcessId, driver.Address);
            options = options with { Roles = [], Hostname = "127.0.0.1", Port = 0, SeedNodes = [driver.Address], Insecure = false };
        }
        else
        {
            // Before the campaign's own lock: a data directory another campaign's driver writes is refused with nothing changed.
            journal = JournalLock.AcquireFor(options, $"driving campaign '{campaignId}'");
            try
            {
                held = CampaignLock.Acquire(context.DataDir, campaignId);
            }
            catch
            {
                journal?.Dispose();
                throw;
            }
            // The driving process reads the results from its own data directory, so it hosts the aggregator whatever --roles says.
            if (!options.Roles.Contains(AggregatorHostingExtensions.AggregatorRole))
            {
                options = options with { Roles = [.. options.Roles, AggregatorHostingExtensions.AggregatorRole] };
            }
        }
        using var _ = held;
        using var __ = journal;
        var (host, store) = ClusterHost.Build(options, context.Log, blobs: blobs);
        using var closeStore = store as IDisposable;
        await host.StartAsync(cancellationToken);
        try
        {
            // Bootstrap waits for every contact point it needs, which may start later than this process.
            if (!await ClusterHost.JoinedAsync(host, options, options.Discovery is null ? JoinTimeout : BootstrapTimeout, context.Log, cancellationToken))
            {
                return ExitCodes.Failure;
            }
            var system = host.Services.GetRequiredService<ActorSystem>();
            held?.Advertise(Akka.Cluster.Cluster.Get(system).SelfAddress.ToString());
            var registry = host.Services.GetRequiredService<ActorRegistry>();
            var campaigns = await registry.GetAsync<CampaignRegion>(cancellationToken);
            var aggregator = await registry.GetAsync<AggregatorSingleton>(cancellationToken);
            var status = await begin(campaigns, store);
            context.Log.Information("Campaign {CampaignId} is {Status}: {Finished}/{Planned} trials finished", campaignId, status.Status, status.Finished, status.Planned);
            using var stopFollowing = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            var clusterView = new AkkaClusterSource(system);
            // The driver tells dashboards of this data directory what only it knows (running trials, where, the cluster).
            var publishing = held is null ? Task.CompletedTask
                : LivePublisher.RunAsync(context.DataDir, campaignId, campaigns, clusterView, context.Log, stopFollowing.Token);
            await using var page = dashboard is null ? null : await DashboardServer.StartAsync(context, dashboard, store,
                new DriverCampaignActions(campaignId, campaigns, new ProcessCampaignActions(context.DataDir, options.PostgresConnectionString)), clusterView,
                "--dashboard-port", cancellationToken);
            var follow = CampaignMonitor.FollowAsync(context, campaigns, aggregator, status, top, stopFollowing.Token);
            // Downed (by the split-brain resolver or another member), this node's actor system stops and the campaign can no
            // longer be followed from here: exit non-zero so that a restart policy (or the user) continues it with resume.
            if (await Task.WhenAny(follow, system.WhenTerminated) != follow
                && CoordinatedShutdown.Get(system).ShutdownReason is CoordinatedShutdown.ClusterDowningReason)
            {
                await stopFollowing.CancelAsync();
                context.Log.Error("Campaign {CampaignId}: this node was removed from the cluster without being asked to leave; exiting {Code} (campaign resume continues it)",
                    campaignId, ExitCodes.Failure);
                return ExitCodes.Failure;
            }
            status = await follow;
            await stopFollowing.CancelAsync();
            await publishing;
            var results = store.Results(campaignId);
            var record = store.FindCampaign(campaignId);
            var objectives = CampaignReports.ObjectivesOf(record);
            var folder = Export(context, store, campaignId, null);
            if (record is not null && ClusterML.Core.Active.ActiveSpec.IsRoundEngine(record.Engine))
            {
                WriteActiveSummary(context, campaignId, record, results);
                context.Log.Information("Campaign {CampaignId} {Status}: {Completed} completed, {Failed} failed, {Stopped} stopped; results in {Out}",
                    campaignId, status.Status, status.Completed, status.Failed, status.Stopped, folder);
                return Verdict(context.Log, campaignId, status, results, failOnAnyFailed);
            }
            Tables.Write(context.Out, CampaignReports.Leaderboard(results, top, objectives: objectives));
            var ranking = CampaignRanking.Of(results, objectives);
            if (ranking.Summary() is { } summary)
            {
                context.Out.WriteLine(summary);
            }
            if (ranking.Best is { } best)
            {
                if (CampaignModels.ModelFolder(context.DataDir, best) is { } model)
                {
                    context.Out.WriteLine($"Best model: {model} (copy it with: campaign results --id {campaignId} --best-model DIR)");
                }
            }
            context.Log.Information("Campaign {CampaignId} {Status}: {Completed} completed, {Failed} failed, {Stopped} stopped; results in {Out}",
                campaignId, status.Status, status.Completed, status.Failed, status.Stopped, folder);
            return Verdict(context.Log, campaignId, status, results, failOnAnyFailed);
        }
        finally
        {
            await host.StopAsync(CancellationToken.None);
            host.Dispose();
        }
    }

    /// <summary>An active-learning campaign's rounds, its oracle calls against the budget, and where its model is.</summary>
    private static void WriteActiveSummary(CommandContext context, string campaignId, CampaignRecord record, IReadOnlyList<TrialResult> results, TableFormat format = TableFormat.Table)
    {
        var spec = CampaignReports.SpecOf(record)?.Active;
        Tables.Write(context.Out, ActiveReports.Table(ActiveReports.Rounds(results), spec?.RoundSettings.ContainsKey("goal") == true), format);
        if (format != TableFormat.Table)
        {
            return;
        }
        var (active, random, failed) = ActiveReports.OracleCalls(results);
        context.Out.WriteLine($"Oracle calls: {active}{(spec is null ? "" : $" of {spec.OracleCalls}")} (active learning){(random > 0 ? $", {random} (random sampling, for comparison)" : "")}{(failed > 0 ? $"; {failed} failed" : "")}");
        if (ActiveReports.ModelRound(results) is { } round && results.First(r => r.TrialId == round.TrialId) is var trial && CampaignModels.ModelFolder(context.DataDir, trial) is { } model)
        {
            var what = spec?.Potential == true ? $"{round.Labelled} labelled frames; the committee is in {Path.Combine(Path.GetDirectoryName(model) ?? model, "committee")}" : $"{round.Labelled} labelled rows";
            context.Out.WriteLine($"Model (round {round.Number}, {what}): {model} (copy it with: campaign results --id {campaignId} --best-model DIR)");
        }
    }

    /// <summary><c>--dashboard</c> and its settings (<c>--dashboard-port</c>, …): the web page served by the driving process while it runs.</summary>
    private static (Option<bool> Enabled, DashboardOptionSet Settings) DashboardOption() =>
        (new Option<bool>("--dashboard") { Description = $"Serve the web dashboard from this process while it runs (http://127.0.0.1:{DashboardOptions.DefaultPort}/, see clusterml dashboard) and print its address." },
            new DashboardOptionSet("dashboard-"));

    private static Option<TableFormat> Format() => new("--format")
    {
        Description = "table (drawn; full width when not a terminal), csv or json (an array of objects; numbers as numbers).",
        DefaultValueFactory = _ => TableFormat.Table,
    };

    private static Option<bool> FailOnAnyFailed() => new("--fail-on-any-failed")
    {
        Description = "Exit 1 if any trial failed (by default only when every trial failed; some failed trials give a warning and exit 0).",
    };

    /// <summary>
    /// The exit code of a campaign that was followed to its end: 1 when trials ran and every one failed (nothing to use), or
    /// with <paramref name="failOnAnyFailed"/> when any failed; otherwise 0, with a warning line when some failed. The most
    /// frequent error is named, and where to read the rest.
    /// </summary>
    internal static int Verdict(Serilog.ILogger log, string campaignId, CampaignStatus status, IReadOnlyList<TrialResult> results, bool failOnAnyFailed)
    {
        if (status.Failed == 0 || status.Status == "cancelled")
        {
            return ExitCodes.Ok; // a cancel that was asked for is not a failure of the campaign
        }
        var failed = results.Where(r => r.Status == TrialStatus.Failed).ToList();
        var common = failed.GroupBy(r => r.Error ?? "(no message)").OrderByDescending(g => g.Count()).ThenBy(g => g.Key, StringComparer.Ordinal).FirstOrDefault();
        var example = common is null ? "" : $"; most frequent error ({common.Count()}×, e.g. {common.First().TrialId}): {common.Key}";
        var see = $"see campaign results --id {campaignId} and campaign log --id {campaignId} --trial {failed.FirstOrDefault()?.TrialId ?? "T"}";
        if (status.Completed == 0 && status.Stopped == 0)
        {
            log.Error("Campaign {CampaignId}: every trial failed ({Failed}){Example}; {See}", campaignId, status.Failed, example, see);
            return ExitCodes.Failure;
        }
        if (failOnAnyFailed)
        {
            log.Error("Campaign {CampaignId}: {Failed} of {Total} trials failed (--fail-on-any-failed){Example}; {See}", campaignId, status.Failed, status.Finished, example, see);
            return ExitCodes.Failure;
        }
        log.Warning("Campaign {CampaignId}: {Failed} of {Total} trials failed{Example}; {See}", campaignId, status.Failed, status.Finished, example, see);
        return ExitCodes.Ok;
    }

    private static string Slug(string name) =>
        string.Concat(name.ToLowerInvariant().Select(c => char.IsLetterOrDigit(c) ? c : '-')).Trim('-') is { Length: > 0 } s ? s : "campaign";
}
