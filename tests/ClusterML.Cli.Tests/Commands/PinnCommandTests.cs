using System.Globalization;
using System.Text.Json;

namespace ClusterML.Cli.Tests.Commands;

[Collection("Torch")]
public sealed class PinnCommandTests : IDisposable
{
    private readonly CliRun _cli = new();

    public void Dispose() => _cli.Dispose();

    private static readonly string[] Quick = ["--epochs", "200", "--lbfgs-steps", "5", "--collocation", "300", "--threads", "1", "--grid", "21", "11"];

    [Fact]
    public async Task Pinn_heat_should_write_model_prediction_metrics_losses_and_plots_and_predict_should_reuse_the_model()
    {
        var outDir = _cli.Path("out/pinn");
        var (code, stdout, stderr) = await _cli.RunAsync(["pinn", "heat", .. Quick, "--out", outDir]);
        Assert.True(code == 0, stderr);
        Assert.Contains("relative L2 vs analytic", stdout, StringComparison.Ordinal);
        foreach (var file in new[] { "prediction.csv", "metrics.json", "loss.csv", "field.png", "error.png", "loss.png", "model/pinn.json", "model/pinn.weights" })
        {
            Assert.True(File.Exists(Path.Combine(outDir, file)), file);
        }
        using var metrics = JsonDocument.Parse(File.ReadAllText(Path.Combine(outDir, "metrics.json")));
        var relL2 = metrics.RootElement.GetProperty("rel_l2_vs_analytic").GetDouble();
        Assert.InRange(relL2, 0, 0.05);
        Assert.InRange(metrics.RootElement.GetProperty("rel_l2_vs_fd").GetDouble(), 0, 0.05);
        var loss = File.ReadAllLines(Path.Combine(outDir, "loss.csv"));
        Assert.Equal("epoch,stage,loss,pde,bc,ic,data,weight_bc,weight_ic,weight_data,rel_l2,alpha", loss[0]);
        Assert.Equal(1 + 205, loss.Length);
        var prediction = File.ReadAllLines(Path.Combine(outDir, "prediction.csv"));
        Assert.Equal(1 + (21 * 11), prediction.Length);
        var row = prediction[100].Split(',').Select(v => double.Parse(v, CultureInfo.InvariantCulture)).ToArray();

        var points = _cli.Path("points.csv");
        File.WriteAllText(points, $"t,x\n{row[1].ToString("R", CultureInfo.InvariantCulture)},{row[0].ToString("R", CultureInfo.InvariantCulture)}\n");
        var predicted = _cli.Path("predicted.csv");
        (code, _, stderr) = await _cli.RunAsync("pinn", "predict", "--model", Path.Combine(outDir, "model"), "--points", points, "--out", predicted);
        Assert.True(code == 0, stderr);
        var back = File.ReadAllLines(predicted)[1].Split(',').Select(v => double.Parse(v, CultureInfo.InvariantCulture)).ToArray();
        Assert.Equal(row[2], back[2], 1e-12);

        // The README's example points: the boundary values hold exactly (the default output transform makes them exact).
        (code, _, stderr) = await _cli.RunAsync("pinn", "predict", "--model", Path.Combine(outDir, "model"), "--points", CliRun.RepositoryFile("config/samples/pinn-points.csv"), "--out", predicted);
        Assert.True(code == 0, stderr);
        var sampled = File.ReadAllLines(predicted).Skip(1).Select(l => l.Split(',').Select(v => double.Parse(v, CultureInfo.InvariantCulture)).ToArray()).ToArray();
        Assert.Equal(35, sampled.Length);
        Assert.All(sampled.Where(p => p[0] == 0), p => Assert.Equal(0, p[2], 1e-9));
        Assert.All(sampled.Where(p => p[0] == 1), p => Assert.Equal(1, p[2], 1e-9));
    }

    [Fact]
    public async Task An_inverse_run_should_report_alpha_from_generated_observations()
    {
        var observations = _cli.Path("obs.csv");
        var (code, _, stderr) = await _cli.RunAsync("data", "generate", "heat-fd", "--observations", "80", "--noise", "0.01", "--seed", "2", "--out", observations);
        Assert.True(code == 0, stderr);
        Assert.Equal(81, File.ReadAllLines(observations).Length);
        var outDir = _cli.Path("out/inverse");
        (code, var stdout, stderr) = await _cli.RunAsync(["pinn", "heat", "--inverse", "--observations", observations, "--alpha-init", "0.3", .. Quick, "--out", outDir]);
        Assert.True(code == 0, stderr);
        Assert.Contains("α learned", stdout, StringComparison.Ordinal);
        using var metrics = JsonDocument.Parse(File.ReadAllText(Path.Combine(outDir, "metrics.json")));
        var alpha = metrics.RootElement.GetProperty("alpha").GetDouble();
        Assert.NotEqual(0.3, alpha, 3); // it moved from the start towards 0.1
        Assert.InRange(alpha, 0.05, 0.2);
    }

    [Theory]
    [InlineData("x,T\n0.5,0.1\n", "column is missing")]
    [InlineData("x,t,T\n0.5,0.2,0.1\n0.5,-0.1,0.2\n", "obs.csv:3: t: -0.1 is negative")]
    [InlineData("x,t,T\n1.5,0.2,0.1\n", "obs.csv:2: x: 1.5 is outside the rod")]
    [InlineData("x,t,T\n0.5,abc,0.1\n", "obs.csv:2: t: 'abc' is not a number")]
    public async Task Bad_observations_should_exit_2_naming_file_line_and_field(string content, string message)
    {
        var observations = _cli.Path("obs.csv");
        File.WriteAllText(observations, content);
        var outDir = _cli.Path("out/bad");
        var (code, _, stderr) = await _cli.RunAsync(["pinn", "heat", "--inverse", "--observations", observations, .. Quick, "--out", outDir]);
        Assert.Equal(2, code);
        Assert.Contains(message, stderr, StringComparison.Ordinal);
        Assert.False(Directory.Exists(outDir));
    }

    [Theory]
    [InlineData(new[] { "--inverse" }, "--observations")]
    [InlineData(new[] { "--width", "wide" }, "--width: 'wide' is not an integer")]
    [InlineData(new[] { "--corner", "none" }, "--constraints")]
    [InlineData(new[] { "--device", "cuda" }, "CUDA was requested but is not available")]
    public async Task Bad_options_should_exit_2(string[] options, string message)
    {
        var (code, _, stderr) = await _cli.RunAsync(["pinn", "heat", .. options, "--out", _cli.Path("out/x")]);
        Assert.Equal(2, code);
        Assert.Contains(message, stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Predict_should_refuse_points_outside_the_window_and_a_folder_without_a_model()
    {
        var outDir = _cli.Path("out/p");
        var (code, _, stderr) = await _cli.RunAsync(["pinn", "heat", "--epochs", "20", "--lbfgs-steps", "0", "--collocation", "50", "--grid", "5", "5", "--out", outDir]);
        Assert.True(code == 0, stderr);
        var points = _cli.Path("late.csv");
        File.WriteAllText(points, "x,t\n0.5,0.5\n0.5,3.0\n");
        (code, _, stderr) = await _cli.RunAsync("pinn", "predict", "--model", Path.Combine(outDir, "model"), "--points", points);
        Assert.Equal(2, code);
        Assert.Contains("late.csv:3: t: 3 is after the end of the window", stderr, StringComparison.Ordinal);
        (code, _, stderr) = await _cli.RunAsync("pinn", "predict", "--model", _cli.Root, "--points", points);
        Assert.Equal(2, code);
        Assert.Contains("is not a saved PINN", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_pinn_campaign_should_run_through_the_cluster_and_check_settings_before_it_starts()
    {
        var observations = _cli.Path("obs.csv");
        var (code, _, stderr) = await _cli.RunAsync("data", "generate", "heat-fd", "--observations", "40", "--seed", "1", "--out", observations);
        Assert.True(code == 0, stderr);
        var spec = _cli.Path("pinn.yaml");
        File.WriteAllText(spec, """
            name: pinn-tiny
            engine: pinn
            base:
              epochs: 60
              lbfgs_steps: 0
              collocation: 100
              report_every: 20
              dtype: float32
              threads: 1
              observations: obs.csv
              inverse: true
              alpha_init: 0.2
            space:
              width: { type: choice, values: [8, 16] }
            search: { kind: grid }
            """);
        (code, var stdout, stderr) = await _cli.RunAsync("campaign", "run", spec, "--id", "tiny");
        Assert.True(code == 0, stderr);
        Assert.Contains("Best: t000", stdout, StringComparison.Ordinal);
        var store = new ClusterML.Storage.SqliteResultStore(Path.Combine(_cli.DataDir, "results.db"));
        var results = store.Results("tiny");
        Assert.Equal(2, results.Count);
        Assert.All(results, r => Assert.True(r.Metrics.ContainsKey("alpha") && r.Metrics.ContainsKey("rel_l2_vs_fd")));
        Assert.Contains(store.Epochs("tiny"), e => e.Epoch == 40 && e.Metrics.ContainsKey("rel_l2") && e.Metrics.ContainsKey("data"));

        File.WriteAllText(spec, File.ReadAllText(spec).Replace("dtype: float32", "dtype: float16", StringComparison.Ordinal));
        (code, _, stderr) = await _cli.RunAsync("campaign", "run", spec, "--id", "bad");
        Assert.Equal(2, code);
        Assert.Contains("pinn.yaml:8: base.dtype: 'float16' is not a dtype", stderr, StringComparison.Ordinal); // the line of the setting
        Assert.Null(store.FindCampaign("bad"));
    }
}
