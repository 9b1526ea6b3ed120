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
/// Estimator for estimator, this is Optuna 3.1.0's (checked against its <c>_ParzenEstimator</c> in TpeOptunaParityTests).
/// Axes are modelled on their natural scale: uniform as is, log-uniform as ln x, an int axis as its step index k (a continuous
/// k ∈ [−½, count − ½]), a choice axis as a categorical distribution. A numeric estimator is a mixture of Gaussians
/// truncated to the axis, one at each observation plus a prior one at the centre with σ = the axis width; each observation's
/// σ is the larger distance to its neighbours among the sorted means (the prior's included; the axis ends beyond the extremes,
/// which use their inner neighbour), clipped to [width / min(100, 2 + observations), width] (Optuna's "magic clip").
/// As in Optuna 3.1, a component's log density leaves out log σ (its truncnorm.logpdf does). An int candidate is rounded to
/// its index first and scored by the mass of its bin [k − ½, k + ½]. Observation weights are 1, except with more than 25
/// observations, where the older ones ramp up linearly from 1/n and the newest 25 weigh 1; the prior weighs
/// <see cref="TpeOptions.PriorWeight"/>. A categorical component puts (s + 1) / (count·s + 1) on its observation's value and
/// s / (count·s + 1) on each other value, s = prior weight / (observations + 1); the prior's is uniform. γ counts finished
/// trials only; failed ones (NaN) are left out. Univariate proposals score each axis on its own; multivariate ones draw a
/// whole point from one component of l and score the product of the axes' densities per component, every observation's σ
/// being 0.2·n^(−1/(d+4))·width on d axes.
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
        var finished = observations.Count(o => o.Value is { } v && !double.IsNaN(v));
        if (finished < options.StartupTrials)
        {
            return space.ToImmutableDictionary(a => a.Name, a => SearchPlanner.Map(a, random.NextDouble()), StringComparer.Ordinal);
        }
        var (axes, good, bad) = Split(space, observations, options);

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

    /// <summary>
    /// The axes and the encoded good and bad observations, as Optuna 3.1 splits them: a NaN value (a failed trial) is left out;
    /// γ counts the finished trials only; finished trials rank before running ones (the liar), then by value, then by trial order;
    /// each side keeps trial order (it sets the weights).
    /// </summary>
    private static (Axis[] Axes, List<double[]> Good, List<double[]> Bad) Split(IReadOnlyList<ParameterSpace> space, IReadOnlyList<SearchObservation> observations, TpeOptions options)
    {
        var considered = observations
            .Select((o, order) => (o.Parameters, Value: o.Value ?? double.PositiveInfinity, Order: order, Running: o.Value is null))
            .Where(o => !double.IsNaN(o.Value) && (!o.Running || options.ConstantLiar))
            .ToList();
        var goodCount = Good(considered.Count(o => !o.Running));
        var ranked = considered.OrderBy(o => o.Running).ThenBy(o => o.Value).ThenBy(o => o.Order).ToList();
        // Several objectives or constraints: MOTPE's split (TpeSampler.Motpe.cs); else the best by value.
        var goodSet = NeedsMotpeSplit(observations)
            ? MotpeGood(observations, [.. considered.Select(o => o.Order)], goodCount)
            : ranked.Take(goodCount).Select(o => o.Order).ToHashSet();
        var axes = space.Select(Axis.Of).ToArray();
        var good = considered.Where(o => goodSet.Contains(o.Order)).Select(o => Encode(axes, o.Parameters)).ToList();
        var bad = considered.Where(o => !goodSet.Contains(o.Order)).Select(o => Encode(axes, o.Parameters)).ToList();
        return (axes, good, bad);
    }

    /// <summary>
    /// For tests: log l(x) and log g(x) at <paramref name="points"/> after the split of <see cref="Propose"/> — one row per axis
    /// (univariate) or a single row of the joint densities (multivariate).
    /// </summary>
    internal static (double[][] Good, double[][] Bad) LogDensities(IReadOnlyList<ParameterSpace> space, IReadOnlyList<SearchObservation> observations,
        IReadOnlyList<IReadOnlyDictionary<string, CampaignValue>> points, TpeOptions options)
    {
        var (axes, good, bad) = Split(space, observations, options);
        var encoded = points.Select(p => Encode(axes, p)).ToArray();
        if (options.Multivariate)
        {
            var l = axes.Select((axis, a) => new Estimator(axis, [.. good.Select(p => p[a])], options.PriorWeight, axes.Length)).ToArray();
            var g = axes.Select((axis, a) => new Estimator(axis, [.. bad.Select(p => p[a])], options.PriorWeight, axes.Length)).ToArray();
            return ([[.. encoded.Select(x => Estimator.JointLogDensity(l, x))]], [[.. encoded.Select(x => Estimator.JointLogDensity(g, x))]]);
        }
        var rows = axes.Select((axis, a) => (L: new Estimator(axis, [.. good.Select(p => p[a])], options.PriorWeight), G: new Estimator(axis, [.. bad.Select(p => p[a])], options.PriorWeight))).ToArray();
        return ([.. rows.Select((e, a) => encoded.Select(x => e.L.LogDensity(x[a])).ToArray())], [.. rows.Select((e, a) => encoded.Select(x => e.G.LogDensity(x[a])).ToArray())]);
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

        /// <summary>An int axis: its values are the step indices, and a density is the mass of the index's bin [k − ½, k + ½].</summary>
        public bool Discrete => Space is IntSpace;

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

        /// <summary>
        /// Per numeric component: log(√(2π)·(mass of the Gaussian inside the axis)), so a density costs one square. No log σ:
        /// Optuna 3.1's truncated-normal logpdf (samplers/_tpe/_truncnorm.py, logpdf) leaves the scale out, and its TPE scores
        /// with that, so a component weighs in proportion to w·σ rather than w.
        /// </summary>
        private readonly double[] _logNormalizers = [];

        /// <summary>Per numeric component: log of the mass of the Gaussian inside the axis (for an int axis's bin masses).</summary>
        private readonly double[] _logMasses = [];

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
                // Optuna 3.1: each category of an observation's row starts at prior weight / (n + 1), its own gets + 1.
                var share = priorWeight / (n + 1);
                _logHit = Math.Log((share + 1) / ((share * axis.Count) + 1));
                _logMiss = Math.Log(share / ((share * axis.Count) + 1));
                return;
            }
            var width = axis.High - axis.Low;
            _mus = [.. observations, 0.5 * (axis.Low + axis.High)];
            _sigmas = new double[n + 1];
            // σ of each component from its sorted neighbours — the prior's mean sorted among the observations, the axis ends
            // beyond the extremes, except that the extremes use their inner neighbour when there are two or more components —
            // clipped; then the prior's is set to the width.
            var minSigma = width / Math.Min(100.0, 1 + n + 1);
            if (jointDimensions is { } d)
            {
                var sigma = Math.Clamp(0.2 * Math.Pow(Math.Max(n, 1), -1.0 / (d + 4)) * width, minSigma, width);
                Array.Fill(_sigmas, sigma);
            }
            else
            {
                var m = n + 1;
                var mus = _mus;
                var order = Enumerable.Range(0, m).ToArray();
                Array.Sort(order, (i, j) => mus[i] != mus[j] ? mus[i].CompareTo(mus[j]) : i.CompareTo(j)); // ties in component order
                for (var r = 0; r < m; r++)
                {
                    var here = mus[order[r]];
                    var left = r > 0 ? here - mus[order[r - 1]] : here - axis.Low;
                    var right = r < m - 1 ? mus[order[r + 1]] - here : axis.High - here;
                    if (m >= 2 && r == 0)
                    {
                        left = right;
                    }
                    else if (m >= 2 && r == m - 1)
                    {
                        right = left;
                    }
                    _sigmas[order[r]] = Math.Clamp(Math.Max(left, right), minSigma, width);
                }
            }
            _sigmas[n] = width;
            _logNormalizers = new double[n + 1];
            _logMasses = new double[n + 1];
            for (var i = 0; i <= n; i++)
            {
                _logMasses[i] = LogGaussMass((axis.Low - _mus[i]) / _sigmas[i], (axis.High - _mus[i]) / _sigmas[i]);
                _logNormalizers[i] = (0.5 * Math.Log(2 * Math.PI)) + _logMasses[i];
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
            // Inverse CDF of the normal truncated to the axis; an int axis's sample is rounded to its index (half to even,
            // as numpy's round) before it is scored, as Optuna 3.1 does.
            var (mu, sigma) = (_mus[component], _sigmas[component]);
            var a = Cdf((_axis.Low - mu) / sigma);
            var b = Cdf((_axis.High - mu) / sigma);
            var p = a + (random.NextDouble() * (b - a));
            var x = mu + (sigma * Math.Sqrt(2) * SpecialFunctions.ErfInv((2 * Math.Clamp(p, 1e-300, 1 - 1e-16)) - 1));
            x = Math.Clamp(double.IsFinite(x) ? x : mu, _axis.Low, _axis.High);
            return _axis.Discrete ? Math.Clamp(Math.Round(x), _axis.Low + 0.5, _axis.High - 0.5) : x;
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
        /// log of component <paramref name="i"/>'s density at x (Optuna 3.1's: no log σ; an int index's bin mass). For categories,
        /// an observation's component is smoothed towards the prior: (s + [x is its category]) / (count·s + 1) with
        /// s = prior / (observations + 1); the prior's is 1 / count.
        /// </summary>
        private double ComponentLogDensity(int i, double x)
        {
            if (_axis.Categorical)
            {
                return i == _observed.Length ? _logUniform : (int)x == _observed[i] ? _logHit : _logMiss;
            }
            if (_axis.Discrete)
            {
                // The mass of the bin [x − ½, x + ½] (within the axis) under the truncated component.
                var (mu, sigma) = (_mus[i], _sigmas[i]);
                return LogGaussMass((Math.Max(x - 0.5, _axis.Low) - mu) / sigma, (Math.Min(x + 0.5, _axis.High) - mu) / sigma) - _logMasses[i];
            }
            var z = (x - _mus[i]) / _sigmas[i];
            return (-0.5 * z * z) - _logNormalizers[i];
        }

        /// <summary>log(Φ(b) − Φ(a)), a ≤ b, accurate in either tail (the side of 0 that holds the interval is computed).</summary>
        private static double LogGaussMass(double a, double b)
        {
            if (a < -8 && b > 8)
            {
                return 0; // the mass is 1 to 1e-15 (and erfc costs 30 times an exp)
            }
            if (b <= 0)
            {
                return LogDiff(LogCdf(b), LogCdf(a));
            }
            if (a > 0)
            {
                return LogDiff(LogCdf(-a), LogCdf(-b));
            }
            return Math.Log(Math.Max(1 - Cdf(a) - Cdf(-b), 0));
        }

        /// <summary>log(e^p − e^q) for q ≤ p.</summary>
        private static double LogDiff(double p, double q) => double.IsNegativeInfinity(p) ? p : p + Log1P(-Math.Exp(q - p));

        private static double Log1P(double x)
        {
            var u = 1 + x;
            return u == 1 ? x : u == 0 ? double.NegativeInfinity : Math.Log(u) * x / (u - 1);
        }

        /// <summary>log Φ(z): below z = −20 from the asymptotic series of Mills' ratio, where Φ underflows.</summary>
        private static double LogCdf(double z)
        {
            if (z > 6)
            {
                return -Cdf(-z);
            }
            if (z > -20)
            {
                return Math.Log(Cdf(z));
            }
            // Φ(z) ≈ φ(z)/(−z) · (1 − 1/z² + 3/z⁴ − 15/z⁶ + …), summed until the terms stop changing the total.
            var (total, term, inverse) = (1.0, 1.0, 1 / (z * z));
            for (var k = 1; k < 50; k++)
            {
                term *= -(2 * k - 1) * inverse;
                var next = total + term;
                if (next == total)
                {
                    break;
                }
                total = next;
            }
            return (-0.5 * z * z) - Math.Log(-z) - (0.5 * Math.Log(2 * Math.PI)) + Math.Log(total);
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
