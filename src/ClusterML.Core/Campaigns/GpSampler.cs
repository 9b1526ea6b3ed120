using System.Collections.Immutable;
using MathNet.Numerics.Distributions;
using MathNet.Numerics.LinearAlgebra;
using MathNet.Numerics.Optimization;

namespace ClusterML.Core.Campaigns;

/// <summary>
/// Settings of <see cref="GpSampler"/>: <see cref="StartupTrials"/> random proposals before the model is used (10),
/// <see cref="Candidates"/> random points at which expected improvement is evaluated before the best few are refined (2 000),
/// and <see cref="ConstantLiar"/> (running trials count as the worst result seen, so parallel proposals spread out).
/// </summary>
public sealed record GpOptions(int StartupTrials = 10, int Candidates = 2000, bool ConstantLiar = true)
{
    public static GpOptions Default { get; } = new();

    /// <summary>The most axes a GP search models.</summary>
    public const int MaxDimensions = 20;
}

/// <summary>
/// Gaussian-process Bayesian optimisation with expected improvement. Until <see cref="GpOptions.StartupTrials"/> trials have
/// finished, proposals are uniform draws. Then every axis is mapped to [0, 1] (log-uniform in the logarithm, int axes by step
/// index), the objective standardised, and a GP with a Matérn-5/2 kernel with one length scale per axis, a signal variance and
/// a noise variance is fitted by maximising the log marginal likelihood (Nelder–Mead from several starts, in log space, within
/// bounds); the point proposed maximises expected improvement over the best value, searched among
/// <see cref="GpOptions.Candidates"/> random points and refined around the best ten. Linear algebra is MathNet.Numerics'
/// (Cholesky). Choice axes are not modelled (use TPE). Pure and deterministic from the seed and the observations. Thread-safe.
/// </summary>
public static class GpSampler
{
    /// <exception cref="ArgumentException">A choice axis, more than <see cref="GpOptions.MaxDimensions"/> axes, or an observation outside the space.</exception>
    public static ImmutableDictionary<string, CampaignValue> Propose(IReadOnlyList<ParameterSpace> space, IReadOnlyList<SearchObservation> observations,
        int seed, GpOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(space);
        ArgumentNullException.ThrowIfNull(observations);
        options ??= GpOptions.Default;
        if (space.FirstOrDefault(a => a is ChoiceSpace) is { } choice)
        {
            throw new ArgumentException($"gp search models numeric axes only; '{choice.Name}' is a choice", nameof(space));
        }
        if (space.Count > GpOptions.MaxDimensions)
        {
            throw new ArgumentException($"gp search models at most {GpOptions.MaxDimensions} axes", nameof(space));
        }
        var random = new Random(seed);
        var finished = observations.Where(o => o.Value is { } v && double.IsFinite(v)).ToList();
        if (finished.Count < options.StartupTrials || finished.Count < 2)
        {
            return space.ToImmutableDictionary(a => a.Name, a => SearchPlanner.Map(a, random.NextDouble()), StringComparer.Ordinal);
        }
        // Running trials (and stopped ones, whose value is +∞) as the worst finite value seen: the liar.
        var worst = finished.Max(o => o.Value!.Value);
        var used = observations
            .Where(o => o.Value is { } v ? !double.IsNaN(v) : options.ConstantLiar)
            .Select(o => (X: Encode(space, o.Parameters), Y: o.Value is { } v && double.IsFinite(v) ? v : worst))
            .ToList();
        var mean = used.Average(o => o.Y);
        var spread = Math.Sqrt(used.Average(o => (o.Y - mean) * (o.Y - mean)));
        spread = spread > 0 ? spread : 1;
        var x = used.Select(o => o.X).ToArray();
        var y = Vector<double>.Build.Dense([.. used.Select(o => (o.Y - mean) / spread)]);
        var model = Fit(x, y, space.Count, random);
        var best = used.Where(o => o.Y < worst || finished.Count == used.Count).Min(o => (o.Y - mean) / spread);

        // Expected improvement among random candidates, then a local search around the best ten.
        var candidates = Enumerable.Range(0, options.Candidates).Select(_ => Enumerable.Range(0, space.Count).Select(_ => random.NextDouble()).ToArray()).ToList();
        var scored = candidates.Select(c => (Point: c, Score: model.ExpectedImprovement(c, best))).OrderByDescending(c => c.Score).Take(10).ToList();
        var top = scored[0];
        foreach (var start in scored)
        {
            var (point, score) = start;
            var step = 0.05;
            for (var i = 0; i < 60; i++)
            {
                var trial = point.Select(v => Math.Clamp(v + (step * Gaussian(random)), 0, 1)).ToArray();
                var s = model.ExpectedImprovement(trial, best);
                if (s > score)
                {
                    (point, score) = (trial, s);
                }
                else if (i % 10 == 9)
                {
                    step *= 0.5;
                }
            }
            if (score > top.Score)
            {
                top = (point, score);
            }
        }
        return space.Select((axis, a) => (axis.Name, Value: Decode(axis, top.Point[a]))).ToImmutableDictionary(p => p.Name, p => p.Value, StringComparer.Ordinal);
    }

    private static double Gaussian(Random random) => Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());

    private static double[] Encode(IReadOnlyList<ParameterSpace> space, IReadOnlyDictionary<string, CampaignValue> parameters)
    {
        var point = new double[space.Count];
        for (var a = 0; a < space.Count; a++)
        {
            if (!parameters.TryGetValue(space[a].Name, out var value) || !value.TryGetDouble(out var v))
            {
                throw new ArgumentException($"an observation has no number for '{space[a].Name}'", nameof(parameters));
            }
            point[a] = space[a] switch
            {
                IntSpace i => i.Count > 1 ? Math.Clamp((v - i.Low) / i.Step / (i.Count - 1), 0, 1) : 0.5,
                UniformSpace u => Math.Clamp((v - u.Low) / (u.High - u.Low), 0, 1),
                LogUniformSpace l when v > 0 => Math.Clamp((Math.Log(v) - Math.Log(l.Low)) / (Math.Log(l.High) - Math.Log(l.Low)), 0, 1),
                _ => throw new ArgumentException($"'{value}' is not a value of '{space[a].Name}'", nameof(parameters)),
            };
        }
        return point;
    }

    private static CampaignValue Decode(ParameterSpace axis, double u) => axis switch
    {
        IntSpace i => new CampaignValue.Integer(i.ValueAt((long)Math.Clamp(Math.Round(u * (i.Count - 1)), 0, i.Count - 1))),
        UniformSpace s => new CampaignValue.Real(Math.Clamp(s.Low + (u * (s.High - s.Low)), s.Low, s.High)),
        LogUniformSpace l => new CampaignValue.Real(Math.Clamp(Math.Exp(Math.Log(l.Low) + (u * (Math.Log(l.High) - Math.Log(l.Low)))), l.Low, l.High)),
        _ => throw new ArgumentOutOfRangeException(nameof(axis), axis, "gp search models numeric axes only"),
    };

    /// <summary>
    /// The GP's hyperparameters by maximum marginal likelihood: θ = (log ℓ₁ … log ℓ_d, log σ_f², log σ_n²), ℓ in [0.01, 10],
    /// σ_f² in [0.05, 20], σ_n² in [1e-6, 1] (the objective is standardised), from three starts of at most 150·(d + 2) evaluations.
    /// </summary>
    private static Model Fit(double[][] x, Vector<double> y, int dimensions, Random random)
    {
        double[] lower = [.. Enumerable.Repeat(Math.Log(0.01), dimensions), Math.Log(0.05), Math.Log(1e-6)];
        double[] upper = [.. Enumerable.Repeat(Math.Log(10.0), dimensions), Math.Log(20.0), Math.Log(1.0)];
        double Objective(Vector<double> theta)
        {
            // Outside the bounds: the likelihood at the bound, plus a penalty that leads back.
            var clamped = theta.Select((t, i) => Math.Clamp(t, lower[i], upper[i])).ToArray();
            var penalty = theta.Select((t, i) => Math.Pow(t - clamped[i], 2)).Sum();
            var model = Model.Create(x, y, clamped);
            return (model is null ? 1e10 : -model.LogLikelihood) + (1e3 * penalty);
        }
        Model? best = null;
        var bestValue = double.PositiveInfinity;
        double[][] starts =
        [
            [.. Enumerable.Repeat(Math.Log(0.3), dimensions), 0, Math.Log(1e-2)],
            [.. Enumerable.Repeat(Math.Log(1.0), dimensions), 0, Math.Log(1e-3)],
            [.. Enumerable.Range(0, dimensions + 2).Select(i => lower[i] + (random.NextDouble() * (upper[i] - lower[i])))],
        ];
        foreach (var start in starts)
        {
            Vector<double> theta;
            try
            {
                var result = NelderMeadSimplex.Minimum(ObjectiveFunction.Value(Objective), Vector<double>.Build.Dense(start), 1e-6, 150 * (dimensions + 2));
                theta = result.MinimizingPoint;
            }
            catch (MaximumIterationsException)
            {
                theta = Vector<double>.Build.Dense(start);
            }
            var clamped = theta.Select((t, i) => Math.Clamp(t, lower[i], upper[i])).ToArray();
            if (Model.Create(x, y, clamped) is { } model && -model.LogLikelihood < bestValue)
            {
                (best, bestValue) = (model, -model.LogLikelihood);
            }
        }
        // Some start always gives a positive definite matrix: the noise floor keeps it so.
        return best ?? Model.Create(x, y, starts[0])!;
    }

    /// <summary>A GP conditioned on the data: the Cholesky factor and K⁻¹y for predictions.</summary>
    private sealed class Model
    {
        private readonly double[][] _x;
        private readonly double[] _lengths;
        private readonly double _signal;
        private readonly MathNet.Numerics.LinearAlgebra.Factorization.Cholesky<double> _cholesky;
        private readonly Vector<double> _alpha;

        private Model(double[][] x, double[] lengths, double signal, MathNet.Numerics.LinearAlgebra.Factorization.Cholesky<double> cholesky, Vector<double> alpha, double logLikelihood) =>
            (_x, _lengths, _signal, _cholesky, _alpha, LogLikelihood) = (x, lengths, signal, cholesky, alpha, logLikelihood);

        public double LogLikelihood { get; }

        /// <summary>The model for θ (see <see cref="Fit"/>), or null when the kernel matrix is not positive definite.</summary>
        public static Model? Create(double[][] x, Vector<double> y, double[] theta)
        {
            var d = x[0].Length;
            var lengths = theta.Take(d).Select(Math.Exp).ToArray();
            var signal = Math.Exp(theta[d]);
            var noise = Math.Exp(theta[d + 1]);
            var n = x.Length;
            var k = Matrix<double>.Build.Dense(n, n, (i, j) => Kernel(x[i], x[j], lengths, signal) + (i == j ? noise + 1e-9 : 0));
            try
            {
                var cholesky = k.Cholesky();
                var alpha = cholesky.Solve(y);
                var logDet = 2 * Enumerable.Range(0, n).Sum(i => Math.Log(cholesky.Factor[i, i]));
                var logLikelihood = (-0.5 * y.DotProduct(alpha)) - (0.5 * logDet) - (0.5 * n * Math.Log(2 * Math.PI));
                return double.IsFinite(logLikelihood) ? new Model(x, lengths, signal, cholesky, alpha, logLikelihood) : null;
            }
            catch (ArgumentException)
            {
                return null; // not positive definite
            }
        }

        /// <summary>Matérn 5/2: σ_f²·(1 + √5 r + 5r²/3)·exp(−√5 r), r the length-scaled distance.</summary>
        private static double Kernel(double[] a, double[] b, double[] lengths, double signal)
        {
            var r2 = 0.0;
            for (var i = 0; i < a.Length; i++)
            {
                var t = (a[i] - b[i]) / lengths[i];
                r2 += t * t;
            }
            var r = Math.Sqrt(5 * r2);
            return signal * (1 + r + (r * r / 3)) * Math.Exp(-r);
        }

        /// <summary>Expected improvement over <paramref name="best"/> (minimisation) at a point of [0, 1]^d.</summary>
        public double ExpectedImprovement(double[] point, double best)
        {
            var kStar = Vector<double>.Build.Dense(_x.Length, i => Kernel(point, _x[i], _lengths, _signal));
            var mean = kStar.DotProduct(_alpha);
            var variance = Math.Max(_signal - kStar.DotProduct(_cholesky.Solve(kStar)), 1e-12);
            var sigma = Math.Sqrt(variance);
            var z = (best - mean) / sigma;
            return ((best - mean) * Normal.CDF(0, 1, z)) + (sigma * Normal.PDF(0, 1, z));
        }
    }
}
