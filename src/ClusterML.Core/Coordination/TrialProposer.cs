using System.Collections.Immutable;
using System.Globalization;
using ClusterML.Core.Campaigns;
using ClusterML.Core.Engines;
using ClusterML.Core.Files;
using ClusterML.Core.Messages;

namespace ClusterML.Core.Coordination;

/// <summary>
/// Proposes the points of a model-based (TPE or GP) campaign as its coordinator dispatches them, and rebuilds a proposed trial from
/// the parameters journaled with its dispatch. Proposal k uses its own seed (<c>Seeds.Derive(seed, 2 000 000 + k)</c>) and the
/// trials dispatched before it, in index order: completed ones with their loss (lower is better), stopped ones as the worst,
/// running ones as running (the constant liar); failed ones are left out. So the sequence is reproducible from the seed and
/// the results seen at each dispatch. Not thread-safe (one per coordinator).
/// </summary>
public sealed class TrialProposer
{
    private readonly CampaignSpec _spec;
    private readonly IReadOnlyDictionary<string, BlobRef>? _inputs;

    private TrialProposer(CampaignSpec spec, IReadOnlyDictionary<string, BlobRef>? inputs) => (_spec, _inputs) = (spec, inputs);

    /// <summary>The proposer of a compact plan whose search is model-based, or null (its trials are all planned up front).</summary>
    public static TrialProposer? For(CampaignSubmitted plan)
    {
        ArgumentNullException.ThrowIfNull(plan);
        if (plan.SpecText is null)
        {
            return null;
        }
        var spec = CampaignSpecReader.Parse(plan.SpecText, plan.SpecPath ?? "campaign.yaml");
        return spec.Search.IsModelBased ? new TrialProposer(spec, plan.Inputs) : null;
    }

    /// <summary>What a proposal knows of an earlier trial: its parameters as journaled, and its outcome.</summary>
    /// <remarks>
    /// <see cref="Score"/>, when set, is what the search sees of a completed trial (its objectives and violation); otherwise its
    /// <see cref="Loss"/> is the one objective. A completed trial without a score (a metric missing) comes as failed.
    /// </remarks>
    public readonly record struct Seen(IReadOnlyDictionary<string, string> Parameters, byte Outcome, double Loss)
    {
        public TrialScore? Score { get; init; }
    }

    /// <summary>
    /// The parameters of trial <paramref name="index"/>, given the trials dispatched before it (in index order); an enqueued
    /// trial keeps its planned point (<paramref name="planned"/>: the enqueued axes, the others drawn at random).
    /// </summary>
    public ImmutableDictionary<string, string> Propose(int index, IEnumerable<Seen> earlier, ImmutableDictionary<string, string> planned)
    {
        ArgumentNullException.ThrowIfNull(earlier);
        if (index < _spec.Enqueue.Length)
        {
            return planned;
        }
        var observations = new List<SearchObservation>();
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

    /// <summary>Trial <paramref name="placeholder"/> with the journaled <paramref name="parameters"/> (its id, index and seed kept).</summary>
    /// <exception cref="Validation.InvalidInputException">The parameters do not make a valid engine spec.</exception>
    public PlannedTrial Trial(PlannedTrial placeholder, IReadOnlyDictionary<string, string> parameters)
    {
        ArgumentNullException.ThrowIfNull(placeholder);
        var values = Decode(parameters);
        var plan = new TrialPlan(placeholder.Index, placeholder.TrialId, values, placeholder.Seed);
        var trial = new PlannedTrial(placeholder.TrialId, placeholder.Index, TrialSpecFactory.Create(_spec.Engine, plan.Settings(_spec), _spec.SourcePath),
            placeholder.Seed, TrialSpecFactory.Describe(values));
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
