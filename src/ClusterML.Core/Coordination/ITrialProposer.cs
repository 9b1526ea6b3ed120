using System.Collections.Immutable;
using ClusterML.Core.Messages;

namespace ClusterML.Core.Coordination;

/// <summary>
/// Decides a campaign's trials as its coordinator dispatches them (in index order), from the results seen so far: the points
/// of a model-based search, the segments of population-based training (<see cref="TrialProposer"/>), the candidates and
/// trainings of an active-learning campaign (<see cref="Active.ActiveProposer"/>). Every decision is journaled with the
/// dispatch (its parameters) and rebuilt from them after a restart, so it must be a function of the parameters and the trials
/// before it. Not thread-safe (one per coordinator).
/// </summary>
public interface ITrialProposer
{
    /// <summary>
    /// The parameters of trial <paramref name="index"/>, given the trials before it (in index order); null when the trial is
    /// not needed (it is skipped: finished as stopped without running).
    /// </summary>
    ImmutableDictionary<string, string>? Propose(int index, IEnumerable<TrialProposer.Seen> earlier, ImmutableDictionary<string, string> planned);

    /// <summary>Whether trial <paramref name="index"/> may be dispatched now (<paramref name="isFinished"/>, by index).</summary>
    bool Ready(int index, Func<int, bool> isFinished);

    /// <summary>
    /// Trial <paramref name="placeholder"/> with its journaled <paramref name="parameters"/> (its id, index and seed kept);
    /// <paramref name="earlier"/>: the trials before it, as <see cref="Propose"/> saw them.
    /// </summary>
    /// <exception cref="Validation.InvalidInputException">The parameters do not make a valid engine spec.</exception>
    PlannedTrial Trial(PlannedTrial placeholder, IReadOnlyDictionary<string, string> parameters, IEnumerable<TrialProposer.Seen> earlier);

    /// <summary>
    /// Why the campaign ends before trial <paramref name="next"/> (a stopping rule met, nothing left to try), or null to go on.
    /// The coordinator dispatches nothing more and completes the campaign once the trials in flight have finished.
    /// </summary>
    string? Over(int next, IEnumerable<TrialProposer.Seen> earlier) => null;

    /// <summary>Whether the coordinator keeps each finished trial's metrics for <see cref="TrialProposer.Seen.Metrics"/>.</summary>
    bool NeedsMetrics => false;
}
