using System.Collections.Immutable;
using ClusterML.Core.Engines;

namespace ClusterML.Core.Campaigns;

/// <summary>
/// Expands a campaign's space into trials. Deterministic for the spec (same spec, same trials in the same order).
/// Grid: the cartesian product in the order the space is written (choice: all values; int: every step; uniform:
/// <see cref="SearchSpec.PointsPerAxis"/> evenly spaced values including both ends; log-uniform: the same, geometrically),
/// cut to <see cref="BudgetSpec.MaxTrials"/> if given. Random: <c>max_trials</c> independent draws from a generator seeded
/// with the campaign seed. Sobol: the first <c>max_trials</c> points of <see cref="SobolSequence"/> mapped onto the axes.
/// Trial k gets the seed <c>Seeds.Derive(seed, 1000 + k)</c>.
/// </summary>
public static class SearchPlanner
{
    public static ImmutableArray<TrialPlan> Expand(CampaignSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var points = spec.Search.Kind switch
        {
            SearchKind.Grid => Grid(spec),
            SearchKind.Random => Random(spec),
            _ => Sobol(spec),
        };
        var width = Math.Max(4, (points.Count - 1).ToString(System.Globalization.CultureInfo.InvariantCulture).Length);
        return [.. points.Select((p, i) => new TrialPlan(i, "t" + i.ToString(System.Globalization.CultureInfo.InvariantCulture).PadLeft(width, '0'),
            spec.Space.Zip(p, (axis, value) => KeyValuePair.Create(axis.Name, value)).ToImmutableDictionary(), Seeds.Derive(spec.Seed, 1000 + i)))];
    }

    private static List<CampaignValue[]> Grid(CampaignSpec spec)
    {
        var axes = spec.Space.Select(axis => GridValues(axis, spec.Search.PointsPerAxis)).ToArray();
        var limit = spec.Budget.MaxTrials ?? int.MaxValue;
        var result = new List<CampaignValue[]>();
        var index = new int[axes.Length];
        while (result.Count < limit)
        {
            result.Add([.. index.Select((k, a) => axes[a][k])]);
            var axis = axes.Length - 1;
            while (axis >= 0 && ++index[axis] == axes[axis].Length)
            {
                index[axis] = 0;
                axis--;
            }
            if (axis < 0)
            {
                break;
            }
        }
        return result;
    }

    private static CampaignValue[] GridValues(ParameterSpace axis, int points) => axis switch
    {
        ChoiceSpace c => [.. c.Values],
        IntSpace i => [.. Enumerable.Range(0, (int)i.Count).Select(k => (CampaignValue)new CampaignValue.Integer(i.Low + (k * i.Step)))],
        UniformSpace u => [.. Enumerable.Range(0, points).Select(k => (CampaignValue)new CampaignValue.Real(u.Low + ((u.High - u.Low) * k / (points - 1))))],
        LogUniformSpace l => [.. Enumerable.Range(0, points).Select(k => (CampaignValue)new CampaignValue.Real(Math.Exp(Math.Log(l.Low) + ((Math.Log(l.High) - Math.Log(l.Low)) * k / (points - 1)))))],
        _ => throw new ArgumentOutOfRangeException(nameof(axis), axis, "unknown axis"),
    };

    private static List<CampaignValue[]> Random(CampaignSpec spec)
    {
        var random = new Random(Seeds.Derive(spec.Seed, 7));
        return [.. Enumerable.Range(0, spec.Budget.MaxTrials!.Value).Select(_ => spec.Space.Select(axis => Map(axis, random.NextDouble())).ToArray())];
    }

    private static List<CampaignValue[]> Sobol(CampaignSpec spec) =>
        [.. SobolSequence.Points(spec.Budget.MaxTrials!.Value, spec.Space.Length).Select(u => spec.Space.Select((axis, d) => Map(axis, u[d])).ToArray())];

    /// <summary>Maps u ∈ [0, 1) onto an axis.</summary>
    internal static CampaignValue Map(ParameterSpace axis, double u) => axis switch
    {
        ChoiceSpace c => c.Values[Math.Min(c.Values.Length - 1, (int)(u * c.Values.Length))],
        IntSpace i => new CampaignValue.Integer(i.Low + (i.Step * Math.Min(i.Count - 1, (long)(u * i.Count)))),
        UniformSpace s => new CampaignValue.Real(s.Low + (u * (s.High - s.Low))),
        LogUniformSpace l => new CampaignValue.Real(Math.Exp(Math.Log(l.Low) + (u * (Math.Log(l.High) - Math.Log(l.Low))))),
        _ => throw new ArgumentOutOfRangeException(nameof(axis), axis, "unknown axis"),
    };
}
