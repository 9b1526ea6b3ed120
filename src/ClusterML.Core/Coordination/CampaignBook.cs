using System.Collections.Immutable;
using ClusterML.Core.Campaigns;
using ClusterML.Core.Messages;
using ClusterML.Core.Results;

namespace ClusterML.Core.Coordination;

/// <summary>
/// A campaign coordinator's durable state, rebuilt from its snapshot and events: per trial (by index) the current attempt and
/// the outcome, the trials in flight, counts, each completed trial's score (<see cref="CampaignObjectives"/>) and the best trial so far. Every event and query costs O(1) (O(log n) at most)
/// whatever the number of trials, so a campaign of 10⁵ trials keeps its pace to the end. Trials are dispatched in index
/// order, so the ones never dispatched are those from <see cref="NextUndispatched"/> on. Not thread-safe (one actor owns it).
/// </summary>
public sealed class CampaignBook
{
    private readonly Dictionary<string, int> _index = new(StringComparer.Ordinal);
    private readonly HashSet<int> _inFlight = [];
    private int[] _attempts = [];
    private long[] _tokens = [];
    private byte[] _outcomes = [];
    private double[] _losses = [];
    private TrialScore?[] _scores = [];
    private ImmutableDictionary<string, double>?[] _metrics = [];

    /// <summary>Outcome codes of <see cref="CampaignSnapshot.Outcomes"/>.</summary>
    public const byte None = 0, Completed = 1, Failed = 2, Stopped = 3;

    public CampaignSubmitted? Campaign { get; private set; }

    private PlannedTrial[] _trials = [];

    /// <summary>The trials by index; those of a model-based search hold their proposal once dispatched (<see cref="Propose"/>).</summary>
    public IReadOnlyList<PlannedTrial> Trials => _trials;

    public string Status { get; private set; } = "unknown";

    public int CompletedCount { get; private set; }

    public int FailedCount { get; private set; }

    public int StoppedCount { get; private set; }

    public int FinishedCount => CompletedCount + FailedCount + StoppedCount;

    /// <summary>The lowest index never dispatched.</summary>
    public int NextUndispatched { get; private set; }

    /// <summary>
    /// Index of the best completed trial, or −1: with one objective the feasible trial with the best finite objective value
    /// (ties: lowest index); with several objectives there is no single best (always −1; the reports show the Pareto front).
    /// </summary>
    public int BestIndex { get; private set; } = -1;

    /// <summary>What the campaign optimises (from its spec text; the final loss for plans built in code).</summary>
    public CampaignObjectives Objectives { get; private set; } = CampaignObjectives.Default;

    /// <summary>The score of trial <paramref name="index"/>, or null (not completed, or a metric missing).</summary>
    public TrialScore? ScoreOf(int index) => _scores[index];

    public bool IsOver => CampaignStatus.IsFinal(Status);

    public bool AllFinished => Campaign is not null && FinishedCount == _trials.Length;

    public int InFlightCount => _inFlight.Count;

    /// <summary>Trials dispatched and not finished, with their current attempt.</summary>
    public IEnumerable<(PlannedTrial Trial, int Attempt)> InFlight => _inFlight.Order().Select(i => (_trials[i], _attempts[i]));

    /// <summary>Whether finished trials' metrics are kept for the proposer (<see cref="TrialProposer.Seen.Metrics"/>): active learning.</summary>
    public bool KeepsMetrics { get; private set; }

    /// <summary>Starts the book of a campaign with its trials (the plan's, in index order).</summary>
    /// <param name="campaign">The campaign as journaled.</param>
    /// <param name="trials">Its trials, in index order.</param>
    /// <param name="keepMetrics">Keep every finished trial's metrics (<see cref="ITrialProposer.NeedsMetrics"/>).</param>
    public void Submit(CampaignSubmitted campaign, ImmutableArray<PlannedTrial> trials, bool keepMetrics = false)
    {
        Campaign = campaign;
        Objectives = CampaignObjectives.For(campaign);
        _trials = [.. trials];
        _index.Clear();
        _index.EnsureCapacity(trials.Length);
        for (var i = 0; i < trials.Length; i++)
        {
            _index[trials[i].TrialId] = i;
        }
        _attempts = new int[trials.Length];
        _tokens = new long[trials.Length];
        _outcomes = new byte[trials.Length];
        _losses = new double[trials.Length];
        Array.Fill(_losses, double.NaN);
        _scores = new TrialScore?[trials.Length];
        KeepsMetrics = keepMetrics;
        _metrics = keepMetrics ? new ImmutableDictionary<string, double>?[trials.Length] : [];
        Status = "running";
    }

    public bool TryIndexOf(string trialId, out int index) => _index.TryGetValue(trialId, out index);

    public PlannedTrial Trial(string trialId) => _trials[_index[trialId]];

    /// <summary>Puts the point proposed for a trial not yet dispatched in its place (same id, index and seed).</summary>
    /// <exception cref="InvalidOperationException">The trial was dispatched already, or is not this campaign's.</exception>
    public void Propose(PlannedTrial trial)
    {
        ArgumentNullException.ThrowIfNull(trial);
        if (trial.Index < 0 || trial.Index >= _trials.Length || _trials[trial.Index].TrialId != trial.TrialId || _attempts[trial.Index] != 0)
        {
            throw new InvalidOperationException($"trial {trial.TrialId} cannot take a proposal (unknown or dispatched already)");
        }
        _trials[trial.Index] = trial;
    }

    /// <summary>What a proposal for trial <paramref name="index"/> sees: the trials before it (all dispatched: dispatch is in index order).</summary>
    public IEnumerable<TrialProposer.Seen> Before(int index)
    {
        for (var i = 0; i < index && i < _trials.Length; i++)
        {
            // A completed trial without a score (a metric missing) is failed for the search.
            var outcome = _outcomes[i] == Completed && _scores[i] is null ? Failed : _outcomes[i];
            yield return new TrialProposer.Seen(_trials[i].Parameters, outcome, _losses[i]) { Score = _scores[i], Metrics = KeepsMetrics ? _metrics[i] : null };
        }
    }

    /// <summary>The trial's current attempt (0: never dispatched, or not a trial of this campaign).</summary>
    public int AttemptOf(string trialId) => _index.TryGetValue(trialId, out var i) ? _attempts[i] : 0;

    /// <summary>The token of the trial's current attempt (0: none, or an attempt dispatched before tokens existed).</summary>
    public long TokenOf(string trialId) => _index.TryGetValue(trialId, out var i) ? _tokens[i] : 0;

    public bool IsFinished(string trialId) => _index.TryGetValue(trialId, out var i) && _outcomes[i] != None;

    public void Apply(TrialAttemptStarted started)
    {
        var i = _index[started.TrialId];
        _attempts[i] = started.Attempt;
        _tokens[i] = started.Token;
        if (_outcomes[i] == None)
        {
            _inFlight.Add(i);
        }
        AdvanceNextUndispatched();
    }

    /// <summary>Past the trials dispatched or finished (a skipped trial finishes without a dispatch).</summary>
    private void AdvanceNextUndispatched()
    {
        while (NextUndispatched < _attempts.Length && (_attempts[NextUndispatched] != 0 || _outcomes[NextUndispatched] != None))
        {
            NextUndispatched++;
        }
    }

    public void Apply(TrialFinished finished)
    {
        var i = _index[finished.TrialId];
        if (_outcomes[i] != None)
        {
            return;
        }
        _inFlight.Remove(i);
        if (KeepsMetrics && finished.Result is { } finishedResult)
        {
            _metrics[i] = finishedResult.Metrics.ToImmutableDictionary(StringComparer.Ordinal);
        }
        switch (finished.Status)
        {
            case "completed":
                _outcomes[i] = Completed;
                CompletedCount++;
                if (finished.FinalLoss is { } loss && double.IsFinite(loss))
                {
                    _losses[i] = loss;
                }
                _scores[i] = finished.Result is { } result ? Objectives.Score(result)
                    : Objectives.IsDefault && finished.FinalLoss is { } l ? new TrialScore([CampaignObjectives.Minimised(ObjectiveSpec.Loss, l)], 0) // an event of an older build
                    : null;
                ConsiderBest(i);
                break;
            case "failed":
                _outcomes[i] = Failed;
                FailedCount++;
                break;
            default:
                _outcomes[i] = Stopped;
                StoppedCount++;
                break;
        }
        AdvanceNextUndispatched();
    }

    public void Apply(CampaignEnded ended) => Status = ended.Status;

    /// <summary>Makes trial <paramref name="i"/> the best when it is feasible, finite and better (one objective only).</summary>
    private void ConsiderBest(int i)
    {
        if (Objectives.IsMultiObjective || _scores[i] is not { Feasible: true } score || !double.IsFinite(score.Values[0]))
        {
            return;
        }
        if (BestIndex < 0 || score.Values[0] < _scores[BestIndex]!.Value.Values[0] || (score.Values[0] == _scores[BestIndex]!.Value.Values[0] && i < BestIndex))
        {
            BestIndex = i;
        }
    }

    /// <summary>Up to <paramref name="count"/> trials never dispatched, in index order, from index <paramref name="from"/> on.</summary>
    public IReadOnlyList<PlannedTrial> Undispatched(int from, int count)
    {
        var next = new List<PlannedTrial>(Math.Max(0, count));
        for (var i = Math.Max(from, NextUndispatched); i < _trials.Length && next.Count < count; i++)
        {
            if (_attempts[i] == 0 && _outcomes[i] == None)
            {
                next.Add(_trials[i]);
            }
        }
        return next;
    }

    public CampaignStatus ToStatus(string campaignId) =>
        new(campaignId, Status, _trials.Length, InFlightCount, CompletedCount, FailedCount, StoppedCount,
            BestIndex >= 0 ? _trials[BestIndex].TrialId : null, BestIndex >= 0 && double.IsFinite(_losses[BestIndex]) ? _losses[BestIndex] : null);

    /// <summary>The book as a snapshot; <paramref name="proposed"/>: keep the dispatched trials' proposals (model-based search).</summary>
    public CampaignSnapshot ToSnapshot(long endedAtMs, bool settled, IEnumerable<TrialResult> unrecorded, Campaigns.AshaState asha, bool proposed = false) =>
        new(CampaignSnapshot.CurrentVersion, Campaign!, (int[])_attempts.Clone(), (byte[])_outcomes.Clone(), (double[])_losses.Clone(), Status, endedAtMs, settled,
            [.. unrecorded], asha.Rungs.ToDictionary(r => r.Key, r => r.Value.ToArray()),
            [.. asha.Decisions.OrderBy(d => d.Key.Epoch).ThenBy(d => d.Key.TrialId, StringComparer.Ordinal)
                .Select(d => new AshaDecisionRecord(d.Key.TrialId, d.Key.Epoch, d.Value == Campaigns.AshaDecision.Stop))], (long[])_tokens.Clone(),
            proposed ? [.. _trials.Take(NextUndispatched).Select(t => t.Parameters)] : null,
            [.. _scores.Select(s => s is { } score ? (double[])[score.Violation, .. score.Values] : [])],
            KeepsMetrics ? (ImmutableDictionary<string, double>?[])_metrics.Clone() : null);

    /// <summary>
    /// The book of a snapshot, with the trials its plan gives (<see cref="CampaignPlanner.Trials"/>); the snapshot's proposals
    /// (model-based search) replace theirs through <paramref name="proposal"/> (the trial as planned, its journaled parameters).
    /// </summary>
    /// <exception cref="InvalidDataException">The snapshot's format or size does not fit this build or the plan.</exception>
    public static CampaignBook From(CampaignSnapshot snapshot, ImmutableArray<PlannedTrial> trials,
        Func<PlannedTrial, IReadOnlyDictionary<string, string>, IEnumerable<TrialProposer.Seen>, PlannedTrial>? proposal = null)
    {
        if (snapshot.Version != CampaignSnapshot.CurrentVersion)
        {
            throw new InvalidDataException($"campaign snapshot format {snapshot.Version}; this build reads {CampaignSnapshot.CurrentVersion}");
        }
        if (snapshot.Attempts.Length != trials.Length || snapshot.Outcomes.Length != trials.Length || snapshot.Losses.Length != trials.Length)
        {
            throw new InvalidDataException($"the snapshot has {snapshot.Attempts.Length} trials, the plan {trials.Length}");
        }
        var book = new CampaignBook();
        book.Submit(snapshot.Campaign, trials, keepMetrics: snapshot.Metrics is not null);
        book.Status = snapshot.Status;
        if (snapshot.Metrics is { } metrics)
        {
            if (metrics.Length != trials.Length)
            {
                throw new InvalidDataException($"the snapshot holds metrics of {metrics.Length} trials, the plan {trials.Length}");
            }
            metrics.CopyTo(book._metrics, 0);
        }
        for (var i = 0; i < trials.Length; i++)
        {
            book._attempts[i] = snapshot.Attempts[i];
            book._tokens[i] = snapshot.Tokens is { } tokens && tokens.Length == trials.Length ? tokens[i] : 0;
            book._losses[i] = snapshot.Losses[i];
            var outcome = book._outcomes[i] = snapshot.Outcomes[i];
            switch (outcome)
            {
                case Completed:
                    book.CompletedCount++;
                    book._scores[i] = snapshot.Scores is { } scores && scores.Length == trials.Length
                        ? scores[i] is { Length: > 1 } row ? new TrialScore([.. row.Skip(1)], row[0]) : null
                        // A snapshot of an older build: its campaigns minimise the loss (a non-finite one is the worst).
                        : new TrialScore([double.IsFinite(book._losses[i]) ? book._losses[i] : double.PositiveInfinity], 0);
                    book.ConsiderBest(i);
                    break;
                case Failed:
                    book.FailedCount++;
                    break;
                case Stopped:
                    book.StoppedCount++;
                    break;
                default:
                    if (book._attempts[i] > 0)
                    {
                        book._inFlight.Add(i);
                    }
                    break;
            }
        }
        // Proposals last: a proposal is rebuilt from the trials before it (their outcomes and metrics), as it was made.
        if (snapshot.Proposed is { } proposed)
        {
            if (proposal is null || proposed.Length > trials.Length)
            {
                throw new InvalidDataException($"the snapshot holds {proposed.Length} proposed trials, which this plan cannot take");
            }
            for (var i = 0; i < proposed.Length; i++)
            {
                if (book._attempts[i] != 0)
                {
                    book._trials[i] = proposal(trials[i], proposed[i], book.Before(i));
                }
            }
        }
        book.AdvanceNextUndispatched();
        return book;
    }
}
