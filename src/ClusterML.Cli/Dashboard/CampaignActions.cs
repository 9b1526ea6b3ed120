using System.Diagnostics;
using Akka.Actor;
using ClusterML.Core.Messages;

namespace ClusterML.Cli.Dashboard;

/// <summary>
/// Cancel and resume as a user would do them: <c>clusterml campaign cancel --id ID</c> (which joins the driving process's
/// cluster, or cancels a campaign nobody drives), waited for; <c>clusterml campaign resume --id ID</c>, started in a session of
/// its own (it keeps running when the dashboard stops) with its output in <c>DATA_DIR/campaigns/ID.resume.log</c>.
/// </summary>
internal sealed class ProcessCampaignActions(string dataDir, string? postgres) : ICampaignActions
{
    private static readonly TimeSpan CancelTimeout = TimeSpan.FromMinutes(2);

    public async Task<ActionOutcome> CancelAsync(string campaignId, CancellationToken cancellationToken)
    {
        using var process = Process.Start(StartInfo("cancel", campaignId, detached: false))!;
        var output = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var error = process.StandardError.ReadToEndAsync(cancellationToken);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(CancelTimeout);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            return new ActionOutcome(false, $"campaign cancel --id {campaignId} did not finish within {CancelTimeout.TotalSeconds:F0} s");
        }
        var text = (await output + "\n" + await error).Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var last = text.LastOrDefault(l => !l.StartsWith("warning", StringComparison.OrdinalIgnoreCase)) ?? "";
        return process.ExitCode == 0
            ? new ActionOutcome(true, text.FirstOrDefault(l => l.Contains("nothing to cancel", StringComparison.Ordinal)) ?? $"campaign {campaignId} cancelled")
            : new ActionOutcome(false, $"campaign cancel --id {campaignId} failed (exit {process.ExitCode}): {last}");
    }

    public async Task<ActionOutcome> ResumeAsync(string campaignId, CancellationToken cancellationToken)
    {
        var log = Path.Combine(dataDir, "campaigns", $"{campaignId}.resume.log");
        Directory.CreateDirectory(Path.GetDirectoryName(log)!);
        var command = StartInfo("resume", campaignId, detached: true);
        // In a session of its own (setsid), so it outlives this dashboard and its terminal's Ctrl-C; the shell only redirects.
        var start = new ProcessStartInfo("setsid") { UseShellExecute = false };
        foreach (var argument in new[] { "sh", "-c", "exec \"$@\" >> \"$0\" 2>&1 < /dev/null", log, command.FileName }.Concat(command.ArgumentList))
        {
            start.ArgumentList.Add(argument);
        }
        foreach (var (name, value) in command.Environment)
        {
            start.Environment[name] = value;
        }
        using var process = Process.Start(start)!;
        // A resume that fails at once (the campaign is driven already, its spec no longer reads) says so within a few seconds.
        try
        {
            await process.WaitForExitAsync(cancellationToken).WaitAsync(TimeSpan.FromSeconds(5), cancellationToken);
        }
        catch (TimeoutException)
        {
            return new ActionOutcome(true, $"campaign resume --id {campaignId} runs in process {process.Id}; its output goes to {log}");
        }
        var tail = File.Exists(log) ? File.ReadLines(log).TakeLast(3) : [];
        return process.ExitCode == 0
            ? new ActionOutcome(true, $"campaign {campaignId} resumed and finished; output in {log}")
            : new ActionOutcome(false, $"campaign resume --id {campaignId} exited with {process.ExitCode}: {string.Join(" ", tail)}");
    }

    /// <summary>This same program (run as <c>dotnet clusterml.dll</c> or as an apphost) with a campaign command.</summary>
    private ProcessStartInfo StartInfo(string verb, string campaignId, bool detached)
    {
        // The published program runs itself; otherwise (dotnet clusterml.dll, or a host such as the test runner) dotnet runs the dll.
        var self = Environment.ProcessPath;
        var apphost = self is not null && Path.GetFileNameWithoutExtension(self) == "clusterml";
        var start = new ProcessStartInfo(apphost ? self! : self is not null && Path.GetFileNameWithoutExtension(self) == "dotnet" ? self : "dotnet")
        {
            UseShellExecute = false, RedirectStandardOutput = !detached, RedirectStandardError = !detached,
        };
        if (!apphost)
        {
            start.ArgumentList.Add(typeof(ProcessCampaignActions).Assembly.Location);
        }
        foreach (var argument in new[] { "campaign", verb, "--id", campaignId, "--data-dir", dataDir })
        {
            start.ArgumentList.Add(argument);
        }
        if (postgres is { Length: > 0 })
        {
            start.Environment["CLUSTERML_POSTGRES"] = postgres; // not on the command line, where ps shows it
        }
        start.Environment["CI"] = "true"; // plain log lines, no live view
        return start;
    }
}

/// <summary>
/// In the process that drives <paramref name="campaignId"/> (<c>campaign run --dashboard</c>): that campaign is cancelled by
/// its own coordinator directly; anything else goes to <paramref name="others"/>.
/// </summary>
internal sealed class DriverCampaignActions(string campaignId, IActorRef campaigns, ICampaignActions others) : ICampaignActions
{
    public async Task<ActionOutcome> CancelAsync(string id, CancellationToken cancellationToken)
    {
        if (id != campaignId)
        {
            return await others.CancelAsync(id, cancellationToken);
        }
        var status = await campaigns.Ask<CampaignStatus>(new CancelCampaign(id), TimeSpan.FromSeconds(60), cancellationToken);
        return new ActionOutcome(true, $"campaign {id} is {status.Status}: {status.Finished}/{status.Planned} trials finished");
    }

    public Task<ActionOutcome> ResumeAsync(string id, CancellationToken cancellationToken) =>
        id == campaignId ? Task.FromResult(new ActionOutcome(false, $"campaign {id} is running in this process")) : others.ResumeAsync(id, cancellationToken);
}
