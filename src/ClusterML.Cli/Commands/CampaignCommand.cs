using System.CommandLine;
using System.Globalization;
using Akka.Actor;
using Akka.Hosting;
using ClusterML.Cli.Hosting;
using ClusterML.Cli.Output;
using ClusterML.Cluster.Hosting;
using ClusterML.Core.Campaigns;
using ClusterML.Core.Coordination;
using ClusterML.Core.IO;
using ClusterML.Core.Messages;
using ClusterML.Core.Results;
using ClusterML.Core.Validation;
using ClusterML.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Spectre.Console;

namespace ClusterML.Cli.Commands;

/// <summary><c>clusterml campaign run|status|results|resume|cancel</c>.</summary>
internal static class CampaignCommand
{
    public static Command Create(CommandRunner runner)
    {
        var campaign = new Command("campaign", "Hyperparameter campaigns: a YAML sweep run as sharded trials on a cluster (one process by default), persisted and resumable.");
        campaign.Subcommands.Add(CreateRun(runner));
        campaign.Subcommands.Add(CreateResume(runner));
        campaign.Subcommands.Add(CreateStatus(runner));
        campaign.Subcommands.Add(CreateResults(runner));
        campaign.Subcommands.Add(CreateCancel(runner));
        return campaign;
    }

    private static ClusterOptionSet ClusterOptions() => new("coordinator,worker,aggregator", 0, "127.0.0.1");

    private static Option<string> Id(bool required) => new("--id") { Description = "Campaign id (printed by campaign run).", Required = required };

    private static Command CreateRun(CommandRunner runner)
    {
        var spec = new Argument<string>("SPEC") { Description = "Campaign YAML (see config/campaigns/)." };
        var id = Id(required: false);
        var cluster = ClusterOptions();
        var top = new Option<int>("--top") { Description = "Rows of the final leaderboard.", DefaultValueFactory = _ => 10 };
        var command = new Command("run", "Run a campaign on the embedded one-process cluster (all roles, SQLite in the data directory), or as the coordinator of a larger one (--roles, --port); prints the best trials and exports results.") { spec, id, top };
        cluster.AddTo(command);
        runner.SetAction(command, async (context, cancellationToken) =>
        {
            var p = context.Parse;
            var parsed = CampaignSpecReader.Read(p.GetValue(spec)!);
            var campaignId = p.GetValue(id) is { Length: > 0 } given ? given : $"{Slug(parsed.Name)}-{DateTime.UtcNow:yyyyMMdd-HHmmss}";
            var plan = CampaignPlanner.Plan(parsed, campaignId, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
            context.Log.Information("Campaign {CampaignId}: {Trials} trials of {Engine} ({Search} search), up to {Concurrent} at once",
                campaignId, plan.Trials.Length, plan.Engine, parsed.Search.Kind.ToString().ToLowerInvariant(), plan.MaxConcurrent > 0 ? plan.MaxConcurrent : p.GetValue(cluster.Slots));
            return await RunEmbeddedAsync(context, cluster.Read(context), campaignId, p.GetValue(top), async (campaigns, store) =>
            {
                if (store.FindCampaign(campaignId) is not null)
                {
                    throw new InvalidInputException("--id", $"campaign '{campaignId}' exists already; use campaign resume --id {campaignId}");
                }
                store.SaveCampaign(new CampaignRecord(campaignId, parsed.Name, parsed.Engine, parsed.SourcePath, File.ReadAllText(parsed.SourcePath), "running",
                    plan.Trials.Length, plan.SubmittedAtMs, null));
                return await campaigns.Ask<CampaignStatus>(plan, TimeSpan.FromSeconds(60), cancellationToken);
            }, cancellationToken);
        });
        return command;
    }

    private static Command CreateResume(CommandRunner runner)
    {
        var id = Id(required: true);
        var cluster = ClusterOptions();
        var command = new Command("resume", "Continue a campaign after a crash or Ctrl-C: finished trials are kept, the others run.") { id };
        cluster.AddTo(command);
        runner.SetAction(command, async (context, cancellationToken) =>
        {
            var campaignId = context.Parse.GetValue(id)!;
            return await RunEmbeddedAsync(context, cluster.Read(context), campaignId, 10, async (campaigns, store) =>
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
        var command = new Command("cancel", "Cancel a campaign: running trials are stopped and it will not resume.") { id };
        runner.SetAction(command, async (context, cancellationToken) =>
        {
            var campaignId = context.Parse.GetValue(id)!;
            var embedded = new ClusterHostOptions(ClusterHostOptions.AllRoles, "127.0.0.1", 0, [], 1, context.DataDir, Environment.GetEnvironmentVariable("CLUSTERML_POSTGRES"));
            return await RunEmbeddedAsync(context, embedded, campaignId, 10, async (campaigns, store) =>
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
        var command = new Command("status", "Show a campaign's state from the results store (or list all campaigns without --id). Works while another process runs it.") { id };
        runner.SetAction(command, (context, _) =>
        {
            var store = OpenStore(context);
            if (context.Parse.GetValue(id) is not { Length: > 0 } campaignId)
            {
                var list = new Table().AddColumn("id").AddColumn("name").AddColumn("engine").AddColumn("status").AddColumn(new TableColumn("trials").RightAligned());
                foreach (var c in store.Campaigns())
                {
                    list.AddRow(c.Id, Markup.Escape(c.Name), c.Engine, c.Status, $"{store.Results(c.Id).Count}/{c.PlannedTrials}");
                }
                Tables.Write(context.Out, list);
                return Task.FromResult(ExitCodes.Ok);
            }
            var campaign = RequireCampaign(store, campaignId, context);
            var results = store.Results(campaignId);
            Tables.Write(context.Out, Tables.KeyValues("campaign", campaignId,
            [
                ("name", campaign.Name), ("engine", campaign.Engine), ("status", campaign.Status),
                ("finished / planned", $"{results.Count} / {campaign.PlannedTrials}"),
                ("completed / failed / stopped", $"{results.Count(r => r.Status == TrialStatus.Completed)} / {results.Count(r => r.Status == TrialStatus.Failed)} / {results.Count(r => r.Status == TrialStatus.Stopped)}"),
                ("best loss", results.Where(r => r.FinalLoss is not null).MinBy(r => r.FinalLoss) is { } best ? $"{best.FinalLoss:G5} ({best.TrialId})" : "–"),
            ]));
            return Task.FromResult(ExitCodes.Ok);
        });
        return command;
    }

    private static Command CreateResults(CommandRunner runner)
    {
        var id = Id(required: true);
        var top = new Option<int>("--top") { Description = "Rows of the leaderboard.", DefaultValueFactory = _ => 10 };
        var outDir = new Option<string?>("--out") { Description = "Export folder (default DATA_DIR/campaigns/ID)." };
        var command = new Command("results", "Leaderboard, and export to CSV, JSON and plots (loss vs each hyperparameter, best learning curves).") { id, top, outDir };
        runner.SetAction(command, (context, _) =>
        {
            var campaignId = context.Parse.GetValue(id)!;
            var store = OpenStore(context);
            RequireCampaign(store, campaignId, context);
            var folder = Export(context, store, campaignId, context.Parse.GetValue(outDir));
            Tables.Write(context.Out, CampaignReports.Leaderboard(store.Results(campaignId), context.Parse.GetValue(top)));
            context.Log.Information("Exported results of {CampaignId} to {Out}", campaignId, folder);
            return Task.FromResult(ExitCodes.Ok);
        });
        return command;
    }

    /// <summary>The results store of the data directory (the same file the cluster host writes).</summary>
    private static SqliteResultStore OpenStore(CommandContext context) => new(ClusterHostOptions.ResultsPathIn(context.DataDir));

    /// <exception cref="InvalidInputException">The data directory has no campaign with that id.</exception>
    private static CampaignRecord RequireCampaign(IResultStore store, string campaignId, CommandContext context) =>
        store.FindCampaign(campaignId) ?? throw new InvalidInputException("--id", $"no campaign '{campaignId}' in {context.DataDir}");

    private static string Export(CommandContext context, IResultStore store, string campaignId, string? outDir)
    {
        using var output = AtomicOutputDirectory.Begin(outDir ?? Path.Combine(context.DataDir, "campaigns", campaignId));
        CampaignReports.Export(store, campaignId, output.PathFor);
        output.Commit();
        return output.Target;
    }

    /// <summary>Starts the one-process cluster, sends the first command, shows progress until the campaign is over, then reports.</summary>
    private static async Task<int> RunEmbeddedAsync(CommandContext context, ClusterHostOptions options, string campaignId, int top,
        Func<IActorRef, IResultStore, Task<CampaignStatus>> begin, CancellationToken cancellationToken)
    {
        using var campaignLock = LockCampaign(context.DataDir, campaignId);
        var (host, store) = ClusterHost.Build(options, context.Log);
        await host.StartAsync(cancellationToken);
        try
        {
            var campaigns = await host.Services.GetRequiredService<ActorRegistry>().GetAsync<CampaignRegion>(cancellationToken);
            var status = await begin(campaigns, store);
            context.Log.Information("Campaign {CampaignId} is {Status}: {Finished}/{Planned} trials finished", campaignId, status.Status, status.Finished, status.Planned);
            status = await ProgressDisplay.RunAsync(context, $"campaign {campaignId}", progress =>
            {
                var current = status;
                while (!current.IsOver)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    progress.Report(current.Planned == 0 ? 1 : (double)current.Finished / current.Planned);
                    Thread.Sleep(250);
                    current = campaigns.Ask<CampaignStatus>(new GetCampaignStatus(campaignId), TimeSpan.FromSeconds(30), cancellationToken).GetAwaiter().GetResult();
                }
                progress.Report(1.0);
                return current;
            });
            var results = store.Results(campaignId);
            Tables.Write(context.Out, CampaignReports.Leaderboard(results, top));
            var folder = Export(context, store, campaignId, null);
            if (results.Where(r => r.Status == TrialStatus.Completed && r.FinalLoss is not null).MinBy(r => r.FinalLoss) is { } best)
            {
                context.Out.WriteLine($"Best: {best.TrialId} loss {best.FinalLoss!.Value.ToString("G6", CultureInfo.InvariantCulture)} with {string.Join(", ", best.Parameters.OrderBy(x => x.Key).Select(x => $"{x.Key}={x.Value}"))}");
            }
            context.Log.Information("Campaign {CampaignId} {Status}: {Completed} completed, {Failed} failed, {Stopped} stopped; results in {Out}",
                campaignId, status.Status, status.Completed, status.Failed, status.Stopped, folder);
            return ExitCodes.Ok;
        }
        finally
        {
            await host.StopAsync(CancellationToken.None);
            host.Dispose();
        }
    }

    /// <summary>
    /// One process drives a campaign at a time: its coordinator journal must have a single writer. The driving process
    /// holds <c>DATA_DIR/campaigns/ID.lock</c> (its process id); resume and cancel refuse while that process is alive.
    /// </summary>
    private static IDisposable LockCampaign(string dataDir, string campaignId)
    {
        var folder = Path.Combine(dataDir, "campaigns");
        Directory.CreateDirectory(folder);
        var path = Path.Combine(folder, $"{campaignId}.lock");
        if (File.Exists(path) && int.TryParse(File.ReadAllText(path).Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var pid) && pid != Environment.ProcessId && IsAlive(pid))
        {
            throw new InvalidInputException("--id", $"campaign '{campaignId}' is being run by process {pid}; stop it with Ctrl-C (it can be resumed) before resuming or cancelling it here");
        }
        File.WriteAllText(path, Environment.ProcessId.ToString(CultureInfo.InvariantCulture));
        return new LockFile(path);
    }

    private static bool IsAlive(int pid)
    {
        try
        {
            using var process = System.Diagnostics.Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    private sealed class LockFile(string path) : IDisposable
    {
        public void Dispose()
        {
            try
            {
                File.Delete(path);
            }
            catch (IOException)
            {
                // A stale lock names a dead process and is ignored next time.
            }
        }
    }

    private static string Slug(string name) =>
        string.Concat(name.ToLowerInvariant().Select(c => char.IsLetterOrDigit(c) ? c : '-')).Trim('-') is { Length: > 0 } s ? s : "campaign";
}
