using System.Collections.Immutable;
using System.Globalization;
using ClusterML.Core.Campaigns;
using ClusterML.Core.Engines;
using ClusterML.Core.Files;
using ClusterML.Core.Messages;
using ClusterML.Core.Results;

namespace ClusterML.Core.Coordination;

/// <summary>
/// Proposes the points of a model-based (TPE or GP) campaign as its coordinator dispatches them, and rebuilds a proposed trial from
/// the parameters journaled with its dispatch. Proposal k uses its own seed (<c>Seeds.Derive(seed, 2 000 000 + k)</c>) and the
/// trials dispatched before it, in index order: completed ones with their loss (lower is better), stopped ones as the worst,
/// running ones as running (the constant liar); failed ones are left out; a warm-started campaign's earlier trials come
/// first (they count toward the start-up trials, as in Optuna). So the sequence is reproducible from the seed, the warm-start
/// trials journaled with the plan and the results seen at each dispatch. Not thread-safe (one per coordinator).
/// </summary>
public sealed class TrialProposer : ITrialProposer
{
    private readonly CampaignSpec _spec;
    private readonly IReadOnlyDictionary<string, BlobRef>? _inputs;
    private readonly IReadOnlyList<SearchObservation> _warm;

    /// <summary>Members of a population-based training campaign (0 otherwise).</summary>
    private readonly int _population;

    private readonly int _total;

    private TrialProposer(CampaignSpec spec, IReadOnlyDictionary<string, BlobRef>? inputs, IReadOnlyList<WarmStartTrial>? warm)
    {
        (_spec, _inputs) = (spec, inputs);
        if (spec.Pbt is { } pbt)
        {
            _population = SearchPlanner.Expand(spec).Length;
            _total = _population * pbt.Generations;
        }
        _warm = [.. (warm ?? []).Select(t => new SearchObservation(Decode(t.Parameters), double.IsFinite(t.Loss) ? t.Loss : double.PositiveInfinity))];
    }

    /// <summary>
    /// The proposer of a compact plan whose trials are decided at dispatch (a model-based search, population-based training, an
    /// active-learning campaign), or null (its trials are all planned up front).
    /// </summary>
    public static ITrialProposer? For(CampaignSubmitted plan)
    {
        ArgumentNullException.ThrowIfNull(plan);
        if (plan.SpecText is null)
        {
            return null;
        }
        var spec = CampaignSpecReader.Parse(plan.SpecText, plan.SpecPath ?? "campaign.yaml");
        return spec.Active is not null ? new Active.ActiveProposer(spec, plan.Inputs)
            : spec.Search.IsModelBased || spec.Pbt is not null ? new TrialProposer(spec, plan.Inputs, plan.WarmStart)
            : null;
    }

    /// <summary>
    /// The completed trials of an earlier campaign that <paramref name="spec"/>'s search can learn from (<c>warm_start</c>): those
    /// with a loss and a value inside the space on every axis (extra hyperparameters of the earlier campaign are ignored), in
    /// index order.
    /// </summary>
    public static IReadOnlyList<WarmStartTrial> WarmStartFrom(CampaignSpec spec, IEnumerable<TrialResult> results)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(results);
        var usable = new List<WarmStartTrial>();
        foreach (var result in results.Where(r => r.Status == TrialStatus.Completed && r.FinalLoss is not null).OrderBy(r => r.Index))
        {
            var parameters = ImmutableDictionary.CreateBuilder<string, string>(StringComparer.Ordinal);
            foreach (var axis in spec.Space)
            {
                if (result.Parameters.TryGetValue(axis.Name, out var text) && CampaignSpecReader.Within(axis, Parse(text)) is { } value)
                {
                    parameters[axis.Name] = value.ToString();
                }
            }
            if (parameters.Count == spec.Space.Length)
            {
                usable.Add(new WarmStartTrial(parameters.ToImmutable(), result.FinalLoss!.Value, result.Metrics.ToImmutableDictionary()));
            }
        }
        return usable;

        static CampaignValue Parse(string text) =>
            long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var whole) ? new CampaignValue.Integer(whole)
            : double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var real) ? new CampaignValue.Real(real)
            : bool.TryParse(text, out var flag) ? new CampaignValue.Boolean(flag)
            : new CampaignValue.Text(text);
    }

    /// <summary>What a proposal knows of an earlier trial: its parameters as journaled, and its outcome.</summary>
    /// <remarks>
    /// <see cref="Score"/>, when set, is what the search sees of a completed trial (its objectives and violation); otherwise its
    /// <see cref="Loss"/> is the one objective. A completed trial without a score (a metric missing) comes as failed.
    /// </remarks>
    public readonly record struct Seen(IReadOnlyDictionary<string, string> Parameters, byte Outcome, double Loss)
    {
        public TrialScore? Score { get; init; }

        /// <summary>A finished trial's metrics, when the proposer keeps them (<see cref="ITrialProposer.NeedsMetrics"/>); else null.</summary>
        public IReadOnlyDictionary<string, double>? Metrics { get; init; }
    }

    /// <summary>
    /// The parameters of trial <paramref name="index"/>, given the trials dispatched before it (in index order); an enqueued
    /// trial keeps its planned point (<paramref name="planned"/>: the enqueued axes, the others drawn at random).
    /// </summary>
    public ImmutableDictionary<string, string> Propose(int index, IEnumerable<Seen> earlier, ImmutableDictionary<string, string> planned)
    {
        ArgumentNullException.ThrowIfNull(earlier);
        if (_spec.Pbt is { } pbt)
        {
            return ProposePbt(pbt, index, earlier, planned);
        }
        if (index < _spec.Enqueue.Length)
        {
            return planned;
        }
        var observations = new List<SearchObservation>(_warm);
        var objectives = _spec.Objectives.Length;
        foreach (var trial in earlier)
        {
            double? value = trial.Outcome switch
            {
                CampaignBook.Completed when trial.Score is { } score => score.Values[0],
                CampaignBook.Completed => double.IsFinite(trial.Loss) ? trial.Loss : double.PositiveInfinity,
                CampaignBook.Stopped => double.PositiveInfinity,
                CampaignBook.None => null,
                _ => double.NaN, // failed: left out below
            };
            if (value is { } v && double.IsNaN(v))
            {
                continue;
            }
            var violation = trial.Outcome == CampaignBook.Completed && trial.Score is { } s ? s.Violation : 0;
            if (_spec.Search.Kind == SearchKind.Gp && violation > 0)
            {
                value = double.PositiveInfinity; // GP: an infeasible trial counts as the worst result seen
            }
            observations.Add(new SearchObservation(Decode(trial.Parameters), value)
            {
                Values = objectives < 2 ? []
                    : trial.Outcome == CampaignBook.Completed && trial.Score is { } all ? all.Values
                    : [.. Enumerable.Repeat(double.PositiveInfinity, objectives)], // stopped, or running (constant liar): the worst
                Violation = _spec.Search.Kind == SearchKind.Gp ? 0 : violation,
            });
        }
        var seed = Seeds.Derive(_spec.Seed, 2_000_000 + index);
        var point = _spec.Search.Kind == SearchKind.Gp
            ? GpSampler.Propose(_spec.Space, observations, seed, _spec.Search.Gp)
            : TpeSampler.Propose(_spec.Space, observations, seed, _spec.Search.Tpe);
        return TrialSpecFactory.Describe(point);
    }

    /// <summary>
    /// Whether trial <paramref name="index"/> may be dispatched: always, except under population-based training, where a
    /// generation waits until every trial of the one before has finished (<paramref name="isFinished"/>, by index).
    /// </summary>
    public bool Ready(int index, Func<int, bool> isFinished)
    {
        ArgumentNullException.ThrowIfNull(isFinished);
        if (_spec.Pbt is null || index < _population)
        {
            return true;
        }
        var first = ((index / _population) - 1) * _population;
        for (var i = first; i < first + _population; i++)
        {
            if (!isFinished(i))
            {
                return false;
            }
        }
        return true;
    }

    /// <summary>PBT: generation g's decision for member m from generation g − 1's losses (<see cref="Pbt.Next"/>).</summary>
    private ImmutableDictionary<string, string> ProposePbt(PbtSpec pbt, int index, IEnumerable<Seen> earlier, ImmutableDictionary<string, string> planned)
    {
        var (generation, member) = (index / _population, index % _population);
        if (generation == 0)
        {
            return planned;
        }
        var first = (generation - 1) * _population;
        var previous = earlier.Skip(first).Take(_population).Select((seen, k) => new Pbt.Member(
            SearchPlanner.TrialId(first + k, _total), Decode(seen.Parameters),
            Ranked(seen))).ToList();
        if (previous.Count != _population)
        {
            throw new InvalidOperationException($"trial {index} is proposed before generation {generation - 1} was dispatched");
        }
        var step = Pbt.Next(pbt, _spec.Space, previous, _spec.Seed, generation)[member];
        return TrialSpecFactory.Describe(step.Values).SetItems(CampaignPlanner.PbtKeys(member, generation, step.From));
    }

    /// <summary>
    /// What PBT ranks a finished segment by: its objective (the first, lower is better) when the campaign names one, else its
    /// loss; null when it failed, lacks the metric, or is infeasible.
    /// </summary>
    private static double? Ranked(Seen seen) => seen.Outcome != CampaignBook.Completed ? null
        : seen.Score is { } score ? (score.Violation > 0 || !double.IsFinite(score.Values[0]) ? null : score.Values[0])
        : double.IsFinite(seen.Loss) ? seen.Loss : null;

    /// <inheritdoc/>
    PlannedTrial ITrialProposer.Trial(PlannedTrial placeholder, IReadOnlyDictionary<string, string> parameters, IEnumerable<Seen> earlier) => Trial(placeholder, parameters);

    /// <inheritdoc/>
    ImmutableDictionary<string, string>? ITrialProposer.Propose(int index, IEnumerable<Seen> earlier, ImmutableDictionary<string, string> planned) => Propose(index, earlier, planned);

    /// <summary>Trial <paramref name="placeholder"/> with the journaled <paramref name="parameters"/> (its id, index and seed kept).</summary>
    /// <exception cref="Validation.InvalidInputException">The parameters do not make a valid engine spec.</exception>
    public PlannedTrial Trial(PlannedTrial placeholder, IReadOnlyDictionary<string, string> parameters)
    {
        ArgumentNullException.ThrowIfNull(placeholder);
        var values = Decode(parameters);
        var plan = new TrialPlan(placeholder.Index, placeholder.TrialId, values, placeholder.Seed);
        // A PBT segment keeps its epochs and PBT keys, and continues from the trial the decision named (pbt_from).
        var trial = placeholder with
        {
            Spec = TrialSpecFactory.Create(_spec.Engine, plan.Settings(_spec), _spec.SourcePath),
            Parameters = _spec.Pbt is null ? TrialSpecFactory.Describe(values) : parameters.ToImmutableDictionary(StringComparer.Ordinal),
            StartFrom = _spec.Pbt is not null && parameters.TryGetValue(Pbt.FromKey, out var from) ? from : null,
        };
        return _inputs is { Count: > 0 } inputs ? CampaignInputs.WithBlobs([trial], inputs)[0] : trial;
    }

    /// <summary>Journaled parameter text back to typed values, axis by axis.</summary>
    private ImmutableDictionary<string, CampaignValue> Decode(IReadOnlyDictionary<string, string> parameters)
    {
        var values = ImmutableDictionary.CreateBuilder<string, CampaignValue>(StringComparer.Ordinal);
        foreach (var axis in _spec.Space)
        {
            if (!parameters.TryGetValue(axis.Name, out var text))
            {
                throw new ArgumentException($"the journaled trial has no value for '{axis.Name}'", nameof(parameters));
            }
            values[axis.Name] = axis switch
            {
                ChoiceSpace c => c.Values.FirstOrDefault(v => v.ToString() == text) ?? throw new ArgumentException($"'{text}' is not a value of '{axis.Name}'", nameof(parameters)),
                IntSpace => new CampaignValue.Integer(long.Parse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture)),
                _ => new CampaignValue.Real(double.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture)),
            };
        }
        return values.ToImmutable();
    }
}
