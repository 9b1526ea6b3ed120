using System.Collections.Immutable;
using ClusterML.Core.Messages;

namespace ClusterML.Core.Coordination;

/// <summary>
/// A campaign coordinator's state, rebuilt from its events by <see cref="Apply"/> (pure, immutable). Decides which trials to
/// dispatch next (<see cref="NextToDispatch"/>): in index order, never more than <see cref="CampaignSubmitted.MaxConcurrent"/>
/// at once, never a finished one.
/// </summary>
public sealed record CampaignState(
    CampaignSubmitted? Campaign,
    ImmutableDictionary<string, int> Attempts,
    ImmutableDictionary<string, TrialFinished> Finished,
    string Status)
{
    public static CampaignState Empty { get; } = new(null, ImmutableDictionary<string, int>.Empty, ImmutableDictionary<string, TrialFinished>.Empty, "unknown");

    /// <summary>Trials dispatched and not finished, with their current attempt.</summary>
    public IEnumerable<(PlannedTrial Trial, int Attempt)> InFlight =>
        Campaign is null ? [] : Campaign.Trials.Where(t => Attempts.ContainsKey(t.TrialId) && !Finished.ContainsKey(t.TrialId)).Select(t => (t, Attempts[t.TrialId]));

    public bool IsOver => Status is "completed" or "cancelled" or "timed-out";

    public bool AllFinished => Campaign is not null && Finished.Count == Campaign.Trials.Length;

    public CampaignState Apply(object @event) => @event switch
    {
        CampaignSubmitted submitted => this with { Campaign = submitted, Status = "running" },
        TrialAttemptStarted started => this with { Attempts = Attempts.SetItem(started.TrialId, started.Attempt) },
        TrialFinished finished => this with { Finished = Finished.SetItem(finished.TrialId, finished) },
        CampaignEnded ended => this with { Status = ended.Status },
        _ => this,
    };

    /// <summary>Trials to start now (attempt 1), respecting the concurrency limit <paramref name="slots"/> when the campaign sets none.</summary>
    public IReadOnlyList<PlannedTrial> NextToDispatch(int slots)
    {
        if (Campaign is null || IsOver)
        {
            return [];
        }
        var limit = Campaign.MaxConcurrent > 0 ? Campaign.MaxConcurrent : Math.Max(1, slots);
        var free = limit - InFlight.Count();
        return free <= 0 ? [] : Campaign.Trials.Where(t => !Attempts.ContainsKey(t.TrialId)).Take(free).ToArray();
    }

    public CampaignStatus ToStatus(string campaignId)
    {
        var best = Finished.Values.Where(f => f.Status == "completed" && f.FinalLoss is { } l && double.IsFinite(l)).MinBy(f => f.FinalLoss);
        return new CampaignStatus(campaignId, Status, Campaign?.Trials.Length ?? 0, InFlight.Count(),
            Finished.Values.Count(f => f.Status == "completed"), Finished.Values.Count(f => f.Status == "failed"), Finished.Values.Count(f => f.Status == "stopped"),
            best?.TrialId, best?.FinalLoss);
    }
}
