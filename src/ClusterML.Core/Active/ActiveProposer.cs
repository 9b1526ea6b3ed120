using System.Collections.Immutable;
using System.Globalization;
using System.Text;
using ClusterML.Core.Campaigns;
using ClusterML.Core.Coordination;
using ClusterML.Core.Files;
using ClusterML.Core.IO;
using ClusterML.Core.Messages;

namespace ClusterML.Core.Active;

/// <summary>
/// Decides an active-learning campaign's trials at dispatch (<see cref="ActiveLayout"/> gives their order): an oracle call
/// labels the candidate its round trial picked (the round trial reports its picks as metrics <c>next.J.candidate</c> and
/// <c>next.J.COLUMN</c>); a round trial gets every row its arm has labelled so far (the oracle calls' inputs and their target
/// metric), as CSV text in its <c>labelled</c> setting. A candidate the round trial did not pick (it found fewer) is skipped.
/// The campaign ends early when a round trial of the active arm reports <c>stop</c> (a stopping rule met, the pool
/// exhausted) or when a round trial fails for good: nothing after it could be decided.
/// </summary>
public sealed class ActiveProposer : ITrialProposer
{
    /// <summary>The metric key prefix of a round trial's picks: <c>next.J.candidate</c>, <c>next.J.COLUMN</c> (J from 0).</summary>
    public const string PickPrefix = "next.";

    /// <summary>The metric a round trial sets to 1 when the loop should stop (<c>stop_reason</c> says why).</summary>
    public const string StopMetric = "stop";

    /// <summary>Parameters of the trials (what the results table shows).</summary>
    public const string RoundKey = "round", ArmKey = "arm", SelectKey = "select", CandidateKey = "candidate", LabelledKey = "labelled", OracleCallsKey = "oracle_calls";

    /// <summary>The settings of a round trial that the proposer adds to the campaign's round settings.</summary>
    public const string LabelledSetting = "labelled";

    private readonly CampaignSpec _campaign;
    private readonly ActiveSpec _spec;
    private readonly ActiveLayout _layout;
    private readonly IReadOnlyDictionary<string, BlobRef>? _inputs;

    public ActiveProposer(CampaignSpec campaign, IReadOnlyDictionary<string, BlobRef>? inputs)
    {
        ArgumentNullException.ThrowIfNull(campaign);
        _campaign = campaign;
        _spec = campaign.Active ?? throw new ArgumentException("not an active-learning campaign", nameof(campaign));
        _layout = new ActiveLayout(_spec, campaign.Seed);
        _inputs = inputs;
    }

    public ActiveLayout Layout => _layout;

    public bool NeedsMetrics => true;

    public bool Ready(int index, Func<int, bool> isFinished) => _layout.Ready(index, isFinished);

    public ImmutableDictionary<string, string>? Propose(int index, IEnumerable<TrialProposer.Seen> earlier, ImmutableDictionary<string, string> planned)
    {
        ArgumentNullException.ThrowIfNull(earlier);
        var slot = _layout[index];
        if (slot.IsRound)
        {
            var rows = Labelled(slot, earlier.ToList(), out var calls);
            return planned.SetItem(LabelledKey, Text(rows.Count)).SetItem(OracleCallsKey, Text(calls));
        }
        var selector = _layout.SelectorOf(index);
        var seen = earlier.ElementAtOrDefault(selector);
        if (seen.Metrics is not { } metrics || !metrics.TryGetValue($"{PickPrefix}{slot.Position}.candidate", out var candidate))
        {
            return null; // the round trial picked fewer candidates (or failed): this call is not needed
        }
        var parameters = planned.SetItem(CandidateKey, Text((long)candidate));
        if (_spec.Potential)
        {
            return parameters; // a pool structure has no input columns: its index is all the oracle needs
        }
        foreach (var input in _spec.Inputs)
        {
            parameters = parameters.SetItem(input, metrics.TryGetValue($"{PickPrefix}{slot.Position}.{input}", out var value)
                ? CsvTable.Format(value)
                : throw new InvalidOperationException($"round trial {_layout[selector].TrialId} picked candidate {candidate} without its '{input}'"));
        }
        return parameters;
    }

    public PlannedTrial Trial(PlannedTrial placeholder, IReadOnlyDictionary<string, string> parameters, IEnumerable<TrialProposer.Seen> earlier)
    {
        ArgumentNullException.ThrowIfNull(placeholder);
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentNullException.ThrowIfNull(earlier);
        var slot = _layout[placeholder.Index];
        ImmutableDictionary<string, CampaignValue> settings;
        string engine;
        if (slot.IsRound)
        {
            var rows = Labelled(slot, earlier.ToList(), out var calls);
            engine = _spec.Rounds;
            settings = RoundSettings(slot).SetItem(LabelledSetting, new CampaignValue.Text(Csv(rows))).SetItem(OracleCallsKey, new CampaignValue.Integer(calls));
        }
        else
        {
            engine = _spec.OracleEngine;
            settings = _spec.OracleSettings;
            if (_spec.Potential)
            {
                settings = settings.SetItem(CandidateKey, new CampaignValue.Integer(long.Parse(parameters[CandidateKey], CultureInfo.InvariantCulture)));
            }
            foreach (var input in _spec.Inputs)
            {
                settings = settings.SetItem(input, new CampaignValue.Real(double.Parse(parameters[input], NumberStyles.Float, CultureInfo.InvariantCulture)));
            }
        }
        var trial = placeholder with
        {
            Spec = TrialSpecFactory.Create(engine, settings, _campaign.SourcePath),
            Parameters = parameters.ToImmutableDictionary(StringComparer.Ordinal),
        };
        return _inputs is { Count: > 0 } inputs ? CampaignInputs.WithBlobs([trial], inputs)[0] : trial;
    }

    public string? Over(int next, IEnumerable<TrialProposer.Seen> earlier)
    {
        ArgumentNullException.ThrowIfNull(earlier);
        var i = 0;
        foreach (var seen in earlier)
        {
            if (i >= next)
            {
                break;
            }
            var slot = _layout[i++];
            if (!slot.IsRound || seen.Outcome == CampaignBook.None)
            {
                continue;
            }
            if (seen.Outcome != CampaignBook.Completed)
            {
                return $"round trial {slot.TrialId} {(seen.Outcome == CampaignBook.Failed ? "failed" : "was stopped")}: the next batch cannot be picked";
            }
            if (slot.Arm == ActiveSpec.ActiveArm && seen.Metrics is { } metrics && metrics.TryGetValue(StopMetric, out var stop) && stop > 0)
            {
                var reason = metrics.TryGetValue("stop_reason", out var code) ? StopReasons.Describe((int)code) : "a stopping rule";
                return $"round {slot.Round}: {reason}";
            }
        }
        return null;
    }

    /// <summary>
    /// The planned trials, placeholders until decided: round trials hold the design round's spec, oracle calls an oracle spec
    /// with every input at 1 (so the oracle's settings are read, and its input files registered, when the campaign is
    /// planned; a candidate's own values are checked when its call is made).
    /// </summary>
    public ImmutableArray<PlannedTrial> Placeholders()
    {
        var design = _layout[0];
        var designSpec = TrialSpecFactory.Create(_spec.Rounds, RoundSettings(design).SetItem(LabelledSetting, new CampaignValue.Text(Csv([])))
            .SetItem(OracleCallsKey, new CampaignValue.Integer(0)), _campaign.SourcePath);
        var oracleSettings = _spec.Potential
            ? _spec.OracleSettings.SetItem(CandidateKey, new CampaignValue.Integer(0))
            : _spec.Inputs.Aggregate(_spec.OracleSettings, (settings, input) => settings.SetItem(input, new CampaignValue.Real(1)));
        var oracleSpec = TrialSpecFactory.Create(_spec.OracleEngine, oracleSettings, _campaign.SourcePath);
        return [.. _layout.Slots.Select((slot, index) => new PlannedTrial(slot.TrialId, index, slot.IsRound ? designSpec : oracleSpec, slot.Seed, PlannedParameters(slot)))];
    }

    /// <summary>Whether a planned trial is an oracle call (its placeholder spec is not checked: its candidate is not known yet).</summary>
    public static bool IsOracleCall(PlannedTrial trial) => !trial.Parameters.ContainsKey(SelectKey);

    private static ImmutableDictionary<string, string> PlannedParameters(ActiveLayout.Slot slot)
    {
        var parameters = ImmutableDictionary.CreateBuilder<string, string>(StringComparer.Ordinal);
        parameters[RoundKey] = Text(slot.Round);
        parameters[ArmKey] = slot.Round == 0 ? "design" : slot.Arm;
        if (slot.IsRound)
        {
            parameters[SelectKey] = Text(slot.Position);
        }
        return parameters.ToImmutable();
    }

    private ImmutableDictionary<string, CampaignValue> RoundSettings(ActiveLayout.Slot slot)
    {
        var settings = _spec.RoundSettings
            .SetItem("round", new CampaignValue.Integer(slot.Round))
            .SetItem("arm", new CampaignValue.Text(slot.Round == 0 ? "design" : slot.Arm))
            .SetItem("select", new CampaignValue.Integer(slot.Position))
            .SetItem("final", new CampaignValue.Boolean(slot.Round == _layout.FinalRound));
        if (_spec.Potential && slot.Round > 0)
        {
            // The committee continues from its arm's previous round (round 1 from the design, which trained nothing).
            settings = settings.SetItem(PreviousSetting, new CampaignValue.Text(_layout[_layout.RoundIndex(slot.Arm, slot.Round - 1)].TrialId));
        }
        return settings;
    }

    /// <summary>The setting of a potential's round trial that names its arm's previous round trial (whose committee it fine-tunes).</summary>
    public const string PreviousSetting = "previous";

    /// <summary>One labelled row: the candidate (−1 when it came from the initial CSV), the round, the inputs and the label.</summary>
    public readonly record struct Row(long Candidate, int Round, double[] Inputs, double Label);

    /// <summary>The rows round trial <paramref name="slot"/> trains on, and the oracle calls its arm has made before it.</summary>
    private List<Row> Labelled(ActiveLayout.Slot slot, IReadOnlyList<TrialProposer.Seen> earlier, out int calls)
    {
        var rows = new List<Row>();
        calls = 0;
        var index = _layout.RoundIndex(slot.Arm, slot.Round);
        for (var i = 0; i < index && i < earlier.Count; i++)
        {
            var call = _layout[i];
            if (!_layout.Feeds(call, slot.Arm) || call.Round >= slot.Round)
            {
                continue;
            }
            var seen = earlier[i];
            if (seen.Outcome == CampaignBook.Completed || seen.Outcome == CampaignBook.Failed)
            {
                calls++;
            }
            if (seen.Outcome == CampaignBook.Completed && seen.Metrics is { } metrics && metrics.TryGetValue(_spec.Target, out var label) && double.IsFinite(label)
                && seen.Parameters.TryGetValue(CandidateKey, out var candidate))
            {
                rows.Add(new Row(long.Parse(candidate, CultureInfo.InvariantCulture), call.Round,
                    [.. _spec.Inputs.Select(input => double.Parse(seen.Parameters[input], NumberStyles.Float, CultureInfo.InvariantCulture))], label));
            }
        }
        return rows;
    }

    /// <summary>The labelled rows as CSV: <c>candidate,round,INPUTS…,TARGET</c>.</summary>
    private string Csv(IReadOnlyList<Row> rows)
    {
        var text = new StringBuilder();
        text.Append(string.Join(',', ["candidate", "round", .. _spec.Inputs, _spec.Target])).Append('\n');
        foreach (var row in rows)
        {
            text.Append(Text(row.Candidate)).Append(',').Append(Text(row.Round));
            foreach (var value in row.Inputs)
            {
                text.Append(',').Append(CsvTable.Format(value));
            }
            text.Append(',').Append(CsvTable.Format(row.Label)).Append('\n');
        }
        return text.ToString();
    }

    private static string Text(long value) => value.ToString(CultureInfo.InvariantCulture);
}

/// <summary>Why a round trial stops the loop (its <c>stop_reason</c> metric).</summary>
public static class StopReasons
{
    public const int Sigma = 1, NoImprovement = 2, PoolExhausted = 3, NothingInDomain = 4, Accurate = 5, NothingInWindow = 6;

    public static string Describe(int code) => code switch
    {
        Sigma => "the largest predicted uncertainty over the pool fell below stop.sigma",
        NoImprovement => "no improvement for stop.patience rounds",
        PoolExhausted => "every pool candidate is labelled",
        NothingInDomain => "no unlabelled candidate is inside the training domain (out_of_domain: exclude)",
        Accurate => "the committee agrees (deviation below trust.low) on at least stop.accurate of the pool",
        NothingInWindow => "no unlabelled structure's committee deviation lies inside the trust window",
        _ => "a stopping rule",
    };
}
