using ClusterML.Cli.Output;
using ClusterML.Core.Campaigns;
using ClusterML.Core.Results;
using ClusterML.Engines.Surrogate;

namespace ClusterML.Cli.Tests.Commands;

/// <summary>The plot choices of campaign exports and reports, checked on the plans the pictures are drawn from.</summary>
public sealed class CampaignPlotPlanTests
{
    private static CampaignSpec Spec(string engine, string space, string extra = "") => CampaignSpecReader.Parse(
        $"engine: {engine}\nspace:\n{space}search:\n  kind: grid\n{extra}", "test.yaml");

    private static TrialResult Trial(string id, TrialStatus status, double? loss, params (string Key, string Value)[] parameters) =>
        new("c", id, 0, parameters.ToDictionary(p => p.Key, p => p.Value), 1, status, loss, new Dictionary<string, double>(), null, [], "n", 1, 0, 1);

    private static EpochMetrics Epoch(string trial, int epoch, string metric, double value, int attempt = 1) =>
        new("c", trial, attempt, epoch, new Dictionary<string, double> { [metric] = value });

    [Fact]
    public void A_log_uniform_hyperparameter_should_get_a_log_x_axis_and_int_and_numeric_choices_linear_ones()
    {
        var spec = Spec("surrogate", "  lr: { type: log-uniform, low: 1.0e-4, high: 1.0e-2 }\n  layers: { type: int, low: 1, high: 3 }\n  width: { type: choice, values: [16, 32] }\n");
        TrialResult[] results =
        [
            Trial("t0", TrialStatus.Completed, 0.5, ("lr", "0.0003"), ("layers", "1"), ("width", "16")),
            Trial("t1", TrialStatus.Completed, 0.2, ("lr", "0.005"), ("layers", "3"), ("width", "32")),
        ];

        var plan = CampaignPlotPlan.Of("surrogate", spec, results, []);

        var byName = plan.Parameters.ToDictionary(p => p.Parameter);
        Assert.Equal((ParameterPlotKind.Scatter, AxisScale.Log10), (byName["lr"].Kind, byName["lr"].XScale));
        Assert.Equal((ParameterPlotKind.Scatter, AxisScale.Linear), (byName["layers"].Kind, byName["layers"].XScale));
        Assert.Equal((ParameterPlotKind.Scatter, AxisScale.Linear), (byName["width"].Kind, byName["width"].XScale));
        Assert.All(plan.Parameters, p => Assert.Equal(AxisScale.Log10, p.YScale));
        // Few-valued numeric axes are ticked at their values; a continuous one keeps automatic ticks.
        Assert.Equal([16.0, 32.0], byName["width"].XTicks);
        Assert.Equal([1.0, 2.0, 3.0], byName["layers"].XTicks);
        Assert.Empty(byName["lr"].XTicks);
    }

    [Fact]
    public void Categorical_and_boolean_hyperparameters_should_get_strip_plots_so_the_pinn_sweep_gets_all_three()
    {
        // The space of config/campaigns/pinn-sweep.yaml, plus a boolean.
        var spec = Spec("pinn", "  width: { type: choice, values: [16, 32] }\n  corner: { type: choice, values: [subtract, none] }\n"
            + "  sampling: { type: choice, values: [lhs, sobol] }\n  float64: { type: choice, values: [true, false] }\n");
        var results = Enumerable.Range(0, 8).Select(i => Trial($"t{i}", TrialStatus.Completed, 1e-3 * (i + 1),
            ("width", i % 2 == 0 ? "16" : "32"), ("corner", i / 4 == 0 ? "subtract" : "none"), ("sampling", i % 4 < 2 ? "lhs" : "sobol"),
            ("float64", i % 3 == 0 ? "true" : "false"))).ToArray();

        var plan = CampaignPlotPlan.Of("pinn", spec, results, []);

        Assert.Equal(["loss_vs_corner.png", "loss_vs_float64.png", "loss_vs_sampling.png", "loss_vs_width.png"], plan.Parameters.Select(p => p.File));
        var corner = plan.Parameters.Single(p => p.Parameter == "corner");
        Assert.Equal(ParameterPlotKind.Strip, corner.Kind);
        Assert.Equal(["subtract", "none"], corner.Categories); // the spec's order
        Assert.Equal(8, corner.Points.Count);
        Assert.Equal(ParameterPlotKind.Strip, plan.Parameters.Single(p => p.Parameter == "float64").Kind);
        Assert.Equal(ParameterPlotKind.Strip, plan.Parameters.Single(p => p.Parameter == "sampling").Kind);
        Assert.Equal("relative L2 error vs analytic", corner.YLabel);
    }

    [Fact]
    public void Without_a_spec_text_values_should_still_get_a_strip_plot()
    {
        var plan = CampaignPlotPlan.Of("pinn", null, [Trial("t0", TrialStatus.Completed, 0.1, ("corner", "none"), ("nx", "21"))], []);

        Assert.Equal(ParameterPlotKind.Strip, plan.Parameters.Single(p => p.Parameter == "corner").Kind);
        Assert.Equal(ParameterPlotKind.Scatter, plan.Parameters.Single(p => p.Parameter == "nx").Kind);
    }

    [Fact]
    public void Early_stopped_trials_should_be_drawn_with_their_last_reported_value_and_marked_and_failed_ones_left_out()
    {
        var spec = Spec("surrogate", "  width: { type: choice, values: [16, 32] }\n",
            "early_stopping:\n  metric: validation_loss\n  mode: min\n  grace_period: 2\n  reduction_factor: 2\n");
        TrialResult[] results =
        [
            Trial("t0", TrialStatus.Completed, 0.1, ("width", "16")),
            Trial("t1", TrialStatus.Stopped, null, ("width", "32")),
            Trial("t2", TrialStatus.Failed, null, ("width", "32")),
        ];
        // t1's first attempt reported more; its last attempt's last value counts.
        EpochMetrics[] epochs = [Epoch("t1", 1, "validation_loss", 0.9), Epoch("t1", 2, "validation_loss", 0.7), Epoch("t1", 1, "validation_loss", 0.8, attempt: 2),
            Epoch("t1", 2, "validation_loss", 0.6, attempt: 2), Epoch("t0", 1, "validation_loss", 0.5), Epoch("t0", 2, "validation_loss", 0.1)];

        var plan = CampaignPlotPlan.Of("surrogate", spec, results, epochs);

        var plot = plan.Parameters.Single();
        Assert.Equal(2, plot.Points.Count);
        Assert.Equal(("t1", 0.6, true), plot.Points.Where(p => p.Stopped).Select(p => (p.TrialId, p.Y, p.Stopped)).Single());
        Assert.Equal([("completed", 1), (CampaignPlotPlan.StoppedEarly, 1)], plot.Series);
        var curves = plan.LearningCurves!;
        Assert.Equal(["t0", "t1"], curves.Curves.Select(c => c.TrialId));
        Assert.True(curves.Curves.Single(c => c.TrialId == "t1").Stopped);
    }

    [Fact]
    public void An_fd_campaign_should_get_no_learning_curves_since_its_epochs_are_progress_fractions()
    {
        var results = new[] { Trial("t0", TrialStatus.Completed, 0.01, ("nx", "21")) };
        var epochs = Enumerable.Range(1, 10).Select(e => Epoch("t0", e, "train_loss", e / 10.0)).ToArray();

        Assert.Null(CampaignPlotPlan.Of("fd", null, results, epochs).LearningCurves);
        // The same epochs from an engine that trains do give curves.
        Assert.NotNull(CampaignPlotPlan.Of("surrogate", null, results, epochs).LearningCurves);
        Assert.Equal("max |T − T_exact|", CampaignPlotPlan.Of("fd", null, results, epochs).ObjectiveLabel);
    }

    [Fact]
    public void Learning_curves_should_show_the_metric_the_campaign_stops_on_else_the_one_tracking_the_objective()
    {
        var results = new[] { Trial("t0", TrialStatus.Completed, 0.01, ("width", "16")) };
        EpochMetrics[] epochs = [new("c", "t0", 1, 100, new Dictionary<string, double> { ["train_loss"] = 1, ["pde"] = 0.5, ["rel_l2"] = 0.02 })];
        var stoppingOnPde = Spec("pinn", "  width: { type: choice, values: [16, 32] }\n",
            "early_stopping:\n  metric: pde\n  mode: min\n  grace_period: 2\n  reduction_factor: 2\n");

        Assert.Equal("pde", CampaignPlotPlan.Of("pinn", stoppingOnPde, results, epochs).LearningCurves!.Metric);
        Assert.Equal("rel_l2", CampaignPlotPlan.Of("pinn", null, results, epochs).LearningCurves!.Metric);
        Assert.Equal("relative L2 error vs analytic", CampaignPlotPlan.Of("pinn", null, results, epochs).LearningCurves!.YLabel);
    }

    [Fact]
    public void Partial_dependence_of_a_binary_input_should_be_two_points_and_of_a_continuous_one_the_whole_line()
    {
        var dependence = new PartialDependence("direction", [0, 0.25, 0.5, 0.75, 1], [10, 11, 12, 13, 14]);

        var binary = SurrogatePlots.DependencePoints(dependence, [0, 1, 1, 0, 1]);
        var continuous = SurrogatePlots.DependencePoints(dependence, [0, 0.1, 0.7, 1]);

        Assert.Equal(([0.0, 1.0], [10.0, 14.0], true), (binary.X, binary.Y, binary.Binary), new BinaryComparer());
        Assert.Equal(5, continuous.X.Length);
        Assert.False(continuous.Binary);
    }

    private sealed class BinaryComparer : IEqualityComparer<(double[], double[], bool)>
    {
        public bool Equals((double[], double[], bool) a, (double[], double[], bool) b) => a.Item1.SequenceEqual(b.Item1) && a.Item2.SequenceEqual(b.Item2) && a.Item3 == b.Item3;

        public int GetHashCode((double[], double[], bool) obj) => obj.Item3.GetHashCode();
    }

    [Fact]
    public void Log_axes_should_be_labelled_as_powers_of_ten_at_whole_decades_only()
    {
        Assert.Equal(["10⁻¹", "10⁰", "10²", "10⁻¹²"], new[] { -1, 0, 2, -12 }.Select(LogPlots.Decade));

        var (low, high, ticks) = LogPlots.DecadeTicks(-1.3, 0.2);

        Assert.Equal(["10⁻²", "10⁻¹", "10⁰", "10¹"], ticks.Where(t => t.Label is not null).Select(t => t.Label!));
        Assert.All(ticks.Where(t => t.Label is not null), t => Assert.Equal(Math.Round(t.Position), t.Position));
        Assert.Contains(ticks, t => t.Label is null && Math.Abs(t.Position - (-2 + Math.Log10(5))) < 1e-12);
        Assert.True(low <= -2 && high >= 1);

        // Less than 1.5 decades (1.5e-3 … 2.2e-2): the data's own range, not widened to 10⁻³ … 10⁻¹, labels at 1, 2 and 5×.
        (low, high, ticks) = LogPlots.DecadeTicks(Math.Log10(1.5e-3), Math.Log10(2.2e-2));
        Assert.InRange(high - low, 1.1, 1.5);
        Assert.Equal(["2×10⁻³", "5×10⁻³", "10⁻²", "2×10⁻²"], ticks.Where(t => t.Label is not null).Select(t => t.Label!));
        // A narrow range (1.2e-3 … 4e-3) where 1, 2, 5× leave one label: every digit labelled.
        (low, high, ticks) = LogPlots.DecadeTicks(Math.Log10(1.2e-3), Math.Log10(4e-3));
        Assert.InRange(high - low, 0.5, 0.7);
        Assert.Equal(["2×10⁻³", "3×10⁻³", "4×10⁻³"], ticks.Where(t => t.Label is not null).Select(t => t.Label!));
    }

    [Theory]
    [InlineData("k_W_mK", "κ (W/(m·K))")]
    [InlineData("thickness_nm", "thickness (nm)")]
    [InlineData("temperature_K", "temperature (K)")]
    [InlineData("volume_A3", "volume (Å³)")]
    [InlineData("direction", "direction")]
    public void Axis_labels_should_write_unit_suffixes_as_units(string column, string label) => Assert.Equal(label, AxisLabels.Of(column));
}
