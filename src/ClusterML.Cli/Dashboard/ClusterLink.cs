using System.Diagnostics;
using Akka.Actor;
using ClusterML.Cluster.Hosting;
using ClusterML.Core.Messages;

namespace ClusterML.Cli.Dashboard;

/// <summary>
/// The cluster as seen from a member (the driving process, or a dashboard that joined with <c>--seed-nodes</c>): members from
/// Akka.Cluster's state, and what each says of itself at <c>/user/node-info</c> (asked in parallel, 2 s each; a node that does
/// not answer is shown without it). Kept for a second, so pages and the change feed share one round of questions.
/// </summary>
internal sealed class AkkaClusterSource(ActorSystem system) : IClusterSource
{
    private static readonly TimeSpan AskTimeout = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan KeepFor = TimeSpan.FromSeconds(1);
    private readonly SemaphoreSlim _gate = new(1, 1);
    private (long At, ClusterView? View) _last = (0, null);

    public async Task<ClusterView?> ViewAsync(CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            if (_last.View is not null && Stopwatch.GetElapsedTime(_last.At) < KeepFor)
            {
                return _last.View;
            }
            var cluster = Akka.Cluster.Cluster.Get(system);
            var state = cluster.State;
            var unreachable = state.Unreachable.Select(m => m.Address).ToHashSet();
            var members = await Task.WhenAll(state.Members.Select(async m =>
            {
                var view = new MemberView(m.Address.ToString(), [.. m.Roles.Order(StringComparer.Ordinal)], m.Status.ToString().ToLowerInvariant(),
                    !unreachable.Contains(m.Address), m.Address == cluster.SelfAddress);
                if (!view.Reachable)
                {
                    return view;
                }
                try
                {
                    var info = await system.ActorSelection(new RootActorPath(m.Address) / "user" / NodeInfoActor.Name)
                        .Ask<NodeInfo>(new GetNodeInfo(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()), AskTimeout, cancellationToken);
                    return view with
                    {
                        Slots = info.Slots, BusySlots = info.BusySlots, Device = info.Device, Host = info.Host, ProcessId = info.ProcessId, BlobBytes = info.BlobBytes,
                        StartedAtMs = info.StartedAtMs,
                    };
                }
                catch (Exception e) when (e is AskTimeoutException or TaskCanceledException)
                {
                    return view; // a busy or older node: shown without its own numbers
                }
            }));
            var result = new ClusterView(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), cluster.SelfAddress.ToString(), [.. members.OrderBy(m => m.Address, StringComparer.Ordinal)]);
            _last = (Stopwatch.GetTimestamp(), result);
            return result;
        }
        finally
        {
            _gate.Release();
        }
    }
}

/// <summary>
/// The driving process's side of the live view: about once a second it asks its coordinator for the campaign's counts and
/// running trials and writes them, with its cluster's members, to the campaign's live file (<see cref="LiveFiles"/>), which
/// dashboards of the same data directory read. The file is removed when the campaign is no longer driven from here.
/// </summary>
internal static class LivePublisher
{
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan AskTimeout = TimeSpan.FromSeconds(5);

    public static async Task RunAsync(string dataDir, string campaignId, IActorRef campaigns, IClusterSource cluster, Serilog.ILogger log, CancellationToken cancellationToken)
    {
        var warned = false;
        try
        {
            using var timer = new PeriodicTimer(Interval);
            do
            {
                try
                {
                    var status = await campaigns.Ask<CampaignStatus>(new GetCampaignStatus(campaignId), AskTimeout, cancellationToken);
                    var running = await campaigns.Ask<RunningTrials>(new GetRunningTrials(campaignId), AskTimeout, cancellationToken);
                    var view = await cluster.ViewAsync(cancellationToken);
                    LiveFiles.Write(dataDir, new LiveCampaign(campaignId, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), Environment.ProcessId, status.Status,
                        status.Planned, status.Running, status.Completed, status.Failed, status.Stopped, status.BestTrialId, status.BestLoss,
                        [.. running.Trials.Select(t => new LiveTrial(t.TrialId, t.Attempt, t.Node, t.SinceMs))], view));
                    warned = false;
                }
                catch (Exception e) when (e is AskTimeoutException or IOException or UnauthorizedAccessException)
                {
                    if (!warned)
                    {
                        log.Debug(e, "Campaign {CampaignId}: the live view file was not updated this time", campaignId);
                        warned = true;
                    }
                }
            }
            while (await timer.WaitForNextTickAsync(cancellationToken));
        }
        catch (OperationCanceledException)
        {
        }
        finally
        {
            LiveFiles.Delete(dataDir, campaignId);
        }
    }
}
