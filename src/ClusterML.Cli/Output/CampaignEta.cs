using ClusterML.Core.Messages;

namespace ClusterML.Cli.Output;

/// <summary>
/// "Time left" for a followed campaign, from its first status on. Before any trial of this run has finished it is a lower
/// bound from the plan and the slots: the trials still pending need ⌈pending / slots⌉ more waves, and each takes at least as
/// long as the oldest running trial has run so far. Once trials finish, the rate since the first trial started (trials
/// finished before this process, as on resume, not counted). Slots are the most trials seen running at once.
/// Not thread-safe: one per follower.
/// </summary>
internal sealed class CampaignEta
{
    private readonly int _finishedBefore;
    private TimeSpan? _firstStart;
    private int _slots;

    public CampaignEta(CampaignStatus first) => _finishedBefore = first.Finished;

    /// <summary>Takes a status seen <paramref name="elapsed"/> after following began; returns the text after "finished in …".</summary>
    public string Observe(CampaignStatus status, TimeSpan elapsed)
    {
        if (status.Running > 0 || status.Finished > _finishedBefore)
        {
            // Trials shorter than the polling interval may never be seen running: their first finish counts as the start.
            _firstStart ??= elapsed;
            _slots = Math.Max(_slots, status.Running);
        }
        if (status.IsOver)
        {
            return "";
        }
        if (_firstStart is not { } start)
        {
            return status.Finished < status.Planned ? ", waiting for a worker to start the first trial" : "";
        }
        var running = elapsed - start;
        var finishedHere = status.Finished - _finishedBefore;
        var left = status.Planned - status.Finished;
        if (finishedHere > 0)
        {
            var basis = running > TimeSpan.Zero ? running : elapsed;
            return basis > TimeSpan.Zero ? $", about {Format(TimeSpan.FromSeconds(left * basis.TotalSeconds / finishedHere))} left" : "";
        }
        var pending = Math.Max(0, left - status.Running);
        var waves = (pending + _slots - 1) / Math.Max(1, _slots);
        var plan = $"{pending} pending, {_slots} slot{(_slots == 1 ? "" : "s")}";
        return waves == 0 ? ", the last trials are running"
            : running < TimeSpan.FromSeconds(1) ? $", estimating time left ({plan})"
            : $", more than {Format(running * waves)} left ({plan})";
    }

    internal static string Format(TimeSpan span) =>
        span.TotalDays >= 1 ? $"{(int)span.TotalDays}d {span:hh\\:mm\\:ss}" : span.ToString("hh\\:mm\\:ss", System.Globalization.CultureInfo.InvariantCulture);
}
