using System.Collections.Immutable;
using ClusterML.Core.Campaigns;
using ClusterML.Core.Engines;
using ClusterML.Core.Files;
using ClusterML.Core.Messages;
using ClusterML.Core.Validation;

namespace ClusterML.Core.Coordination;

/// <summary>Turns a parsed campaign spec into the coordinator's plan (every trial's typed engine spec), failing before anything runs.</summary>
public static class CampaignPlanner
{
    /// <exception cref="InvalidInputException">
    /// A trial's settings do not make a valid engine spec; the error names the YAML line of the setting (see <see cref="Locate"/>).
    /// </exception>
    public static CampaignSubmitted Plan(CampaignSpec spec, string campaignId, long submittedAtMs)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var early = spec.EarlyStopping is { } e
            ? new EarlyStoppingPolicy(e.Metric, e.Mode == MetricMode.Max, e.GracePeriod, e.ReductionFactor, e.MaxEpochs)
            : null;
        return new CampaignSubmitted(campaignId, spec.Name, spec.Engine, Expand(spec), spec.Budget.MaxConcurrent, spec.Retries, spec.Device, early,
            spec.Budget.WallTime is { } wall ? (long)wall.TotalMilliseconds : null, submittedAtMs);
    }

    /// <summary>
    /// The plan as the coordinator journals it: the spec's text, its path and the input blobs instead of the trial list, so the
    /// first event stays small whatever the number of trials. <see cref="Trials"/> gives back the same trials.
    /// </summary>
    public static CampaignSubmitted Compact(CampaignSubmitted plan, string specText, string specPath, IReadOnlyDictionary<string, BlobRef> inputs)
    {
        ArgumentNullException.ThrowIfNull(plan);
        return plan with { Trials = [], SpecText = specText, SpecPath = specPath, Inputs = inputs.ToImmutableDictionary(StringComparer.Ordinal) };
    }

    /// <summary>
    /// The trials of a plan: listed, or regenerated from a compact plan's spec text (search and seeds are deterministic) with
    /// each input file replaced by the blob it was registered as.
    /// </summary>
    /// <exception cref="Validation.InvalidInputException">The spec text no longer plans (a build with different engines or rules).</exception>
    public static ImmutableArray<PlannedTrial> Trials(CampaignSubmitted plan)
    {
        ArgumentNullException.ThrowIfNull(plan);
        if (plan.SpecText is null)
        {
            return plan.Trials;
        }
        var trials = Expand(CampaignSpecReader.Parse(plan.SpecText, plan.SpecPath ?? "campaign.yaml"));
        return plan.Inputs is { Count: > 0 } inputs ? CampaignInputs.WithBlobs(trials, inputs) : trials;
    }

    private static ImmutableArray<PlannedTrial> Expand(CampaignSpec spec)
    {
        if (spec.Active is not null)
        {
            try
            {
                return new Active.ActiveProposer(spec, null).Placeholders();
            }
            catch (InvalidInputException e)
            {
                throw Locate(spec, e, "r000-design", ImmutableDictionary<string, string>.Empty);
            }
        }
        var points = SearchPlanner.Expand(spec);
        if (spec.Pbt is not { } pbt)
        {
            return [.. points.Select(t => Planned(spec, t, t.TrialId, t.Index, TrialSpecFactory.Describe(t.Parameters)))];
        }
        // Population-based training: member m's segment g is trial g·P + m; it continues from its own segment g − 1 until the
        // coordinator decides otherwise (TrialProposer), which it does once generation g − 1 has finished.
        var population = points.Length;
        var total = (long)population * pbt.Generations;
        if (total > SearchPlanner.MaxTrials)
        {
            throw new InvalidInputException("schedule", $"{population} members × {pbt.Generations} segments is {total} trials, more than {SearchPlanner.MaxTrials}",
                spec.SourcePath, pbt.Line);
        }
        var trials = ImmutableArray.CreateBuilder<PlannedTrial>((int)total);
        for (var g = 0; g < pbt.Generations; g++)
        {
            for (var m = 0; m < population; m++)
            {
                var index = (g * population) + m;
                var from = g == 0 ? null : SearchPlanner.TrialId(index - population, (int)total);
                var parameters = TrialSpecFactory.Describe(points[m].Parameters).SetItems(PbtKeys(m, g, from));
                trials.Add(Planned(spec, points[m], SearchPlanner.TrialId(index, (int)total), index, parameters) with { UntilEpoch = pbt.UntilEpoch(g), StartFrom = from });
            }
        }
        return trials.MoveToImmutable();
    }

    /// <summary>The parameters a PBT trial carries besides its axes: member, generation and the trial it continues from.</summary>
    internal static IEnumerable<KeyValuePair<string, string>> PbtKeys(int member, int generation, string? from)
    {
        yield return new(Pbt.MemberKey, member.ToString(System.Globalization.CultureInfo.InvariantCulture));
        yield return new(Pbt.GenerationKey, generation.ToString(System.Globalization.CultureInfo.InvariantCulture));
        if (from is not null)
        {
            yield return new(Pbt.FromKey, from);
        }
    }

    private static PlannedTrial Planned(CampaignSpec spec, TrialPlan point, string trialId, int index, ImmutableDictionary<string, string> parameters)
    {
        try
        {
            return new PlannedTrial(trialId, index, TrialSpecFactory.Create(spec.Engine, point.Settings(spec), spec.SourcePath), point.Seed, parameters);
        }
        catch (InvalidInputException e)
        {
            throw Locate(spec, e, trialId, parameters);
        }
    }

    /// <summary>
    /// Has the engine of every planned trial check its settings (<see cref="IEngine.Check"/>), so a campaign with a setting no
    /// trial can run stops before anything runs. Errors about a setting are located as <see cref="Locate"/> does.
    /// </summary>
    /// <exception cref="InvalidInputException">The first trial whose settings its engine refuses.</exception>
    public static void Check(CampaignSpec spec, CampaignSubmitted plan, IReadOnlyList<IEngine> engines)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentNullException.ThrowIfNull(engines);
        // An active-learning campaign's placeholders share one spec (its first round's), checked once; its oracle calls are
        // checked when made (their candidates are not known yet), except a potential's: its placeholder call labels pool
        // structure 0, a real call, so a reference model that does not fit the pool is refused before anything runs.
        foreach (var trial in plan.Trials.DistinctBy(t => t.Spec, ReferenceEqualityComparer.Instance)
            .Where(t => spec.Active is null || spec.Active.Potential || !Active.ActiveProposer.IsOracleCall(t)))
        {
            var engine = engines.FirstOrDefault(e => e.Accepts(trial.Spec))
                ?? throw new InvalidInputException("engine", $"'{spec.Engine}' has no engine in this process", spec.SourcePath, spec.EngineLine);
            if (spec.Pbt is { } pbt && !engine.TrainsInSegments)
            {
                throw new InvalidInputException("schedule", $"engine '{spec.Engine}' does not train in segments from checkpoints, which population-based training needs",
                    spec.SourcePath, pbt.Line);
            }
            try
            {
                engine.Check(trial.Spec);
            }
            catch (InvalidInputException e)
            {
                throw Locate(spec, e, trial.TrialId, trial.Parameters);
            }
        }
    }

    /// <summary>
    /// Points an error about one trial's settings at the campaign YAML: an error that names no file (or the spec itself) and
    /// no line gets the line of the setting its field names (<c>--t-end</c>, <c>t_end</c> → <c>base.t_end</c> or
    /// <c>space.t_end</c>), or the <c>engine</c> line when the setting was left at its default; the trial and its
    /// hyperparameters are added to the problem. Errors about another file (a data file's line) are returned as they are.
    /// </summary>
    public static InvalidInputException Locate(CampaignSpec spec, InvalidInputException error, string trialId, IReadOnlyDictionary<string, string> parameters)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(error);
        if (error.Line is not null || (error.File is not null && error.File != spec.SourcePath))
        {
            return error;
        }
        var key = error.Field.TrimStart('-').Split('/')[0].Replace('-', '_');
        var (field, line) = spec.SettingLines.TryGetValue(key, out var settingLine)
            ? (spec.SettingPath(key), settingLine)
            : (key, spec.EngineLine);
        var values = string.Join(", ", parameters.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"{p.Key}={p.Value}"));
        return new InvalidInputException(field, $"{error.Problem} (trial {trialId}: {values})", spec.SourcePath, line);
    }
}
