using System.Collections.Immutable;
using ClusterML.Core.Engines;

namespace ClusterML.Core.Campaigns;

/// <summary>
/// The exploit-and-explore step of population-based training (<see cref="PbtSpec"/>). After generation g − 1 every member
/// has a loss (lower is better) or none (it failed); <see cref="Next"/> decides generation g: the members in the worst
/// quantile (⌈population × quantile_fraction⌉, at most half; failed members first) each continue from the checkpoint of a
/// member drawn from the best quantile with that member's hyperparameters explored — each axis drawn anew from the space with
/// the resample probability, else perturbed (numbers times a factor drawn from the perturbation factors, clipped to the axis and
/// rounded to its step; a choice moved to a neighbouring value); the others continue their own line unchanged. The draws come
/// from a <see cref="System.Random"/> seeded with <c>Seeds.Derive(seed, 3 000 000 + g)</c>, so the schedule is reproducible.
/// Pure and thread-safe.
/// </summary>
public static class Pbt
{
    /// <summary>Parameter names a PBT trial carries besides its axes: its member, generation and the trial it continues from.</summary>
    public const string MemberKey = "pbt_member", GenerationKey = "pbt_generation", FromKey = "pbt_from";

    /// <summary>One member after a generation: the trial that ran it, its hyperparameters and its loss (null: no result).</summary>
    public sealed record Member(string TrialId, ImmutableDictionary<string, CampaignValue> Values, double? Loss);

    /// <summary>What member m does in the next generation: continue from <see cref="From"/>'s checkpoint with <see cref="Values"/>.</summary>
    public sealed record Step(string From, ImmutableDictionary<string, CampaignValue> Values, bool Exploited);

    /// <summary>Generation <paramref name="generation"/>'s steps, one per member of <paramref name="previous"/> (in member order).</summary>
    public static IReadOnlyList<Step> Next(PbtSpec pbt, IReadOnlyList<ParameterSpace> space, IReadOnlyList<Member> previous, int seed, int generation)
    {
        ArgumentNullException.ThrowIfNull(pbt);
        ArgumentNullException.ThrowIfNull(space);
        ArgumentNullException.ThrowIfNull(previous);
        var steps = previous.Select(m => new Step(m.TrialId, m.Values, false)).ToArray();
        var count = previous.Count;
        var quantile = Math.Min((int)Math.Ceiling(count * pbt.QuantileFraction), count / 2);
        // Best first; failed members (no loss) last; ties in member order.
        var ranked = Enumerable.Range(0, count)
            .OrderBy(m => previous[m].Loss is { } loss && double.IsFinite(loss) ? 0 : 1)
            .ThenBy(m => previous[m].Loss is { } loss && double.IsFinite(loss) ? loss : 0)
            .ThenBy(m => m)
            .ToArray();
        var top = ranked.Take(quantile).Where(m => previous[m].Loss is { } loss && double.IsFinite(loss)).ToArray();
        if (quantile == 0 || top.Length == 0)
        {
            return steps;
        }
        var random = new Random(Seeds.Derive(seed, 3_000_000 + generation));
        foreach (var m in ranked.Skip(count - quantile).Order())
        {
            var donor = top[random.Next(top.Length)];
            steps[m] = new Step(previous[donor].TrialId, Explore(pbt, space, previous[donor].Values, random), true);
        }
        return steps;
    }

    /// <summary>The donor's hyperparameters, each resampled or perturbed (see the class remarks).</summary>
    public static ImmutableDictionary<string, CampaignValue> Explore(PbtSpec pbt, IReadOnlyList<ParameterSpace> space, ImmutableDictionary<string, CampaignValue> values, Random random)
    {
        ArgumentNullException.ThrowIfNull(pbt);
        ArgumentNullException.ThrowIfNull(space);
        ArgumentNullException.ThrowIfNull(values);
        ArgumentNullException.ThrowIfNull(random);
        var explored = values.ToBuilder();
        foreach (var axis in space)
        {
            if (random.NextDouble() < pbt.ResampleProbability)
            {
                explored[axis.Name] = SearchPlanner.Map(axis, random.NextDouble());
                continue;
            }
            var factor = pbt.PerturbationFactors[random.Next(pbt.PerturbationFactors.Length)];
            var up = random.Next(2) == 0;
            explored[axis.Name] = (axis, values[axis.Name]) switch
            {
                (ChoiceSpace c, var v) => c.Values[Math.Clamp(IndexOf(c, v) + (up ? 1 : -1), 0, c.Values.Length - 1)],
                (IntSpace i, var v) when v.TryGetDouble(out var x) => new CampaignValue.Integer(i.ValueAt(
                    Math.Clamp((long)Math.Round(((x * factor) - i.Low) / i.Step, MidpointRounding.AwayFromZero), 0, i.Count - 1))),
                (UniformSpace u, var v) when v.TryGetDouble(out var x) => new CampaignValue.Real(Math.Clamp(x * factor, u.Low, u.High)),
                (LogUniformSpace l, var v) when v.TryGetDouble(out var x) => new CampaignValue.Real(Math.Clamp(x * factor, l.Low, l.High)),
                (_, var v) => v,
            };
        }
        return explored.ToImmutable();
    }

    private static int IndexOf(ChoiceSpace choice, CampaignValue value)
    {
        var index = choice.Values.IndexOf(value);
        return index >= 0 ? index : 0;
    }
}
