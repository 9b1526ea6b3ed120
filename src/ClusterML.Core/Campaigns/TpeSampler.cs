using System.Collections.Immutable;
using MathNet.Numerics;
using MathNet.Numerics.Distributions;

namespace ClusterML.Core.Campaigns;


/// <summary>
/// Settings of <see cref="TpeSampler"/>, Optuna's defaults: <see cref="StartupTrials"/> random proposals before the model is
/// used (10), <see cref="Candidates"/> samples of l(x) scored per proposal (24), <see cref="PriorWeight"/> of the flat prior
/// component (1), <see cref="Multivariate"/> (one joint Parzen estimator over all axes instead of one per axis) and
/// <see cref="ConstantLiar"/> (running trials count as the worst results, so parallel proposals spread out).
/// </summary>
public sealed record TpeOptions(int StartupTrials = 10, int Candidates = 24, double PriorWeight = 1.0, bool Multivariate = false, bool ConstantLiar = true)
{
    public static TpeOptions Default { get; } = new();
}

/// <summary>
/// The Tree-structured Parzen Estimator (Bergstra et al., NeurIPS 2011), as Optuna's TPESampler does it: until
/// <see cref="TpeOptions.StartupTrials"/> trials have finished, proposals are uniform draws; then the finished trials
/// (and, with the constant liar, the running ones as the worst) are split into the best γ(n) = min(⌈0.1·n⌉, 25) and the rest,
/// a Parzen estimator is fitted to each — l(x) to the best, g(x) to the rest — and of <see cref="TpeOptions.Candidates"/>
/// samples of l the one with the largest l(x)/g(x) is proposed. Pure and deterministic: the same space, observations (in
/// trial order) and seed give the same proposal on any machine. Thread-safe.
/// </summary>
/// <remarks>
/// Axes are modelled on their natural scale: uniform as is, log-uniform as ln x, an int axis as its step index k (a continuous
/// k ∈ [−½, count − ½], rounded), a choice axis as a categorical distribution. A numeric estimator is a mixture of Gaussians
/// truncated to the axis, one at each observation plus a prior one at the centre with σ = the axis width; each observation's
/// σ is the larger distance to its sorted neighbours, clipped to [width / min(100, 1 + components), width] (Optuna's "magic
/// clip"). Observation weights are 1, except with more than 25 observations, where the older ones ramp up linearly from 1/n
/// and the newest 25 weigh 1; the prior weighs <see cref="TpeOptions.PriorWeight"/>. A categorical component puts
/// (prior weight / count + 1) / (prior weight + 1) on its observation's value and prior weight / count / (prior weight + 1)
/// on each other value; the prior's is uniform. Univariate proposals score each axis on its own; multivariate ones draw a whole point from one
/// component of l and score the product of the axes' densities per component, every observation's σ being
/// 0.2·n^(−1/(d+4))·width on d axes.
/// </remarks>
public static partial class TpeSampler
{
    /// <summary>γ(n) = min(⌈0.1·n⌉, 25): how many of n trials count as good.</summary>
    public static int Good(int n) => Math.Min((int)Math.Ceiling(0.1 * n), 25);

    /// <summary>Proposes the next point of <paramref name="space"/> given the trials so far; <paramref name="seed"/> is this proposal's own.</summary>
    /// <exception cref="ArgumentException">An observation lacks an axis or holds a value outside it.</exception>
    public static ImmutableDictionary<string, CampaignValue> Propose(IReadOnlyList<ParameterSpace> space, IReadOnlyList<SearchObservation> observations,
        int seed, TpeOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(space);
        ArgumentNullException.ThrowIfNull(observations);
        options ??= TpeOptions.Default;
        var random = new Random(seed);
        var finished = observations.Where(o => o.Value is { } v && !double.IsNaN(v)).ToList();
        if (finished.Count < options.StartupTrials)
        {
            return space.ToImmutableDictionary(a => a.Name, a => SearchPlanner.Map(a, random.NextDouble()), StringComparer.Ordinal);
        }
        // Trial order is kept (it sets the weights); the split is by value, ties by order. Running trials are the worst.
        var considered = observations
            .Select((o, order) => (o.Parameters, Value: o.Value is { } v && !double.IsNaN(v) ? v : double.PositiveInfinity, Order: order, Running: o.Value is null))
            .Where(o => !o.Running || options.ConstantLiar)
            .ToList();
        var goodCount = Good(considered.Count);
        var ranked = considered.OrderBy(o => o.Value).ThenBy(o => o.Order).ToList();
        // Several objectives or constraints: MOTPE's split (TpeSampler.Motpe.cs); else the best by value.
        var goodSet = NeedsMotpeSplit(observations)
            ? MotpeGood(observations, [.. considered.Select(o => o.Order)], goodCount)
            : ranked.Take(goodCount).Select(o => o.Order).ToHashSet();
        var axes = space.Select(Axis.Of).ToArray();
        var good = considered.Where(o => goodSet.Contains(o.Order)).Select(o => Encode(axes, o.Parameters)).ToList();
        var bad = considered.Where(o => !goodSet.Contains(o.Order)).Select(o => Encode(axes, o.Parameters)).ToList();

        double[] point;
        if (options.Multivariate)
        {
            point = ProposeJoint(axes, good, bad, options, random);
        }
        else
        {
            point = new double[axes.Length];
            for (var a = 0; a < axes.Length; a++)
            {
                var l = new Estimator(axes[a], [.. good.Select(p => p[a])], options.PriorWeight);
                var g = new Estimator(axes[a], [.. bad.Select(p => p[a])], options.PriorWeight);
                var best = double.NaN;
                var bestScore = double.NegativeInfinity;
                for (var c = 0; c < options.Candidates; c++)
                {
                    var x = l.Sample(random);
                    var score = l.LogDensity(x) - g.LogDensity(x);
                    if (score > bestScore)
                    {
                        (best, bestScore) = (x, score);
                    }
                }
                point[a] = best;
            }
        }
        return space.Select((axis, a) => (axis.Name, Value: axes[a].Decode(point[a]))).ToImmutableDictionary(p => p.Name, p => p.Value, StringComparer.Ordinal);
    }

    private static double[] ProposeJoint(Axis[] axes, List<double[]> good, List<double[]> bad, TpeOptions options, Random random)
    {
        var l = axes.Select((axis, a) => new Estimator(axis, [.. good.Select(p => p[a])], options.PriorWeight, axes.Length)).ToArray();
        var g = axes.Select((axis, a) => new Estimator(axis, [.. bad.Select(p => p[a])], options.PriorWeight, axes.Length)).ToArray();
        double[]? best = null;
        var bestScore = double.NegativeInfinity;
        for (var c = 0; c < options.Candidates; c++)
        {
            // One component of l for the whole point: the estimators of all axes share the components' order and weights.
            var component = l[0].PickComponent(random);
            var x = l.Select(e => e.SampleComponent(component, random)).ToArray();
            var score = Estimator.JointLogDensity(l, x) - Estimator.JointLogDensity(g, x);
            if (score > bestScore)
            {
                (best, bestScore) = (x, score);
            }
        }
        return best!;
    }

    private static double[] Encode(Axis[] axes, IReadOnlyDictionary<string, CampaignValue> parameters)
    {
        var point = new double[axes.Length];
        for (var a = 0; a < axes.Length; a++)
        {
            if (!parameters.TryGetValue(axes[a].Space.Name, out var value))
            {
                throw new ArgumentException($"an observation has no value for '{axes[a].Space.Name}'", nameof(parameters));
            }
            point[a] = axes[a].Encode(value);
        }
        return point;
    }

    /// <summary>An axis on its modelling scale: [Low, High] for numbers, or Count categories (indices 0 … Count − 1).</summary>
    private sealed record Axis(ParameterSpace Space, double Low, double High, int Count)
    {
        public bool Categorical => Space is ChoiceSpace;

        public static Axis Of(ParameterSpace space) => space switch
        {
            ChoiceSpace c => new Axis(c, 0, c.Values.Length - 1, c.Values.Length),
            IntSpace i => new Axis(i, -0.5, i.Count - 0.5, 0),
            UniformSpace u => new Axis(u, u.Low, u.High, 0),
            LogUniformSpace l => new Axis(l, Math.Log(l.Low), Math.Log(l.High), 0),
            _ => throw new ArgumentOutOfRangeException(nameof(space), space, "unknown kind of axis"),
        };

        public double Encode(CampaignValue value)
        {
            switch (Space)
            {
                case ChoiceSpace c:
                    var index = c.Values.IndexOf(value);
                    return index >= 0 ? index : throw new ArgumentException($"'{value}' is not one of the values of '{c.Name}'");
                case IntSpace i when value.TryGetDouble(out var n):
                    return Math.Clamp(Math.Round((n - i.Low) / i.Step), 0, i.Count - 1);
                case UniformSpace u when value.TryGetDouble(out var x):
                    return Math.Clamp(x, u.Low, u.High);
                case LogUniformSpace l when value.TryGetDouble(out var x) && x > 0:
                    return Math.Clamp(Math.Log(x), Low, High);
                default:
                    throw new ArgumentException($"'{value}' is not a value of '{Space.Name}'");
            }
        }

        public CampaignValue Decode(double x) => Space switch
        {
            ChoiceSpace c => c.Values[(int)Math.Clamp(Math.Round(x), 0, c.Values.Length - 1)],
            IntSpace i => new CampaignValue.Integer(i.ValueAt((long)Math.Clamp(Math.Round(x), 0, i.Count - 1))),
            UniformSpace u => new CampaignValue.Real(Math.Clamp(x, u.Low, u.High)),
            LogUniformSpace l => new CampaignValue.Real(Math.Clamp(Math.Exp(x), l.Low, l.High)),
            _ => throw new InvalidOperationException("unknown kind of axis"),
        };
    }

    /// <summary>A Parzen estimator on one axis: components (observations in order, then the prior) with weights summing to 1.</summary>
    private sealed class Estimator
    {
        private readonly Axis _axis;
        private readonly double[] _weights;
        private readonly double[] _mus = [];
        private readonly double[] _sigmas = [];
        private readonly int[] _observed = [];
        private readonly double _logUniform, _logHit, _logMiss;
        private readonly double[] _logWeights;

        /// <summary>Per numeric component: log(σ·√(2π)·(mass of the Gaussian inside the axis)), so a density costs one square.</summary>
        private readonly double[] _logNormalizers = [];

        // jointDimensions: for a joint (multivariate) estimator, the number of axes d; every observation then gets
        // σ = 0.2·n^(−1/(d+4))·width (a Scott-like rule, as Optuna's multivariate TPE), clipped as for one axis.
        public Estimator(Axis axis, double[] observations, double priorWeight, int? jointDimensions = null)
        {
            _axis = axis;
            var n = observations.Length;
            // Components: the observations in trial order, then the prior.
            var weights = new double[n + 1];
            var ramp = n > 25 ? n - 25 : 0;
            for (var i = 0; i < n; i++)
            {
                weights[i] = i < ramp ? (1.0 / n) + ((1 - (1.0 / n)) * i / Math.Max(1, ramp - 1)) : 1;
            }
            weights[n] = priorWeight;
            var total = weights.Sum();
            _weights = [.. weights.Select(w => w / total)];
            _logWeights = [.. _weights.Select(w => Math.Log(w))];
            if (axis.Categorical)
            {
                _observed = [.. observations.Select(x => (int)x)];
                _logUniform = -Math.Log(axis.Count);
                _logHit = Math.Log(((priorWeight / axis.Count) + 1) / (priorWeight + 1));
                _logMiss = Math.Log(priorWeight / axis.Count / (priorWeight + 1));
                return;
            }
            var width = axis.High - axis.Low;
            _mus = [.. observations, 0.5 * (axis.Low + axis.High)];
            _sigmas = new double[n + 1];
            // σ of each observation from its sorted neighbours (the axis ends beyond the extremes, except that the extremes
            // use their inner neighbour when there are two or more), clipped; the prior's is the width.
            var minSigma = width / Math.Min(100.0, 1 + n + 1);
            if (jointDimensions is { } d)
            {
                var sigma = Math.Clamp(0.2 * Math.Pow(Math.Max(n, 1), -1.0 / (d + 4)) * width, minSigma, width);
                Array.Fill(_sigmas, sigma);
            }
            else
            {
                var order = Enumerable.Range(0, n).ToArray();
                var keys = (double[])observations.Clone();
                Array.Sort(keys, order); // deterministic (ties always end in the same order)
                for (var r = 0; r < n; r++)
                {
                    var here = keys[r];
                    var left = r > 0 ? here - keys[r - 1] : here - axis.Low;
                    var right = r < n - 1 ? keys[r + 1] - here : axis.High - here;
                    if (n >= 2 && r == 0)
                    {
                        left = right;
                    }
                    else if (n >= 2 && r == n - 1)
                    {
                        right = left;
                    }
                    _sigmas[order[r]] = Math.Clamp(Math.Max(left, right), minSigma, width);
                }
            }
            _sigmas[n] = width;
            _logNormalizers = new double[n + 1];
            for (var i = 0; i <= n; i++)
            {
                var (above, below) = ((axis.High - _mus[i]) / _sigmas[i], (_mus[i] - axis.Low) / _sigmas[i]);
                // More than 8σ from both ends the mass is 1 to 1e-15 (and erfc costs 30 times an exp).
                var mass = above > 8 && below > 8 ? 1 : Cdf(above) - Cdf(-below);
                _logNormalizers[i] = Math.Log(_sigmas[i] * Math.Sqrt(2 * Math.PI) * Math.Max(mass, 1e-300));
            }
        }

        public int PickComponent(Random random)
        {
            var u = random.NextDouble();
            for (var i = 0; i < _weights.Length - 1; i++)
            {
                u -= _weights[i];
                if (u < 0)
                {
                    return i;
                }
            }
            return _weights.Length - 1;
        }

        public double Sample(Random random) => SampleComponent(PickComponent(random), random);

        public double SampleComponent(int component, Random random)
        {
            if (_axis.Categorical)
            {
                // Inverse CDF over the component's smoothed categorical distribution.
                var u = random.NextDouble();
                for (var k = 0; k < _axis.Count - 1; k++)
                {
                    u -= Math.Exp(ComponentLogDensity(component, k));
                    if (u < 0)
                    {
                        return k;
                    }
                }
                return _axis.Count - 1;
            }
            // Inverse CDF of the normal truncated to the axis.
            var (mu, sigma) = (_mus[component], _sigmas[component]);
            var a = Cdf((_axis.Low - mu) / sigma);
            var b = Cdf((_axis.High - mu) / sigma);
            var p = a + (random.NextDouble() * (b - a));
            var x = mu + (sigma * Math.Sqrt(2) * SpecialFunctions.ErfInv((2 * Math.Clamp(p, 1e-300, 1 - 1e-16)) - 1));
            return Math.Clamp(double.IsFinite(x) ? x : mu, _axis.Low, _axis.High);
        }

        public double LogDensity(double x)
        {
            // log Σ exp(tᵢ) in one pass, rescaling the sum whenever a larger term comes.
            var max = double.NegativeInfinity;
            var sum = 0.0;
            for (var i = 0; i < _logWeights.Length; i++)
            {
                var t = _logWeights[i] + ComponentLogDensity(i, x);
                if (t <= max)
                {
                    if (t > max - 40)
                    {
                        sum += Math.Exp(t - max); // terms below e⁻⁴⁰ of the largest change nothing
                    }
                }
                else if (!double.IsNegativeInfinity(t))
                {
                    sum = (sum * Math.Exp(max - t)) + 1;
                    max = t;
                }
            }
            return max + Math.Log(sum);
        }

        /// <summary>
        /// log of component <paramref name="i"/>'s density at x. For categories, an observation's component is smoothed towards
        /// the prior: (prior / count + [x is its category]) / (prior + 1); the prior's is 1 / count.
        /// </summary>
        private double ComponentLogDensity(int i, double x)
        {
            if (_axis.Categorical)
            {
                return i == _observed.Length ? _logUniform : (int)x == _observed[i] ? _logHit : _logMiss;
            }
            var z = (x - _mus[i]) / _sigmas[i];
            return (-0.5 * z * z) - _logNormalizers[i];
        }

        /// <summary>log Σ_i w_i Π_axes p_i(x_axis): the estimators share components (one per observation, then the prior).</summary>
        public static double JointLogDensity(Estimator[] estimators, double[] x)
        {
            var weights = estimators[0]._weights;
            var terms = new double[weights.Length];
            for (var i = 0; i < weights.Length; i++)
            {
                terms[i] = estimators[0]._logWeights[i];
                for (var a = 0; a < estimators.Length; a++)
                {
                    terms[i] += estimators[a].ComponentLogDensity(i, x[a]);
                }
            }
            return LogSumExp(terms);
        }

        private static double Cdf(double z) => Normal.CDF(0, 1, z);

        private static double LogSumExp(double[] terms)
        {
            var max = double.NegativeInfinity;
            foreach (var t in terms)
            {
                max = Math.Max(max, t);
            }
            if (double.IsNegativeInfinity(max))
            {
                return max;
            }
            var sum = 0.0;
            foreach (var t in terms)
            {
                sum += Math.Exp(t - max);
            }
            return max + Math.Log(sum);
        }
    }
}
