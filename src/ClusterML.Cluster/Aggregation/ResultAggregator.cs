using System.Collections.Immutable;
using Akka.Actor;
using Akka.Event;
using ClusterML.Cluster.Files;
using ClusterML.Core.Files;
using ClusterML.Core.Messages;
using ClusterML.Core.Results;

namespace ClusterML.Cluster.Aggregation;

/// <summary>
/// The aggregator (a cluster singleton on the <c>aggregator</c> role): writes what coordinators send into the
/// <see cref="IResultStore"/> and keeps each campaign's live leaderboard. Final results and campaign statuses are
/// acknowledged after they are stored; coordinators re-send until acknowledged, and the store keeps the first copy of a
/// trial's result, so each trial is recorded exactly once. A campaign's board is loaded from the store the first time it is
/// touched, so a restarted aggregator (or one that moved to another node) answers from everything stored so far. Trial
/// artifacts offered by workers (<see cref="StoreArtifacts"/>) are landed off the actor thread by <see cref="ArtifactLanding"/>.
/// Results and epoch metrics are written in batches (one transaction for up to <see cref="BatchSize"/> rows, at most a few
/// milliseconds after the first), and a result is acknowledged only once its batch is committed.
/// </summary>
public sealed class ResultAggregator : ReceiveActor, IWithTimers
{
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly IResultStore _store;
    private readonly Dictionary<string, Board> _boards = [];

    public ResultAggregator(IResultStore store, ArtifactLanding? landing)
    {
        _store = store;
        _landing = landing;
        Receive<StoreArtifacts>(request =>
        {
            if (landing is null)
            {
                Sender.Tell(new ArtifactsNotStored(request.CampaignId, request.TrialId, request.Attempt, "this aggregator keeps no artifacts"));
                return;
            }
            if (LogOnly(request) is { } log)
            {
                _logs.Add((log, Sender));
                Buffered();
                return;
            }
            var worker = Sender.Path.Address;
            _log.Debug("Landing {Files} artifact file(s) of trial {TrialId} attempt {Attempt} from {Worker}", request.Files.Count, request.TrialId, request.Attempt, worker);
            landing.LandAsync(request, worker, CancellationToken.None).PipeTo(Sender,
                success: folder => new ArtifactsStored(request.CampaignId, request.TrialId, request.Attempt, folder),
                failure: e =>
                {
                    _log.Warning("Artifacts of trial {TrialId} attempt {Attempt} not stored: {Error}", request.TrialId, request.Attempt, e.GetBaseException().Message);
                    return new ArtifactsNotStored(request.CampaignId, request.TrialId, request.Attempt, e.GetBaseException().Message);
                });
        });
        Receive<RecordTrialResult>(record =>
        {
            _results.Add((record.Result, Sender));
            Buffered();
        });
        Receive<RecordEpochMetrics>(record =>
        {
            _epochs.Add(record.Metrics);
            Buffered();
        });
        Receive<FlushNow>(_ => Flush());
        Receive<RecordCampaignStatus>(record =>
        {
            Flush(); // the campaign's results before its final status
            if (_store.FindCampaign(record.CampaignId) is null)
            {
                _log.Warning("Campaign {CampaignId} ended {Status} but has no campaign record in the store", record.CampaignId, record.Status);
            }
            _store.SetCampaignStatus(record.CampaignId, record.Status, record.EndedAtMs);
            Sender.Tell(new CampaignStatusRecorded(record.CampaignId, record.Status));
        });
        Receive<GetLeaderboard>(query =>
        {
            Flush();
            Sender.Tell(BoardOf(query.CampaignId).Top(query.CampaignId, query.Top));
        });
    }

    public ITimerScheduler Timers { get; set; } = null!;

    /// <summary>Rows written in one transaction at most.</summary>
    private const int BatchSize = 500;

    /// <summary>How long a result may wait for others to share its transaction.</summary>
    private static readonly TimeSpan BatchDelay = TimeSpan.FromMilliseconds(5);

    private readonly List<(TrialResult Result, IActorRef ReplyTo)> _results = [];
    private readonly List<EpochMetrics> _epochs = [];
    private readonly List<(TrialLogEntry Log, IActorRef ReplyTo)> _logs = [];
    private ArtifactLanding? _landing;

    /// <summary>
    /// An attempt that sends nothing but its own log (most tiny trials): the log goes into the results store with the next
    /// batch instead of a folder of its own; null for anything else (landed as files).
    /// </summary>
    private static TrialLogEntry? LogOnly(StoreArtifacts request) =>
        request.Files is [{ Path: "trial.log", Content: { } content } file] && file.ContentMatches
        && ArtifactLayout.IsSafeId(request.CampaignId) && ArtifactLayout.IsSafeId(request.TrialId)
            ? new TrialLogEntry(request.CampaignId, request.TrialId, request.Attempt, content)
            : null;

    private sealed class FlushNow : INoSerializationVerificationNeeded
    {
        public static FlushNow Instance { get; } = new();
    }

    private void Buffered()
    {
        if (_results.Count + _epochs.Count + _logs.Count >= BatchSize)
        {
            Flush();
        }
        else if (!Timers.IsTimerActive("flush"))
        {
            Timers.StartSingleTimer("flush", FlushNow.Instance, BatchDelay);
        }
    }

    /// <summary>
    /// Writes the buffered logs in one transaction and acknowledges them, then the buffered results and epoch metrics in
    /// another, and acknowledges the results.
    /// </summary>
    private void Flush()
    {
        Timers.Cancel("flush");
        if (_logs.Count > 0)
        {
            FlushLogs();
        }
        if (_results.Count == 0 && _epochs.Count == 0)
        {
            return;
        }
        foreach (var campaignId in _results.Select(r => r.Result.CampaignId).Distinct())
        {
            BoardOf(campaignId); // loaded from the store before this batch lands in it
        }
        var stored = _store.RecordBatch([.. _results.Select(r => r.Result)], [.. _epochs]);
        for (var i = 0; i < _results.Count; i++)
        {
            var (result, replyTo) = _results[i];
            if (stored[i])
            {
                BoardOf(result.CampaignId).Add(result);
            }
            replyTo.Tell(new TrialResultRecorded(result.CampaignId, result.TrialId));
        }
        _results.Clear();
        _epochs.Clear();
    }

    private void FlushLogs()
    {
        string? error = null;
        try
        {
            _store.StoreTrialLogs([.. _logs.Select(l => l.Log)]);
        }
        catch (Exception e)
        {
            // The attempts fail and run again, like attempts whose files could not be landed.
            _log.Warning("{Count} trial logs not stored: {Error}", _logs.Count, e.GetBaseException().Message);
            error = e.GetBaseException().Message;
        }
        foreach (var (log, replyTo) in _logs)
        {
            if (error is not null)
            {
                replyTo.Tell(new ArtifactsNotStored(log.CampaignId, log.TrialId, log.Attempt, $"the results store could not keep the trial's log: {error}"));
                continue;
            }
            _landing?.RemoveTrialFolder(log.CampaignId, log.TrialId); // an earlier attempt's files, if any: the trial's outputs are one attempt's
            replyTo.Tell(new ArtifactsStored(log.CampaignId, log.TrialId, log.Attempt, ArtifactLayout.TrialFolder(log.CampaignId, log.TrialId), LogInStore: true));
        }
        _logs.Clear();
    }

    /// <summary>The aggregator; with <paramref name="landing"/> it also lands trial artifacts on this node (<see cref="StoreArtifacts"/>).</summary>
    public static Props Props(IResultStore store, ArtifactLanding? landing = null) => Akka.Actor.Props.Create(() => new ResultAggregator(store, landing));

    private Board BoardOf(string campaignId)
    {
        if (!_boards.TryGetValue(campaignId, out var board))
        {
            // From the store's standing, not every result: a resumed campaign of 10⁵ trials starts at once.
            var (best, completed, failed, stopped) = _store.Standing(campaignId, Board.MaxRanked);
            board = new Board(best, completed, failed, stopped);
            _boards[campaignId] = board;
        }
        return board;
    }

    /// <summary>One campaign's results: the best completed trials ranked by final loss (at most <see cref="MaxRanked"/>), and counts by status.</summary>
    private sealed class Board(IEnumerable<TrialResult> best, int completed, int failed, int stopped)
    {
        /// <summary>Rows a leaderboard can show (the store has every result).</summary>
        public const int MaxRanked = 1_000;

        private readonly List<TrialResult> _ranked = [.. best];
        private int _completed = completed;
        private int _failed = failed;
        private int _stopped = stopped;

        public void Add(TrialResult result)
        {
            switch (result.Status)
            {
                case TrialStatus.Completed:
                    _completed++;
                    if (result.FinalLoss is { } loss && double.IsFinite(loss))
                    {
                        var at = _ranked.BinarySearch(result, ByLoss.Instance);
                        at = at < 0 ? ~at : at;
                        if (at < MaxRanked)
                        {
                            _ranked.Insert(at, result);
                            if (_ranked.Count > MaxRanked)
                            {
                                _ranked.RemoveAt(_ranked.Count - 1); // the board keeps the best only: memory stays flat over 10⁵ trials
                            }
                        }
                    }
                    break;
                case TrialStatus.Failed:
                    _failed++;
                    break;
                default:
                    _stopped++;
                    break;
            }
        }

        public Leaderboard Top(string campaignId, int top) =>
            new(campaignId, [.. _ranked.Take(Math.Clamp(top, 0, MaxRanked))], _completed, _failed, _stopped);
    }

    /// <summary>Lowest loss first; ties by trial index so the order is the same on every run.</summary>
    private sealed class ByLoss : IComparer<TrialResult>
    {
        public static ByLoss Instance { get; } = new();

        public int Compare(TrialResult? x, TrialResult? y) =>
            (x!.FinalLoss!.Value, x.Index).CompareTo((y!.FinalLoss!.Value, y.Index));
    }
}
