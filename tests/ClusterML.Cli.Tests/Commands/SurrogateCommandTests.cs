using System.Globalization;
using System.Text.Json;
using ClusterML.Core.IO;

namespace ClusterML.Cli.Tests.Commands;

[Collection("Torch")]
public sealed class SurrogateCommandTests : IDisposable
{
    private readonly CliRun _cli = new();

    public void Dispose() => _cli.Dispose();

    /// <summary>y = 2a + sin(3b) with an id column that is not an input.</summary>
    private string Data(int n, string name, double scale = 1.0)
    {
        var random = new Random(n);
        var lines = new List<string> { "id,a,b,y" };
        for (var i = 0; i < n; i++)
        {
            var (a, b) = (random.NextDouble() * scale, random.NextDouble() * scale);
            lines.Add(string.Create(CultureInfo.InvariantCulture, $"s{i},{a},{b},{(2 * a) + Math.Sin(3 * b)}"));
        }
        var path = _cli.Path(name);
        File.WriteAllLines(path, lines);
        return path;
    }

    private async Task<string> TrainAsync()
    {
        var outDir = _cli.Path("model-run");
        var (code, stdout, stderr) = await _cli.RunAsync("surrogate", "train", "--data", Data(300, "train.csv"), "--target", "y", "--inputs", "a,b",
            "--ensemble", "3", "--epochs", "150", "--width", "32", "--layers", "2", "--lr", "0.005", "--seed", "4", "--out", outDir);
        Assert.True(code == 0, stderr);
        Assert.Contains("test R²", stdout, StringComparison.Ordinal);
        return outDir;
    }

    [Fact]
    public async Task Train_should_write_the_model_metrics_and_every_report()
    {
        var outDir = await TrainAsync();
        foreach (var file in new[] { "model/surrogate.json", "model/member_0.pt", "model/member_2.pt", "model/training_inputs.csv", "metrics.json",
            "parity.png", "learning_curve.png", "importance.csv", "importance.png", "partial_dependence.csv", "partial_dependence.png", "test_predictions.csv" })
        {
            Assert.True(File.Exists(Path.Combine(outDir, file)), file);
        }
        using var metrics = JsonDocument.Parse(File.ReadAllText(Path.Combine(outDir, "metrics.json")));
        var root = metrics.RootElement;
        Assert.True(root.GetProperty("test_r2").GetDouble() > 0.95, root.ToString());
        Assert.Equal(3, root.GetProperty("per_member").GetArrayLength());
        Assert.InRange(root.GetProperty("test_within_2sigma").GetDouble(), 0.0, 1.0);
        Assert.Equal(["a", "b"], root.GetProperty("inputs").EnumerateArray().Select(e => e.GetString()));
    }

    [Fact]
    public async Task Predict_should_add_mean_std_and_the_domain_flag_to_every_row()
    {
        var model = await TrainAsync();
        var far = Data(20, "far.csv", scale: 5.0); // inputs up to 5, trained on [0, 1]
        var output = _cli.Path("pred.csv");
        var (code, _, stderr) = await _cli.RunAsync("surrogate", "predict", "--model", model, "--data", far, "--out", output);
        Assert.True(code == 0, stderr);
        var table = CsvTable.Read(output, "--out");
        Assert.Equal(["id", "a", "b", "y", "mean", "std", "out_of_domain"], table.Columns);
        Assert.Equal(20, table.Count);
        var a = table.Numeric("a");
        var b = table.Numeric("b");
        var flags = table.Rows.Select(r => r[6] == "true").ToArray();
        for (var i = 0; i < a.Length; i++)
        {
            if (a[i] > 1.05 || b[i] > 1.05)
            {
                Assert.True(flags[i], $"row {i} ({a[i]:F2}, {b[i]:F2}) should be out of domain");
            }
        }
        Assert.Contains("outside the training domain", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Screen_should_rank_in_domain_candidates_and_keep_the_top_k()
    {
        var model = await TrainAsync();
        var candidates = Data(200, "candidates.csv");
        var outDir = _cli.Path("screen");
        var (code, _, stderr) = await _cli.RunAsync("surrogate", "screen", "--model", model, "--candidates", candidates, "--top", "5", "--maximize", "--out", outDir);
        Assert.True(code == 0, stderr);
        var table = CsvTable.Read(Path.Combine(outDir, "screen.csv"), "--out");
        Assert.Equal(5, table.Count);
        var means = table.Numeric("mean");
        Assert.Equal(means.OrderDescending(), means);
        // The best true values of y = 2a + sin(3b) are near a = 1, b = π/6: the top five should all be in the upper range.
        Assert.All(table.Numeric("y"), y => Assert.True(y > 2.2, $"y = {y}"));

        var (minCode, _, _) = await _cli.RunAsync("surrogate", "screen", "--model", model, "--candidates", candidates, "--top", "3", "--minimize", "--out", _cli.Path("screen-min"));
        Assert.Equal(0, minCode);
        Assert.All(CsvTable.Read(_cli.Path("screen-min/screen.csv"), "--out").Numeric("y"), y => Assert.True(y < 0.6, $"y = {y}"));
    }

    [Fact]
    public async Task Bad_training_input_should_exit_2_naming_file_line_and_column()
    {
        var path = _cli.Path("bad.csv");
        File.WriteAllLines(path, ["a,b,y", "1,2,3", "4,oops,6", .. Enumerable.Range(0, 20).Select(i => $"{i},{i},{i}")]);
        var (code, _, stderr) = await _cli.RunAsync("surrogate", "train", "--data", path, "--target", "y", "--out", _cli.Path("bad-out"));
        Assert.Equal(2, code);
        Assert.Contains("bad.csv:3: b: 'oops' is not a number", stderr, StringComparison.Ordinal);
        Assert.False(Directory.Exists(_cli.Path("bad-out")));

        (code, _, stderr) = await _cli.RunAsync("surrogate", "train", "--data", path, "--target", "kappa", "--out", _cli.Path("bad-out"));
        Assert.Equal(2, code);
        Assert.Contains("kappa: column is missing", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Predicting_with_a_csv_that_lacks_a_model_input_should_exit_2()
    {
        var model = await TrainAsync();
        var path = _cli.Path("wrong.csv");
        File.WriteAllLines(path, ["a,c", "0.5,0.5"]);
        var (code, _, stderr) = await _cli.RunAsync("surrogate", "predict", "--model", model, "--data", path, "--out", _cli.Path("p.csv"));
        Assert.Equal(2, code);
        Assert.Contains("wrong.csv:1: b: column is missing; the model needs a, b", stderr, StringComparison.Ordinal);
        Assert.False(File.Exists(_cli.Path("p.csv")));
    }
}
