using System.Collections.Immutable;
using System.Globalization;
using ClusterML.Core.Engines;

namespace ClusterML.Core.Campaigns;

/// <summary>
/// Expands a campaign's space into its trials. Pure and deterministic: the same spec gives the same trials in the same order,
/// on any machine (the random search uses <see cref="System.Random"/>'s seeded algorithm, which .NET keeps stable). Thread-safe.
/// </summary>
/// <remarks>
/// <para>Grid: the cartesian product in row-major order of the space as written (the last axis varies fastest). A choice axis
/// takes all its values, an int axis every step from low to high, a uniform axis <see cref="SearchSpec.PointsPerAxis"/> evenly
/// spaced values including both ends, a log-uniform axis as many geometrically spaced values including both ends. Cut to
/// <see cref="BudgetSpec.MaxTrials"/> when given.</para>
/// <para>Random: <c>max_trials</c> points; a <see cref="System.Random"/> seeded with <c>Seeds.Derive(seed, 7)</c> draws one
/// u ∈ [0, 1) per axis, trial by trial and axis by axis in written order, mapped as for Sobol.</para>
/// <para>Sobol: the first <c>max_trials</c> points of <see cref="SobolSequence"/> (the zero point skipped), coordinate d on
/// axis d. A coordinate u ∈ [0, 1) maps to choice value ⌊u·count⌋, int value low + step·⌊u·count⌋, uniform value
/// low + u(high − low), log-uniform value exp(ln low + u(ln high − ln low)) (clamped to [low, high] against rounding).</para>
/// <para>Enqueued points (<see cref="CampaignSpec.Enqueue"/>) replace the axes they set in the first trials, in order.</para>
/// <para>Trial k (0-based) has id <c>t</c> + k zero-padded to four digits (more when the campaign has 10 000 trials or more:
/// all ids of a campaign have the same width) and seed <c>Seeds.Derive(seed, 1000 + k)</c>.</para>
/// </remarks>
public static class SearchPlanner
{
    /// <summary>The most trials a campaign may plan.</summary>
    public const int MaxTrials = 1_000_000;

    /// <exception cref="ArgumentException">The spec breaks an invariant that <see cref="CampaignSpecReader"/> enforces.</exception>
    public static ImmutableArray<TrialPlan> Expand(CampaignSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        if (spec.Space.IsDefaultOrEmpty)
        {
            throw new ArgumentException("the campaign has no hyperparameters", nameof(spec));
        }
        if (spec.Search.Kind != SearchKind.Grid && spec.Budget.MaxTrials is null)
        {
            throw new ArgumentException($"{spec.Search.Kind} search needs Budget.MaxTrials", nameof(spec));
        }
        if (spec.Budget.MaxTrials is < 1 or > MaxTrials)
        {
            throw new ArgumentException($"Budget.MaxTrials must be between 1 and {MaxTrials}", nameof(spec));
        }
        var points = spec.Search.Kind switch
        {
            SearchKind.Grid => Grid(spec),
            SearchKind.Random => Random(spec),
            SearchKind.Sobol => Sobol(spec),
            // The points of a model-based search are proposed at dispatch (TrialProposer); until then each trial holds the
            // random search's point, which checks the settings and stands in for what has not been proposed yet.
            SearchKind.Tpe or SearchKind.Gp => Random(spec),
            _ => throw new ArgumentOutOfRangeException(nameof(spec), spec.Search.Kind, "unknown search kind"),
        };
        // Enqueued points come first: each sets some axes of trial k; the rest keep the search's point k.
        for (var k = 0; k < spec.Enqueue.Length && k < points.Count; k++)
        {
            for (var a = 0; a < spec.Space.Length; a++)
            {
                if (spec.Enqueue[k].TryGetValue(spec.Space[a].Name, out var value))
                {
                    points[k][a] = value;
                }
            }
        }
        var trials = ImmutableArray.CreateBuilder<TrialPlan>(points.Count);
        for (var i = 0; i < points.Count; i++)
        {
            var parameters = ImmutableDictionary.CreateBuilder<string, CampaignValue>(StringComparer.Ordinal);
            for (var a = 0; a < spec.Space.Length; a++)
            {
                parameters[spec.Space[a].Name] = points[i][a];
            }
            var id = TrialId(i, points.Count);
            trials.Add(new TrialPlan(i, id, parameters.ToImmutable(), Seeds.Derive(spec.Seed, 1000 + i)));
        }
        return trials.MoveToImmutable();
    }

    /// <summary>Trial <paramref name="index"/>'s id among <paramref name="count"/>: <c>t</c> and the index, zero-padded to the width of the largest (at least four digits).</summary>
    public static string TrialId(int index, int count) =>
        "t" + index.ToString(CultureInfo.InvariantCulture).PadLeft(Math.Max(4, (count - 1).ToString(CultureInfo.InvariantCulture).Length), '0');

    /// <summary>The number of grid points, saturating at <see cref="long.MaxValue"/>.</summary>
    internal static long GridSize(IReadOnlyList<ParameterSpace> space, int pointsPerAxis)
    {
        Int128 size = 1;
        foreach (var axis in space)
        {
            size *= AxisLength(axis, pointsPerAxis);
            if (size > long.MaxValue)
            {
                return long.MaxValue;
            }
        }
        return (long)size;
    }

    private static long AxisLength(ParameterSpace axis, int pointsPerAxis) => axis switch
    {
        ChoiceSpace c => c.Values.Length,
        IntSpace i => i.Count,
        UniformSpace or LogUniformSpace => pointsPerAxis,
        _ => throw new ArgumentOutOfRangeException(nameof(axis), axis, "unknown kind of axis"),
    };

    private static List<CampaignValue[]> Grid(CampaignSpec spec)
    {
        var pointsPerAxis = spec.Search.PointsPerAxis;
        if (pointsPerAxis < 2 && spec.Space.Any(a => a is UniformSpace or LogUniformSpace))
        {
            throw new ArgumentException("a grid over a continuous axis needs PointsPerAxis ≥ 2", nameof(spec));
        }
        var size = GridSize(spec.Space, pointsPerAxis);
        if (spec.Budget.MaxTrials is null && size > MaxTrials)
        {
            throw new ArgumentException($"the grid has {size} points, more than {MaxTrials}; set Budget.MaxTrials", nameof(spec));
        }
        var count = (int)Math.Min(size, spec.Budget.MaxTrials ?? MaxTrials);
        var lengths = spec.Space.Select(a => AxisLength(a, pointsPerAxis)).ToArray();
        var result = new List<CampaignValue[]>(count);
        for (var k = 0; k < count; k++)
        {
            // Row-major: decode k in the mixed radix of the axis lengths, last axis least significant.
            var point = new CampaignValue[lengths.Length];
            var rest = (long)k;
            for (var a = lengths.Length - 1; a >= 0; a--)
            {
                point[a] = GridValue(spec.Space[a], rest % lengths[a], pointsPerAxis);
                rest /= lengths[a];
            }
            result.Add(point);
        }
        return result;
    }

    private static CampaignValue GridValue(ParameterSpace axis, long index, int points) => axis switch
    {
        ChoiceSpace c => c.Values[(int)index],
        IntSpace i => new CampaignValue.Integer(i.ValueAt(index)),
        // Ends are set exactly rather than computed, so that low and high appear as written; the points between are rounded
        // to 15 significant digits, so that 0.1 + 0.0125·k is 0.10625 (as written in results), not 0.10625000000000001.
        UniformSpace u => new CampaignValue.Real(index == points - 1 ? u.High : Tidy(u.Low + ((u.High - u.Low) * index / (points - 1)))),
        LogUniformSpace l => new CampaignValue.Real(index == 0 ? l.Low : index == points - 1 ? l.High
            : Tidy(Math.Exp(Math.Log(l.Low) + ((Math.Log(l.High) - Math.Log(l.Low)) * index / (points - 1))))),
        _ => throw new ArgumentOutOfRangeException(nameof(axis), axis, "unknown kind of axis"),
    };

    /// <summary>The double nearest to <paramref name="value"/> written with 15 significant digits (removes the last-bit noise of grid arithmetic).</summary>
    internal static double Tidy(double value) =>
        double.Parse(value.ToString("G15", System.Globalization.CultureInfo.InvariantCulture), System.Globalization.CultureInfo.InvariantCulture);

    private static List<CampaignValue[]> Random(CampaignSpec spec)
    {
        var random = new Random(Seeds.Derive(spec.Seed, 7));
        var result = new List<CampaignValue[]>(spec.Budget.MaxTrials!.Value);
        for (var k = 0; k < spec.Budget.MaxTrials.Value; k++)
        {
            result.Add([.. spec.Space.Select(axis => Map(axis, random.NextDouble()))]);
        }
        return result;
    }

    private static List<CampaignValue[]> Sobol(CampaignSpec spec)
    {
        if (spec.Space.Length > SobolSequence.MaxDimensions)
        {
            throw new ArgumentException($"sobol search supports at most {SobolSequence.MaxDimensions} axes", nameof(spec));
        }
        return [.. SobolSequence.Points(spec.Budget.MaxTrials!.Value, spec.Space.Length).Select(u => spec.Space.Select((axis, d) => Map(axis, u[d])).ToArray())];
    }

    /// <summary>Maps u ∈ [0, 1) onto an axis (the class remarks give the formulas).</summary>
    internal static CampaignValue Map(ParameterSpace axis, double u) => axis switch
    {
        ChoiceSpace c => c.Values[(int)Math.Min(c.Values.Length - 1, Math.Floor(u * c.Values.Length))],
        IntSpace i => new CampaignValue.Integer(i.ValueAt(Math.Min(i.Count - 1, (long)Math.Floor(u * i.Count)))),
        UniformSpace s => new CampaignValue.Real(Math.Clamp(s.Low + (u * (s.High - s.Low)), s.Low, s.High)),
        LogUniformSpace l => new CampaignValue.Real(Math.Clamp(Math.Exp(Math.Log(l.Low) + (u * (Math.Log(l.High) - Math.Log(l.Low)))), l.Low, l.High)),
        _ => throw new ArgumentOutOfRangeException(nameof(axis), axis, "unknown kind of axis"),
    };
}
