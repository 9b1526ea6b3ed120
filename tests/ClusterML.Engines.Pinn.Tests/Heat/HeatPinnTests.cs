using System.Collections.Immutable;
using ClusterML.Core.Engines;
using ClusterML.Core.Specs;
using ClusterML.Core.Validation;
using ClusterML.Engines.Pinn.Heat;
using ClusterML.Engines.FiniteDifferences;
using TorchSharp;
using static TorchSharp.torch;

namespace ClusterML.Engines.Pinn.Tests.Heat;

[Collection("Torch")]
public sealed class HeatPinnTests
{
    private static Tensor Points(double[] xi, double[] s) =>
        stack([tensor(xi, dtype: ScalarType.Float64), tensor(s, dtype: ScalarType.Float64)], 1).requires_grad_();

    [Fact]
    public void Input_derivatives_should_match_a_known_functions_analytic_derivatives()
    {
        using var scope = NewDisposeScope();
        double[] xi = [0.1, 0.35, 0.5, 0.8, 0.95];
        double[] s = [0.0, 0.2, 0.5, 0.7, 1.0];
        var points = Points(xi, s);
        var a = points[.., 0..1];
        var b = points[.., 1..2];
        var f = ((a * Math.PI).sin() * (-b).exp()) + (a.pow(3) * b.square()); // sin(πξ)e^{−s} + ξ³s²
        var (dXi, dS, dXiXi) = HeatDerivatives.Of(f, points);
        for (var k = 0; k < xi.Length; k++)
        {
            var (x, t) = (xi[k], s[k]);
            Assert.Equal((Math.PI * Math.Cos(Math.PI * x) * Math.Exp(-t)) + (3 * x * x * t * t), dXi[k, 0].ToDouble(), 1e-12);
            Assert.Equal((-Math.Sin(Math.PI * x) * Math.Exp(-t)) + (2 * x * x * x * t), dS[k, 0].ToDouble(), 1e-12);
            Assert.Equal((-Math.PI * Math.PI * Math.Sin(Math.PI * x) * Math.Exp(-t)) + (6 * x * t * t), dXiXi[k, 0].ToDouble(), 1e-12);
        }
    }

    [Fact]
    public void The_subtracted_corner_solution_should_satisfy_the_PDE_so_the_residual_of_T_is_the_residual_of_the_remainder()
    {
        using var scope = NewDisposeScope();
        var settings = new PinnHeatSettings { Problem = new HeatProblem(Left: 0.3, Right: 1.0, Initial: -0.2) }.Validated();
        using var net = new HeatPinnNetwork(settings, 0.1, seed: 7);
        var points = Points([0.02, 0.3, 0.5, 0.9, 0.99], [0.05, 0.1, 0.4, 0.2, 0.9]);
        var (t, w) = net.Parts(points);
        var (_, tS, tXiXi) = HeatDerivatives.Of(t, points);
        var (_, wS, wXiXi) = HeatDerivatives.Of(w, points);
        var full = (tS - (net.Kappa * tXiXi)).detach();
        var remainder = (wS - (net.Kappa * wXiXi)).detach();
        Assert.True(full.allclose(remainder, rtol: 1e-8, atol: 1e-8), $"{full.str()} vs {remainder.str()}");
        Assert.True(w.abs().max().ToDouble() > 1e-3); // the network part is not trivially zero
    }

    [Theory]
    [InlineData(HeatConstraints.All, true)]
    [InlineData(HeatConstraints.Boundary, true)]
    [InlineData(HeatConstraints.Boundary, false)]
    public void Hard_constraints_should_hold_for_an_untrained_network(HeatConstraints constraints, bool corner)
    {
        using var scope = NewDisposeScope();
        var settings = new PinnHeatSettings { Problem = new HeatProblem(Left: 0.25, Right: 1.5, Initial: 0.5), Constraints = constraints, CornerSubtraction = corner }.Validated();
        using var net = new HeatPinnNetwork(settings, 0.1, seed: 3);
        using var noGrad = no_grad();
        double[] s = [0.0, 0.01, 0.3, 1.0];
        var left = net.forward(stack([zeros(4, dtype: ScalarType.Float64), tensor(s, dtype: ScalarType.Float64)], 1));
        var right = net.forward(stack([ones(4, dtype: ScalarType.Float64), tensor(s, dtype: ScalarType.Float64)], 1));
        for (var k = 1; k < s.Length; k++) // at s = 0 the corners are where IC and BC disagree
        {
            Assert.Equal(0.25, left[k, 0].ToDouble(), 1e-12);
            Assert.Equal(1.5, right[k, 0].ToDouble(), 1e-12);
        }
        if (constraints == HeatConstraints.All)
        {
            var initial = net.forward(stack([tensor(new[] { 0.1, 0.5, 0.9, 0.999 }, dtype: ScalarType.Float64), zeros(4, dtype: ScalarType.Float64)], 1));
            for (var k = 0; k < 4; k++)
            {
                Assert.Equal(0.5, initial[k, 0].ToDouble(), 1e-12);
            }
        }
    }

    [Fact]
    public void A_short_forward_run_should_beat_an_error_threshold_and_be_reproducible()
    {
        var settings = new PinnHeatSettings { Collocation = 500, Epochs = 300, LbfgsSteps = 10, ResampleEvery = 100, ReportEvery = 50, Threads = 1 };
        var reports = new List<PinnEpoch>();
        using var run = PinnHeatTrainer.Train(settings, seed: 11, progress: new Sink(reports.Add));
        Assert.InRange(run.Metrics["rel_l2_vs_analytic"], 0, 5e-3);
        Assert.InRange(run.Metrics["rel_l2_vs_fd"], 0, 5e-3);
        Assert.InRange(run.Metrics["rel_l2_fd_vs_analytic"], 0, 1e-4); // the FD reference itself is right
        Assert.Equal(310, run.History.Count);
        Assert.Contains(reports, r => r.Epoch == 50 && r.RelativeL2 is > 0);
        Assert.True(run.History[^1].Loss < run.History[0].Loss / 10);

        using var again = PinnHeatTrainer.Train(settings, seed: 11);
        Assert.Equal(run.History[150].Loss, again.History[150].Loss);
    }

    [Fact]
    public void A_run_without_corner_subtraction_should_still_learn_with_soft_conditions()
    {
        var settings = new PinnHeatSettings
        {
            Collocation = 500, Epochs = 800, LbfgsSteps = 0, Constraints = HeatConstraints.Soft, CornerSubtraction = false, Float64 = false, Threads = 1,
        };
        using var run = PinnHeatTrainer.Train(settings, seed: 2);
        Assert.NotNull(run.History[0].Boundary);
        Assert.NotNull(run.History[0].Initial);
        Assert.InRange(run.Metrics["rel_l2_vs_analytic"], 0, 0.15);
        Assert.InRange(run.History[^1].WeightBoundary, PinnHeatTrainer.MinWeight, PinnHeatTrainer.MaxWeight);
        Assert.NotEqual(1.0, run.History[^1].WeightBoundary); // annealing moved it
    }

    [Fact]
    public void An_inverse_run_should_recover_alpha_from_clean_observations()
    {
        var problem = new HeatProblem();
        var observations = HeatObservationFile.Generate(problem, 1.0, 100, 0.0, seed: 4);
        var settings = new PinnHeatSettings
        {
            Inverse = true, Observations = observations, AlphaInitial = 0.3, Collocation = 500, Epochs = 800, LbfgsSteps = 30, Threads = 1,
        };
        using var run = PinnHeatTrainer.Train(settings, seed: 5);
        Assert.InRange(run.Metrics["alpha"], 0.095, 0.105);
        Assert.NotNull(run.History[0].Data);
    }

    [Fact]
    public void Generated_observations_should_follow_the_solution_with_the_requested_noise()
    {
        var problem = new HeatProblem();
        var clean = HeatObservationFile.Generate(problem, 1.0, 300, 0.0, seed: 9);
        Assert.All(clean, o => Assert.Equal(HeatAnalyticSolution.Evaluate(problem, o.X, o.T), o.Temperature, 2e-4));
        var noisy = HeatObservationFile.Generate(problem, 1.0, 300, 0.05, seed: 9);
        var spread = Math.Sqrt(clean.Select(o => o.Temperature).Select(v => v - clean.Average(c => c.Temperature)).Sum(d => d * d) / 299);
        var noise = noisy.Zip(clean, (a, b) => a.Temperature - b.Temperature).ToArray();
        var std = Math.Sqrt(noise.Sum(d => d * d) / noise.Length);
        Assert.InRange(std / spread, 0.04, 0.06);
    }

    [Fact]
    public void Settings_and_observations_should_be_checked_with_their_field_file_and_line()
    {
        var outside = Assert.Throws<InvalidInputException>(() =>
            new PinnHeatSettings { Observations = [new HeatObservation(1.5, 0.2, 0.1, "obs.csv", 7)] }.Validated());
        Assert.Equal(("x", "obs.csv", 7), (outside.Field, outside.File, outside.Line));
        var negative = Assert.Throws<InvalidInputException>(() =>
            new PinnHeatSettings { Observations = [new HeatObservation(0.5, -0.1, 0.1, "obs.csv", 3)] }.Validated());
        Assert.Equal(("t", 3), (negative.Field, negative.Line));
        Assert.Equal("--constraints", Assert.Throws<InvalidInputException>(() => new PinnHeatSettings { CornerSubtraction = false }.Validated()).Field);
        Assert.Equal("--observations", Assert.Throws<InvalidInputException>(() => new PinnHeatSettings { Inverse = true }.Validated()).Field);
        Assert.Equal("--activation", Assert.Throws<InvalidInputException>(() => new PinnHeatSettings { Activation = "relu" }.Validated()).Field);
        Assert.Equal("width", Assert.Throws<InvalidInputException>(() => PinnHeatSettingsBinder.Apply(new PinnHeatSettings(), "width", "wide", "width")).Field);
        Assert.Contains("not a pinn setting", Assert.Throws<InvalidInputException>(() => PinnHeatSettingsBinder.Apply(new PinnHeatSettings(), "depth", "3", "depth")).Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void The_engine_should_report_epochs_with_loss_components_and_return_the_error_as_loss()
    {
        var spec = new PinnHeatTrialSpec(ImmutableDictionary<string, string>.Empty
            .Add("epochs", "200").Add("lbfgs_steps", "0").Add("collocation", "300").Add("report_every", "50").Add("dtype", "float32").Add("threads", "1"));
        var reports = new List<TrainingProgress>();
        var outcome = new PinnHeatEngine().Train(spec, new RunContext(3, Progress: new Sink<TrainingProgress>(reports.Add)), CancellationToken.None);
        Assert.Equal([50, 100, 150, 200], reports.Select(r => r.Epoch));
        Assert.All(reports, r => Assert.True(r.Metrics!.ContainsKey("pde") && r.Metrics.ContainsKey("rel_l2")));
        Assert.Equal(outcome.Metrics!["rel_l2_vs_analytic"], outcome.FinalLoss);
        Assert.Equal(200, outcome.LossCurve.Count);

        using var cancel = new CancellationTokenSource();
        var cancelling = new Sink<TrainingProgress>(_ => cancel.Cancel());
        Assert.ThrowsAny<OperationCanceledException>(() => new PinnHeatEngine().Train(spec, new RunContext(3, Progress: cancelling), cancel.Token));
        Assert.Throws<InvalidInputException>(() => ((IEngine)new PinnHeatEngine()).Check(spec with { Settings = spec.Settings.SetItem("sampling", "grid") }));
    }

    private sealed class Sink(Action<PinnEpoch> report) : IProgress<PinnEpoch>
    {
        public void Report(PinnEpoch value) => report(value);
    }

    private sealed class Sink<T>(Action<T> report) : IProgress<T>
    {
        public void Report(T value) => report(value);
    }
}
