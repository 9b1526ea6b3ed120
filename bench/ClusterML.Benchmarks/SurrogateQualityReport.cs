using System.Diagnostics;
using System.Globalization;
using ClusterML.Engines.Surrogate;

namespace ClusterML.Benchmarks;

/// <summary>
/// The surrogate numbers of issue 3 that are not micro-benchmarks: test R² on the thin-film (log k) and Slack data sets
/// (n = 2000, seed 1, default settings, 5 members), wall time per member, and the ensemble spread far outside the training
/// domain against inside it. Run with <c>dotnet run -c Release --project bench/ClusterML.Benchmarks -- surrogate-quality</c>.
/// </summary>
public static class SurrogateQualityReport
{
    public static void Run()
    {
        var folder = Directory.CreateTempSubdirectory("clusterml-quality-").FullName;
        try
        {
            Console.WriteLine("| data set | n | members | test R² | test R² (log10) | within ±2σ | Spearman |err| vs σ | s per member (mean, max) |");
            Console.WriteLine("|---|---:|---:|---:|---:|---:|---:|---:|");
            foreach (var name in new[] { "thin-film", "slack" })
            {
                var csv = SurrogateFixture.GenerateCsv(name, 2000, 1, folder);
                var clock = Stopwatch.StartNew();
                var report = SurrogateFixture.Train(name, csv, ensemble: 5, seed: 1, Path.Combine(folder, name));
                var m = report.Metrics;
                string S(string key) => m.TryGetValue(key, out var v) && v is { } x ? x.ToString("F4", CultureInfo.InvariantCulture) : "–";
                Console.WriteLine($"| {name} | 2000 | 5 | {S("test_r2")} | {S("test_r2_log10")} | {S("test_within_2sigma")} | {S("test_spearman_abs_error_vs_std")} | " +
                    $"{report.Members.Average(x => x.Seconds):F1}, {report.Members.Max(x => x.Seconds):F1} (total {clock.Elapsed.TotalSeconds:F0} s) |");
            }

            using var model = SurrogateModel.Load(Path.Combine(folder, "thin-film", "model"));
            var inside = model.Predict(model.TrainingInputs);
            var names = model.InputNames;
            double[] Row(double thickness, double roughness, double temperature, double direction)
            {
                var values = new Dictionary<string, double>
                {
                    ["thickness_nm"] = thickness, ["roughness_nm"] = roughness, ["temperature_K"] = temperature, ["direction"] = direction,
                };
                return names.Select(n => values[n]).ToArray();
            }
            double[][] far =
            [
                Row(50_000, 1.0, 300, 0), Row(50_000, 1.0, 1200, 0), Row(1_000, 1.0, 1200, 0), Row(50_000, 0.5, 1200, 1), Row(2, 1.0, 300, 0), Row(100, 5.0, 300, 0),
            ];
            var outside = model.Predict(far);
            Console.WriteLine();
            Console.WriteLine("| thin-film ensemble spread | mean std (W/m/K) | mean std / mean | flagged out of domain |");
            Console.WriteLine("|---|---:|---:|---:|");
            Console.WriteLine($"| training inputs (in domain) | {inside.Std.Average():G3} | {inside.Std.Select((s, i) => s / inside.Mean[i]).Average():G3} | {inside.OutOfDomain.Count(f => f)} of {inside.Mean.Length} |");
            Console.WriteLine($"| far outside (50 µm, 1200 K, 2 nm, η = 5 nm) | {outside.Std.Average():G3} | {outside.Std.Select((s, i) => s / outside.Mean[i]).Average():G3} | {outside.OutOfDomain.Count(f => f)} of {far.Length} |");
            Console.WriteLine($"ratio far / in-domain mean std: {outside.Std.Average() / inside.Std.Average():F1}×");
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
