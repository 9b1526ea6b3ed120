using System.Collections.Concurrent;
using System.Text;
using System.Threading.Channels;
using ClusterML.Core.Messages;
using Microsoft.Extensions.Hosting;

namespace ClusterML.Cli.Dashboard;

/// <summary>
/// Tells open pages when what they show has changed (server-sent events), so they fetch only then. Once per
/// <see cref="DashboardOptions.RefreshInterval"/> it looks at the topics someone follows — <c>campaigns</c>,
/// <c>campaign:ID</c>, <c>cluster</c>, <c>fits</c>, <c>fit:ID</c> — through <see cref="DashboardData"/>'s shared cache, and sends
/// each changed topic to its followers. One look per interval however many pages are open; none when no page is.
/// </summary>
internal sealed class ChangeFeed(DashboardData data, DashboardOptions options, Serilog.ILogger log) : BackgroundService
{
    /// <summary>An open page: the topics it follows and the changes not yet sent to it (a slow page loses the oldest, never blocks the feed).</summary>
    public sealed class Subscription(IReadOnlyCollection<string> topics)
    {
        public IReadOnlyCollection<string> Topics { get; } = topics;

        public Channel<string> Changes { get; } = Channel.CreateBounded<string>(new BoundedChannelOptions(32) { FullMode = BoundedChannelFullMode.DropOldest });
    }

    /// <summary>What no page has asked for in this long is dropped from the shared cache.</summary>
    private static readonly TimeSpan IdleData = TimeSpan.FromMinutes(2);

    private readonly ConcurrentDictionary<Subscription, byte> _subscriptions = new();
    private readonly Dictionary<string, string> _last = new(StringComparer.Ordinal);
    private bool _warned;

    public int Subscribers => _subscriptions.Count;

    public Subscription Subscribe(IReadOnlyCollection<string> topics)
    {
        var subscription = new Subscription(topics);
        _subscriptions[subscription] = 0;
        return subscription;
    }

    public void Unsubscribe(Subscription subscription) => _subscriptions.TryRemove(subscription, out _);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.RefreshInterval);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            data.Trim(IdleData);
            var topics = _subscriptions.Keys.SelectMany(s => s.Topics).ToHashSet(StringComparer.Ordinal);
            foreach (var forgotten in _last.Keys.Where(k => !topics.Contains(k)).ToArray())
            {
                _last.Remove(forgotten);
            }
            foreach (var topic in topics)
            {
                string fingerprint;
                try
                {
                    fingerprint = await FingerprintAsync(topic, stoppingToken);
                    _warned = false;
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    if (!_warned)
                    {
                        log.Warning(e, "Dashboard: could not read {Topic} (the results store may be busy or unavailable); trying again every {Seconds} s", topic,
                            options.RefreshInterval.TotalSeconds);
                        _warned = true;
                    }
                    continue;
                }
                if (_last.TryGetValue(topic, out var before) && before == fingerprint)
                {
                    continue;
                }
                var first = !_last.ContainsKey(topic);
                _last[topic] = fingerprint;
                if (first)
                {
                    continue; // the page fetched its data when it subscribed
                }
                foreach (var subscription in _subscriptions.Keys.Where(s => s.Topics.Contains(topic)))
                {
                    subscription.Changes.Writer.TryWrite(topic);
                }
            }
        }
    }

    /// <summary>A short text that changes when the topic's page would show something else.</summary>
    internal async Task<string> FingerprintAsync(string topic, CancellationToken cancellationToken)
    {
        var text = new StringBuilder();
        if (topic == "campaigns")
        {
            foreach (var row in data.Campaigns())
            {
                Row(text, row);
            }
        }
        else if (topic.StartsWith("campaign:", StringComparison.Ordinal) && data.Campaign(topic["campaign:".Length..]) is { } campaign)
        {
            var row = data.Campaigns().First(r => r.Id == campaign.Id);
            Row(text, row);
            if (!CampaignStatus.IsFinal(campaign.Status))
            {
                text.Append(data.EpochCount(campaign.Id)).Append('|');
                foreach (var running in data.Live(campaign.Id)?.RunningTrials ?? [])
                {
                    text.Append(running.TrialId).Append('@').Append(running.Node).Append(';');
                }
            }
        }
        else if (topic == "cluster")
        {
            var page = await data.ClusterAsync(cancellationToken);
            foreach (var node in page.Nodes)
            {
                var m = node.Member;
                text.Append(m.Address).Append(m.Status).Append(m.Reachable).Append(m.BusySlots).Append(':')
                    .AppendJoin(',', node.Trials.Select(t => t.TrialId)).Append('|');
            }
            text.Append(page.Stores);
        }
        else if (topic == "fits")
        {
            foreach (var fit in data.Fits())
            {
                text.Append(fit.Id).Append(fit.Status).Append('|');
            }
        }
        else if (topic.StartsWith("fit:", StringComparison.Ordinal) && data.Fit(topic["fit:".Length..]) is { } fit)
        {
            text.Append(fit.Info.Status).Append('|').Append(fit.Progress.Count).Append('|').Append(fit.Parity.Count);
        }
        return text.ToString();
    }

    private static void Row(StringBuilder text, CampaignRow row) => text.Append(row.Id).Append(row.Status).Append(row.Live).Append(row.Completed).Append(',')
        .Append(row.Failed).Append(',').Append(row.Stopped).Append(',').Append(row.Running).Append(',').Append(row.BestTrial).Append('|');
}
