using ScalarSafeAdam = ClusterML.Engines.Torch.Optimizers.Adam;
using ClusterML.Engines.Torch;
using System.Diagnostics;
using ClusterML.Core.Engines;
using ClusterML.Engines.FiniteDifferences;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace ClusterML.Engines.Pinn.Heat;

/// <summary>One logged step: its loss and components (weighted sum = <see cref="Loss"/>), the current weights, and every
/// <see cref="PinnHeatSettings.ReportEvery"/> steps the current relative L2 error and α.</summary>
public sealed record PinnEpoch(int Epoch, string Stage, double Loss, double Pde, double? Boundary, double? Initial, double? Data,
    double WeightBoundary, double WeightInitial, double WeightData, double? RelativeL2 = null, double? Alpha = null);

/// <summary>
/// Trains the heat PINN: Adam (exponential learning-rate decay to a tenth, periodic resampling with residual-based
/// refinement, optional learning-rate-annealing loss weights), then L-BFGS on a fixed point set with a divergence guard
/// (restores the best weights and halves the step). TorchSharp's L-BFGS has no line search; its closure returns a detached
/// loss, since the native side keeps whatever the closure returns (a graph-holding loss leaks megabytes per call).
/// <para>
/// The Adam epochs train in segments: with <c>untilEpoch</c> before the last epoch the run stops there and its
/// <see cref="PinnHeatRun.Segment"/> holds the exact state to continue from (<see cref="PinnHeatSegment"/>); given such a state
/// the run continues with the settings' current learning rate (its decay schedule evaluated at the epoch reached) and loss
/// weights. L-BFGS polishing runs only in the last segment (it is a separate phase with its own fixed point set, so no segment
/// before the last has any). The collocation points after a checkpoint are the same as in one piece: the sampler's draws are a
/// function of the seed and the epochs' resampling schedule, which is replayed; the current (residual-refined) points are stored.
/// </para>
/// </summary>
public static class PinnHeatTrainer
{
    /// <summary>Moving-average factor of the annealed weights (Wang, Teng &amp; Perdikaris 2021 use 0.9).</summary>
    public const double AnnealingRate = 0.9;

    /// <summary>
    /// Bounds of the annealed weights. Unbounded, the max/mean ratio runs away on this problem: the t = 0 corner makes the
    /// residual's gradients grow as the network sharpens the jump, which raises the weights, which sharpens the jump (measured:
    /// PDE loss 6 → 9000 within 1000 steps).
    /// </summary>
    public const double MinWeight = 0.01;

    public const double MaxWeight = 100;

    /// <summary>Candidate pool for residual-based refinement, as a multiple of the collocation points.</summary>
    public const int RefinePool = 4;

    public static PinnHeatRun Train(PinnHeatSettings settings, int seed, string device = "cpu", IProgress<PinnEpoch>? progress = null,
        CancellationToken cancellationToken = default) =>
        Train(settings, seed, device, progress, null, null, cancellationToken);

    /// <summary>
    /// A run that continues <paramref name="resume"/> (a <see cref="PinnHeatRun.Segment"/> of an earlier run, whose fit
    /// <paramref name="resumeFrom"/> names in errors; null: from the seed's initial weights) and stops after Adam epoch
    /// <paramref name="untilEpoch"/> (null or ≥ the epochs: runs to the end, L-BFGS included).
    /// </summary>
    /// <exception cref="ClusterML.Core.Validation.InvalidInputException">The state was trained with another network (names the setting).</exception>
    public static PinnHeatRun Train(PinnHeatSettings settings, int seed, string device, IProgress<PinnEpoch>? progress,
        IReadOnlyDictionary<string, byte[]>? resume, int? untilEpoch, CancellationToken cancellationToken, string resumeFrom = "the checkpoint")
    {
        settings = settings.Validated();
        var lastEpoch = Math.Min(settings.Epochs, untilEpoch ?? settings.Epochs);
        var final = lastEpoch >= settings.Epochs;
        var state = resume is null ? null : PinnHeatSegment.Read(resume, settings, resumeFrom);
        if (state is not null && state.Epoch > lastEpoch)
        {
            throw new ClusterML.Core.Validation.InvalidInputException("start_from", $"{resumeFrom} is at epoch {state.Epoch}, past epoch {lastEpoch} where this run stops");
        }
        var dev = TorchDevices.Resolve(device);
        // Always set: on a worker's reused slot threads the previous trial's count would otherwise carry over.
        TorchThreads.Apply(settings.Threads);
        var clock = Stopwatch.StartNew();
        var p = settings.Problem;
        var kappaTrue = p.Alpha * settings.TEnd / (p.Length * p.Length);
        var kappaInitial = settings.Inverse ? settings.AlphaInitial * settings.TEnd / (p.Length * p.Length) : kappaTrue;
        var net = new HeatPinnNetwork(settings, kappaInitial, Seeds.Derive(seed, 1));
        net.to(dev);
        var session = new Session(settings, net, dev, new CollocationSampler(settings.Sampling, Seeds.Derive(seed, 2)));
        try
        {
            var grid = EvaluationGrid.For(settings);
            var history = new List<PinnEpoch>(settings.Epochs + settings.LbfgsSteps);
            var total = settings.Epochs + settings.LbfgsSteps;
            var firstEpoch = 1;
            if (state is not null)
            {
                using (var weights = new MemoryStream(state.Weights))
                {
                    net.load(weights);
                }
                for (var epoch = 1; epoch <= state.Epoch; epoch++)
                {
                    if (Resamples(settings, epoch))
                    {
                        session.SkipResample();
                    }
                }
                session.Continue(state.Interior, state.WeightBoundary, state.WeightInitial, state.WeightData);
                history.AddRange(state.History);
                firstEpoch = state.Epoch + 1;
            }
            IReadOnlyDictionary<string, byte[]>? segment = null;

            void Log(PinnEpoch epoch, bool report)
            {
                if (report)
                {
                    epoch = epoch with { RelativeL2 = grid.RelativeL2(session.Predict(grid.Rows)), Alpha = settings.Inverse ? net.Alpha : null };
                    progress?.Report(epoch);
                }
                history.Add(epoch);
            }

            // Adam
            var adamClock = Stopwatch.StartNew();
            if (settings.Epochs > 0)
            {
                using var adam = new ScalarSafeAdam(session.Trainable, settings.LearningRate);
                var decay = Math.Pow(0.1, 1.0 / settings.Epochs);
                if (state is not null)
                {
                    // Adam's saved options would bring the old learning rate: the current one, decayed as far as the epoch reached.
                    using (var moments = new MemoryStream(state.Optimizer))
                    using (var reader = new BinaryReader(moments))
                    {
                        adam.load_state_dict(reader);
                    }
                    var lr = settings.LearningRate;
                    for (var epoch = 1; epoch <= state.Epoch; epoch++)
                    {
                        lr *= decay;
                    }
                    foreach (var group in adam.ParamGroups)
                    {
                        group.LearningRate = lr;
                        group.InitialLearningRate = settings.LearningRate;
                    }
                }
                for (var epoch = firstEpoch; epoch <= lastEpoch; epoch++)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    if (settings.Weighting == LossWeighting.Annealing && epoch % settings.AnnealEvery == 1)
                    {
                        session.Anneal();
                    }
                    PinnEpoch logged;
                    using (NewDisposeScope())
                    {
                        adam.zero_grad();
                        var parts = session.Loss();
                        parts.Total.backward();
                        adam.step();
                        logged = parts.Read(epoch, "adam", session);
                    }
                    foreach (var group in adam.ParamGroups)
                    {
                        group.LearningRate *= decay;
                    }
                    Log(logged, epoch % settings.ReportEvery == 0 || epoch == settings.Epochs);
                    if (Resamples(settings, epoch))
                    {
                        session.Resample();
                    }
                }
                if (!final)
                {
                    segment = PinnHeatSegment.Write(settings, lastEpoch, net, adam, session.Interior(), session.WeightBoundary, session.WeightInitial, session.WeightData, history);
                }
            }
            var adamSeconds = adamClock.Elapsed.TotalSeconds;

            // L-BFGS
            var lbfgsClock = Stopwatch.StartNew();
            var lbfgsEvaluations = 0;
            if (settings.LbfgsSteps > 0 && final)
            {
                var step = 1.0;
                var lbfgs = NewLbfgs(session, step);
                var best = session.Snapshot();
                var bestLoss = double.PositiveInfinity;
                PinnEpoch? last = null;
                try
                {
                    for (var k = 1; k <= settings.LbfgsSteps; k++)
                    {
                        cancellationToken.ThrowIfCancellationRequested();
                        lbfgs.step(() =>
                        {
                            using var scope = NewDisposeScope();
                            lbfgs.zero_grad();
                            var parts = session.Loss();
                            parts.Total.backward();
                            last = parts.Read(settings.Epochs + k, "lbfgs", session);
                            lbfgsEvaluations++;
                            return parts.Total.detach().MoveToOuterDisposeScope();
                        });
                        var value = last!.Loss;
                        if (!double.IsFinite(value) || value > 10 * bestLoss)
                        {
                            session.Restore(best);
                            step /= 2;
                            lbfgs.Dispose();
                            lbfgs = NewLbfgs(session, step);
                            if (step < 1e-3)
                            {
                                break;
                            }
                            continue;
                        }
                        if (value < bestLoss)
                        {
                            bestLoss = value;
                            Session.Dispose(best);
                            best = session.Snapshot();
                        }
                        Log(last, k % Math.Max(1, settings.ReportEvery / 10) == 0 || k == settings.LbfgsSteps);
                    }
                    session.Restore(best);
                }
                finally
                {
                    lbfgs.Dispose();
                    Session.Dispose(best);
                }
            }
            var lbfgsSeconds = lbfgsClock.Elapsed.TotalSeconds;

            var predicted = session.Predict(grid.Rows);
            var fd = FdReference.Evaluate(p, grid.X, grid.Times, cancellationToken);
            var fdFlat = grid.Flatten(fd);
            var metrics = new Dictionary<string, double>
            {
                ["rel_l2_vs_analytic"] = grid.RelativeL2(predicted),
                ["rel_l2_vs_fd"] = EvaluationGrid.RelativeL2(predicted, fdFlat),
                ["rel_l2_fd_vs_analytic"] = grid.RelativeL2(fdFlat),
                ["max_abs_error_vs_analytic"] = grid.MaxAbsError(predicted),
                ["final_loss"] = history.Count > 0 ? history[^1].Loss : double.NaN,
                ["adam_steps"] = lastEpoch - firstEpoch + 1,
                ["adam_seconds"] = adamSeconds,
                ["adam_ms_per_step"] = lastEpoch >= firstEpoch ? adamSeconds * 1000 / (lastEpoch - firstEpoch + 1) : 0,
                ["lbfgs_steps"] = final ? settings.LbfgsSteps : 0,
                ["lbfgs_evaluations"] = lbfgsEvaluations,
                ["lbfgs_seconds"] = lbfgsSeconds,
                ["wall_seconds"] = clock.Elapsed.TotalSeconds,
                ["eval_min_tau"] = settings.EvalMinTau,
            };
            if (!final)
            {
                metrics["epoch"] = lastEpoch;
            }
            if (settings.Inverse)
            {
                metrics["alpha"] = net.Alpha;
                metrics["alpha_reference"] = p.Alpha;
                metrics["alpha_rel_error"] = Math.Abs(net.Alpha - p.Alpha) / p.Alpha;
            }
            return new PinnHeatRun(settings, net, history, grid, predicted, fdFlat, metrics) { Segment = segment };
        }
        catch
        {
            net.Dispose();
            throw;
        }
        finally
        {
            session.Dispose();
        }
    }

    /// <summary>True when the points are resampled after Adam epoch <paramref name="epoch"/>.</summary>
    private static bool Resamples(PinnHeatSettings settings, int epoch) =>
        settings.ResampleEvery > 0 && epoch % settings.ResampleEvery == 0 && epoch < settings.Epochs;

    private static LBFGS NewLbfgs(Session session, double step) =>
        optim.LBFGS(session.Trainable, lr: step, max_iter: LbfgsIterationsPerStep, max_eval: 25, tolerange_grad: 1e-12, tolerance_change: 1e-15, history_size: 50);

    /// <summary>Iterations (each one loss-and-gradient evaluation) of one L-BFGS step; the tolerances are tiny, so steps use them all.</summary>
    public const int LbfgsIterationsPerStep = 20;

    /// <summary>
    /// The fraction of a run's work done after <paramref name="epoch"/> (Adam epochs, then L-BFGS steps counted on from
    /// <see cref="PinnHeatSettings.Epochs"/>), counted in loss-and-gradient evaluations, which cost about the same in both
    /// phases (10.7 ms per Adam step, 9.5 ms per L-BFGS evaluation, docs/benchmarks.md): an L-BFGS step weighs
    /// <see cref="LbfgsIterationsPerStep"/> Adam epochs, and 100 L-BFGS steps after 2000 Adam epochs are half the run.
    /// </summary>
    public static double WorkDone(PinnHeatSettings settings, int epoch)
    {
        var total = settings.Epochs + ((double)settings.LbfgsSteps * LbfgsIterationsPerStep);
        var done = epoch <= settings.Epochs ? epoch : settings.Epochs + ((double)(epoch - settings.Epochs) * LbfgsIterationsPerStep);
        return total <= 0 ? 1 : Math.Clamp(done / total, 0, 1);
    }

    /// <summary>Loss terms of one evaluation (tensors in the current dispose scope).</summary>
    private sealed record LossParts(Tensor Total, Tensor Pde, Tensor? Boundary, Tensor? Initial, Tensor? Data)
    {
        public PinnEpoch Read(int epoch, string stage, Session session) =>
            new(epoch, stage, Total.ToDouble(), Pde.ToDouble(), Boundary?.ToDouble(), Initial?.ToDouble(), Data?.ToDouble(),
                session.WeightBoundary, session.WeightInitial, session.WeightData);
    }

    /// <summary>The point sets and the loss of one training run.</summary>
    private sealed class Session : IDisposable
    {
        private readonly PinnHeatSettings _settings;
        private readonly HeatPinnNetwork _net;
        private readonly Device _device;
        private readonly CollocationSampler _sampler;
        private readonly Parameter[] _network;
        private Tensor _interior;
        private readonly Tensor? _left;
        private readonly Tensor? _right;
        private readonly Tensor? _initial;
        private readonly Tensor? _observedAt;
        private readonly Tensor? _observed;

        public Session(PinnHeatSettings settings, HeatPinnNetwork net, Device device, CollocationSampler sampler)
        {
            (_settings, _net, _device, _sampler) = (settings, net, device, sampler);
            Trainable = [.. net.parameters().Where(x => x.requires_grad)];
            _network = [.. net.named_parameters().Where(x => x.name != "log_kappa").Select(x => x.parameter)];
            WeightBoundary = settings.WeightBoundary;
            WeightInitial = settings.WeightInitial;
            WeightData = settings.WeightData;
            _interior = Points(sampler.Interior(settings.Collocation), requiresGrad: true);
            if (settings.Constraints == HeatConstraints.Soft)
            {
                var s = sampler.Line(settings.BoundaryPoints);
                _left = Points([.. s.Select(v => new[] { 0.0, 1.0 - v })]);
                _right = Points([.. s.Select(v => new[] { 1.0, 1.0 - v })]);
            }
            if (settings.Constraints != HeatConstraints.All)
            {
                _initial = Points([.. sampler.Line(settings.BoundaryPoints).Select(v => new[] { v, 0.0 })]);
            }
            if (settings.Observations.Count > 0)
            {
                var p = settings.Problem;
                _observedAt = Points([.. settings.Observations.Select(o => new[] { o.X / p.Length, o.T / settings.TEnd })]);
                _observed = tensor(settings.Observations.Select(o => o.Temperature).ToArray(), dtype: net.DType, device: device).reshape(-1, 1);
            }
        }

        public Parameter[] Trainable { get; }

        public double WeightBoundary { get; private set; }

        public double WeightInitial { get; private set; }

        public double WeightData { get; private set; }

        public LossParts Loss()
        {
            var pde = Residual(_interior).square().mean();
            var p = _settings.Problem;
            var boundary = _left is null ? null : _net.forward(_left).Minus(p.Left).square().mean().Plus(_net.forward(_right!).Minus(p.Right).square().mean()).DividedBy(2.0);
            var initial = _initial is null ? null : _net.forward(_initial).Minus(p.Initial).square().mean();
            var data = _observedAt is null ? null : (_net.forward(_observedAt) - _observed!).square().mean();
            var total = pde.Times(_settings.WeightPde);
            if (boundary is not null)
            {
                total = total.Plus(boundary.Times(WeightBoundary));
            }
            if (initial is not null)
            {
                total = total.Plus(initial.Times(WeightInitial));
            }
            if (data is not null)
            {
                total = total.Plus(data.Times(WeightData));
            }
            return new LossParts(total, pde, boundary, initial, data);
        }

        /// <summary>W_s − κ W_ξξ at the points (divided by t_end when the residual is written in physical units).</summary>
        private Tensor Residual(Tensor points)
        {
            var (_, w) = _net.Parts(points);
            var (_, wS, wXiXi) = HeatDerivatives.Of(w, points);
            var residual = wS - (_net.Kappa * wXiXi);
            return _settings.NonDimensional ? residual : residual.DividedBy(_settings.TEnd);
        }

        /// <summary>Learning-rate annealing: λ̂_i = max|∇L_pde| / mean|∇L_i| over the network weights; λ_i ← (1−β)λ_i + βλ̂_i.</summary>
        public void Anneal()
        {
            using var scope = NewDisposeScope();
            var parts = Loss();
            var terms = new List<(Tensor Term, Action<double> Set, double Current)>();
            if (parts.Boundary is not null)
            {
                terms.Add((parts.Boundary, v => WeightBoundary = v, WeightBoundary));
            }
            if (parts.Initial is not null)
            {
                terms.Add((parts.Initial, v => WeightInitial = v, WeightInitial));
            }
            if (parts.Data is not null)
            {
                terms.Add((parts.Data, v => WeightData = v, WeightData));
            }
            if (terms.Count == 0)
            {
                return;
            }
            var pdeGrads = autograd.grad([parts.Pde.Times(_settings.WeightPde)], _network, retain_graph: true, allow_unused: true);
            var maxPde = pdeGrads.Where(x => x is not null && !x.IsInvalid && x.numel() > 0).Max(x => x.abs().max().ToDouble());
            foreach (var (term, set, current) in terms)
            {
                var grads = autograd.grad([term], _network, retain_graph: true, allow_unused: true).Where(x => x is not null && !x.IsInvalid && x.numel() > 0).ToArray();
                var count = grads.Sum(x => x.numel());
                var mean = grads.Sum(x => x.abs().sum().ToDouble()) / Math.Max(1, count);
                if (mean > 0 && double.IsFinite(maxPde / mean))
                {
                    set(Math.Clamp(((1 - AnnealingRate) * current) + (AnnealingRate * (maxPde / mean)), MinWeight, MaxWeight));
                }
            }
        }

        /// <summary>Fresh interior points; with refinement, a share of them drawn ∝ |residual| from a larger candidate pool.</summary>
        public void Resample()
        {
            var n = _settings.Collocation;
            var refined = (int)Math.Round(n * _settings.RefineFraction);
            var fresh = _sampler.Interior(n - refined).ToList();
            if (refined > 0)
            {
                var pool = _sampler.Interior(RefinePool * n);
                double[] magnitude;
                using (NewDisposeScope())
                {
                    var candidates = Points(pool, requiresGrad: true);
                    using var r = Residual(candidates).detach().abs().cpu().to(ScalarType.Float64);
                    magnitude = r.data<double>().ToArray();
                }
                fresh.AddRange(_sampler.Weighted(magnitude, refined).Select(i => pool[i]));
            }
            var old = _interior;
            _interior = Points([.. fresh], requiresGrad: true);
            old.Dispose();
        }

        /// <summary>Draws from the sampler exactly what <see cref="Resample"/> draws (the residual only weighs the picks, not their number).</summary>
        public void SkipResample()
        {
            var n = _settings.Collocation;
            var refined = (int)Math.Round(n * _settings.RefineFraction);
            _sampler.Interior(n - refined);
            if (refined > 0)
            {
                _sampler.Interior(RefinePool * n);
                _sampler.Weighted(Enumerable.Repeat(1.0, RefinePool * n).ToArray(), refined);
            }
        }

        /// <summary>The current interior points, flattened (ξ0 s0 ξ1 s1 …).</summary>
        public double[] Interior()
        {
            using var scope = NewDisposeScope();
            return _interior.detach().cpu().to(ScalarType.Float64).data<double>().ToArray();
        }

        /// <summary>Takes up a stored state: its interior points and annealed weights.</summary>
        public void Continue(double[] interior, double weightBoundary, double weightInitial, double weightData)
        {
            var old = _interior;
            _interior = tensor(interior, [interior.Length / 2, 2], dtype: _net.DType, device: _device).DetachFromDisposeScope().requires_grad_();
            old.Dispose();
            (WeightBoundary, WeightInitial, WeightData) = (weightBoundary, weightInitial, weightData);
        }

        public double[] Predict(double[][] rows) => _net.Evaluate(Flatten(rows), _device);

        public Dictionary<string, Tensor> Snapshot()
        {
            using var noGrad = no_grad();
            return _net.state_dict().ToDictionary(x => x.Key, x => x.Value.clone().DetachFromDisposeScope());
        }

        public void Restore(Dictionary<string, Tensor> snapshot)
        {
            using var noGrad = no_grad();
            foreach (var (name, value) in _net.state_dict())
            {
                value.copy_(snapshot[name]);
            }
        }

        public static void Dispose(Dictionary<string, Tensor> snapshot)
        {
            foreach (var t in snapshot.Values)
            {
                t.Dispose();
            }
        }

        public Tensor Points(double[][] rows, bool requiresGrad = false)
        {
            var t = tensor(Flatten(rows), [rows.Length, 2], dtype: _net.DType, device: _device).DetachFromDisposeScope();
            return requiresGrad ? t.requires_grad_() : t;
        }

        private static double[] Flatten(double[][] rows)
        {
            var flat = new double[rows.Length * 2];
            for (var i = 0; i < rows.Length; i++)
            {
                flat[2 * i] = rows[i][0];
                flat[(2 * i) + 1] = rows[i][1];
            }
            return flat;
        }

        public void Dispose()
        {
            _interior.Dispose();
            _left?.Dispose();
            _right?.Dispose();
            _initial?.Dispose();
            _observedAt?.Dispose();
            _observed?.Dispose();
        }
    }
}
