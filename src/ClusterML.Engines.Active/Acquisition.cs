using MathNet.Numerics.Distributions;

namespace ClusterML.Engines.Active;

/// <summary>
/// Acquisition scores (higher is more worth an oracle call) from the ensemble's mean μ and calibrated spread σ in the target's
/// model space (log10 for a log target, so a factor of two counts the same at 1 and at 100 W/mK):
/// <list type="bullet">
/// <item><c>uncertainty</c>: σ, where the model knows least (learn the whole map);</item>
/// <item><c>ucb</c>: the optimistic bound, μ + κσ for a maximum, −(μ − κσ) for a minimum;</item>
/// <item><c>ei</c>: expected improvement over the best label so far f*, E[max(0, f* − Y − ξ)] for a minimum with Y ~ N(μ, σ²)
/// (mirrored for a maximum): (f* − μ − ξ)Φ(z) + σφ(z), z = (f* − μ − ξ)/σ.</item>
/// </list>
/// Pure.
/// </summary>
public static class Acquisition
{
    /// <param name="kind"><c>uncertainty</c>, <c>ucb</c> or <c>ei</c>.</param>
    /// <param name="goal"><c>min</c> or <c>max</c> (ucb, ei); ignored by uncertainty.</param>
    /// <param name="mean">The ensemble's mean μ (model space).</param>
    /// <param name="sigma">Its calibrated spread σ (model space).</param>
    /// <param name="kappa">κ: how far ucb looks past the mean.</param>
    /// <param name="xi">ξ: the improvement ei ignores.</param>
    /// <param name="best">The best label so far in model space (ei).</param>
    public static double Score(string kind, string? goal, double mean, double sigma, double kappa, double xi, double best)
    {
        var sign = goal == "max" ? 1.0 : -1.0; // turn a minimum into a maximum of sign·Y
        return kind switch
        {
            "uncertainty" => sigma,
            "ucb" => (sign * mean) + (kappa * sigma),
            "ei" => ExpectedImprovement(sign * mean, sigma, sign * best, xi),
            _ => throw new ArgumentException($"'{kind}' is not an acquisition with a score", nameof(kind)),
        };
    }

    /// <summary>E[max(0, Y − best − ξ)] for Y ~ N(mean, σ²), maximising; σ = 0 gives the plain improvement.</summary>
    public static double ExpectedImprovement(double mean, double sigma, double best, double xi)
    {
        var gain = mean - best - xi;
        if (!(sigma > 0))
        {
            return Math.Max(0, gain);
        }
        var z = gain / sigma;
        return (gain * Normal.CDF(0, 1, z)) + (sigma * Normal.PDF(0, 1, z));
    }
}
