using ClusterML.Core.Engines;
using ClusterML.Core.Specs;
using ClusterML.Core.Validation;
using ClusterML.Engines.Surrogate;

namespace ClusterML.Engines.Surrogate.Tests;

[Collection("Torch")]
public sealed class SurrogateEngineTests : IDisposable
{
    private readonly SyntheticData _data = new();

    public void Dispose() => _data.Dispose();

    private SurrogateSpec Spec(string path, int ensemble = 3, int epochs = 300) =>
        new(path, "y", [], [], EnsembleSize: ensemble, Epochs: epochs, Patience: 60, Width: 32, HiddenLayers: 2, LearningRate: 5e-3);

    [Fact]
    public void An_ensemble_should_learn_a_smooth_function_of_three_inputs()
    {
        var report = new SurrogateEngine().Run(Spec(_data.Smooth(600)), new RunContext(7), TestContext.Current.CancellationToken);
        Assert.True(report.Metrics["test_r2_log10"] > 0.98, $"R² (log10) = {report.Metrics["test_r2_log10"]}");
        Assert.True(report.Metrics["test_r2"] > 0.9, $"R² = {report.Metrics["test_r2"]}");
        // c spans three decades and y more: both are log-transformed automatically, a and b (negative values) are not.
        Assert.True(report.Metadata.Target.Log);
        Assert.Equal([false, false, true], report.Metadata.Inputs.Select(i => i.Log));
        Assert.Equal(3, report.Members.Count);
        Assert.All(report.Members, m => Assert.True(m.BestValidationLoss < m.ValidationLoss[0]));
    }

    /// <summary>
    /// Regression for the surrogate-sweep benchmark's segmentation faults: the Glorot initialisation chained tensor temporaries
    /// (rand × 2b − b) outside a dispose scope, so a collection on another thread could free one while libtorch read it, and
    /// TorchSharp turned each number into a Scalar nothing held. Building networks under constant collections must give the
    /// weights of a quiet build, every time.
    /// </summary>
    [Fact]
    [Trait("Category", "Slow")]
    public void Networks_built_while_another_thread_collects_garbage_should_get_the_weights_of_a_quiet_build()
    {
        static float[] Weights(MlpRegressor network) => [.. network.parameters().SelectMany(p => p.detach().data<float>().ToArray())];
        float[] quiet;
        using (var network = new MlpRegressor(4, 4, 96, "tanh", 5))
        {
            quiet = Weights(network);
        }
        using var noise = new GarbageNoise();
        var clock = System.Diagnostics.Stopwatch.StartNew();
        for (var i = 0; i < 3000 && clock.Elapsed < TimeSpan.FromSeconds(20); i++)
        {
            using var network = new MlpRegressor(4, 4, 96, "tanh", 5);
            Assert.Equal(quiet, Weights(network));
        }
        Assert.True(noise.Collections > 100, $"only {noise.Collections} collections happened while the networks were built");
    }

    [Fact]
    public void Z_scaling_should_make_standardised_errors_unit_variance()
    {
        // Errors of exactly ±2σ need σ doubled; rows with zero spread are ignored.
        var prediction = new SurrogatePrediction([1.0, 2.0, 3.0, 4.0], [0.5, 1.0, 0.0, 0.25], new bool[4], []);
        Assert.Equal(2.0, SurrogateEngine.StdScale([2.0, 0.0, 3.0, 4.5], prediction), tolerance: 1e-12);
    }

    [Fact]
    public void A_calibrated_ensemble_should_cover_most_test_errors_within_two_sigma()
    {
        var report = new SurrogateEngine().Run(Spec(_data.Smooth(600), ensemble: 4), new RunContext(8), TestContext.Current.CancellationToken);
        Assert.Equal(48, report.Metadata.Uncertainty.CalibrationRows); // 10 % of the 480 training rows
        Assert.True(report.Metadata.Uncertainty.StdScale > 0);
        Assert.InRange(report.Metrics["test_within_2sigma"]!.Value, 0.8, 1.0);
        Assert.True(report.Metrics["test_spearman_abs_error_vs_std"] > 0.3, "larger spread should go with larger errors");
    }

    [Fact]
    public void The_same_seed_should_reproduce_the_model_exactly_and_another_seed_should_not()
    {
        var path = _data.Smooth(200);
        var spec = Spec(path, ensemble: 2, epochs: 40);
        var engine = new SurrogateEngine();
        var first = engine.Run(spec, new RunContext(11), TestContext.Current.CancellationToken);
        var second = engine.Run(spec, new RunContext(11), TestContext.Current.CancellationToken);
        var other = engine.Run(spec, new RunContext(12), TestContext.Current.CancellationToken);
        Assert.Equal(first.TestPrediction.Mean, second.TestPrediction.Mean);
        Assert.Equal(first.Outcome.Checkpoint, second.Outcome.Checkpoint);
        Assert.NotEqual(first.Outcome.Checkpoint, other.Outcome.Checkpoint);
    }

    [Fact]
    public void Inputs_far_outside_the_training_data_should_be_flagged_and_less_certain()
    {
        var report = new SurrogateEngine().Run(Spec(_data.Smooth(600), ensemble: 5), new RunContext(3, ArtifactDirectory: _data.Folder), TestContext.Current.CancellationToken);
        using var model = SurrogateModel.Load(Path.Combine(_data.Folder, "model"));
        var inside = model.Predict(report.TestInputs);
        Assert.True(inside.OutOfDomain.Count(f => f) <= report.TestInputs.Length / 5, "most test rows are in domain");
        var far = model.Predict([[3.0, 3.0, 1e5], [-4.0, 2.5, 5e4], [0.1, 0.2, 1e7]]);
        Assert.All(far.OutOfDomain, Assert.True);
        var relativeFar = far.Std.Zip(far.Mean).Average(p => p.First / p.Second);
        var relativeIn = inside.Std.Zip(inside.Mean).Average(p => p.First / p.Second);
        Assert.True(relativeFar > 3 * relativeIn, $"relative std far {relativeFar:G3} vs in-domain {relativeIn:G3}");

        // The middle of the data is in domain.
        double[][] centre = [[0.0, 0.0, 31.6]];
        Assert.False(model.Guard.Check(centre, model.Standardise(centre))[0]);
    }

    [Fact]
    public void A_point_inside_every_range_but_in_an_empty_region_should_be_flagged_by_distance()
    {
        // Training rows lie on two clusters (a, b) ≈ (−1, −1) and (1, 1); (1, −1) is inside both ranges yet far from every row.
        var random = new Random(9);
        var lines = new List<string> { "a,b,y" };
        for (var i = 0; i < 200; i++)
        {
            var s = i % 2 == 0 ? -1.0 : 1.0;
            var (a, b) = (s + (0.1 * random.NextDouble()), s + (0.1 * random.NextDouble()));
            lines.Add(FormattableString.Invariant($"{a},{b},{a + b}"));
        }
        new SurrogateEngine().Run(Spec(_data.Write("clusters.csv", lines), ensemble: 1, epochs: 5), new RunContext(1, ArtifactDirectory: _data.Folder), TestContext.Current.CancellationToken);
        using var model = SurrogateModel.Load(Path.Combine(_data.Folder, "model"));
        double[][] gap = [[1.0, -0.95]];
        double[][] cluster = [[1.05, 1.05]];
        Assert.True(model.Predict(gap).OutOfDomain[0]);
        Assert.False(model.Predict(cluster).OutOfDomain[0]);
    }

    [Fact]
    public void A_saved_model_should_predict_exactly_as_the_trained_one_and_refuse_tampered_weights()
    {
        var report = new SurrogateEngine().Run(Spec(_data.Smooth(150), ensemble: 2, epochs: 20), new RunContext(5, ArtifactDirectory: _data.Folder), TestContext.Current.CancellationToken);
        var folder = Path.Combine(_data.Folder, "model");
        using (var model = SurrogateModel.Load(folder))
        {
            Assert.Equal(report.TestPrediction.Mean, model.Predict(report.TestInputs).Mean);
        }
        var weights = Path.Combine(folder, "member_1.pt");
        var bytes = File.ReadAllBytes(weights);
        bytes[^5] ^= 0x55;
        File.WriteAllBytes(weights, bytes);
        var error = Assert.Throws<InvalidInputException>(() => SurrogateModel.Load(folder));
        Assert.Contains("checksum", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Artifacts_should_be_written_and_listed()
    {
        var outcome = new SurrogateEngine().Train(Spec(_data.Smooth(120), ensemble: 2, epochs: 10), new RunContext(1, ArtifactDirectory: _data.Folder), TestContext.Current.CancellationToken);
        Assert.Equal(["model", "metrics.json", "importance.csv", "partial_dependence.csv", "test_predictions.csv", "learning_curve.csv"], outcome.Artifacts!);
        Assert.All(outcome.Artifacts!.Skip(1), a => Assert.True(File.Exists(Path.Combine(_data.Folder, a)), a));
        Assert.True(outcome.Metrics!.ContainsKey("test_rmse"));
        Assert.Equal(2, SurrogateCheckpoint.Unpack(outcome.Checkpoint).Count);
    }

    [Fact]
    public void A_single_member_trial_should_train_only_that_member()
    {
        var report = new SurrogateEngine().Run(Spec(_data.Smooth(120), ensemble: 4, epochs: 5) with { Member = 2 }, new RunContext(1), TestContext.Current.CancellationToken);
        Assert.Equal(2, Assert.Single(report.Members).Index);
    }

    [Fact]
    public void Progress_should_be_reported_per_epoch_and_cancellation_should_stop_training()
    {
        var reports = new List<TrainingProgress>();
        using var cancel = new CancellationTokenSource();
        var progress = new SyncProgress(p =>
        {
            reports.Add(p);
            if (p.Epoch == 3)
            {
                cancel.Cancel();
            }
        });
        Assert.Throws<OperationCanceledException>(() =>
            new SurrogateEngine().Run(Spec(_data.Smooth(100), ensemble: 1, epochs: 50), new RunContext(1, Progress: progress), cancel.Token));
        Assert.Equal([1, 2, 3], reports.Select(r => r.Epoch));
        Assert.Equal("member 1/1", reports[0].Stage);
    }

    [Fact]
    public void Importance_should_rank_an_irrelevant_input_last()
    {
        var random = new Random(2);
        var lines = new List<string> { "x1,x2,noise,y" };
        for (var i = 0; i < 400; i++)
        {
            var (x1, x2, noise) = (random.NextDouble(), random.NextDouble(), random.NextDouble());
            lines.Add(FormattableString.Invariant($"{x1},{x2},{noise},{(3 * x1) + Math.Sin(3 * x2)}"));
        }
        var report = new SurrogateEngine().Run(Spec(_data.Write("imp.csv", lines), ensemble: 1, epochs: 200), new RunContext(4), TestContext.Current.CancellationToken);
        var ranked = report.Importance.OrderByDescending(i => i.R2DropMean).Select(i => i.Feature).ToArray();
        Assert.Equal(["x1", "x2", "noise"], ranked);
        Assert.True(report.Importance.Single(i => i.Feature == "noise").R2DropMean < 0.02);
        // Partial dependence of y on x1 is a rising line of slope ≈ 3 over [0, 1].
        var first = report.PartialDependence.Single(d => d.Feature == "x1");
        Assert.InRange(first.MeanPrediction[^1] - first.MeanPrediction[0], 2.6, 3.4);
    }

    private sealed class SyncProgress(Action<TrainingProgress> report) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress value) => report(value);
    }
}
