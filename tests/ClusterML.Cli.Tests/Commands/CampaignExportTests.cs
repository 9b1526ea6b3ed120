using System.Text.Json;
using ClusterML.Cli.Output;
using ClusterML.Core.Results;
using ClusterML.Storage;

namespace ClusterML.Cli.Tests.Commands;

/// <summary>results.csv and results.json of a campaign: unique column names, numbers as numbers; the plots written beside them.</summary>
public sealed class CampaignExportTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("clusterml-export-").FullName;

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_folder, recursive: true);
    }

    [Fact]
    public void A_metric_named_like_a_hyperparameter_should_get_its_own_column_and_json_should_keep_numbers_as_numbers()
    {
        var store = new SqliteResultStore(Path.Combine(_folder, "results.db"));
        store.SaveCampaign(new CampaignRecord("fd1", "fd1", "fd", "spec.yaml", "", "completed", 2, 0, 1));
        // An fd trial reports the r it ran with as a metric, next to the hyperparameter r.
        TrialResult Trial(string id, string r, double loss) => new("fd1", id, 0,
            new Dictionary<string, string> { ["r"] = r, ["nx"] = "11", ["scheme"] = "explicit", ["guard"] = "true" }, 7, TrialStatus.Completed, loss,
            new Dictionary<string, double> { ["r"] = double.Parse(r, System.Globalization.CultureInfo.InvariantCulture), ["max_error"] = loss }, null, [], "n", 1, 0, 1);
        // fd reports the fraction of the run done as epochs 1-10: no learning curve.
        store.RecordBatch([Trial("t0000", "0.25", 0.1), Trial("t0001", "0.4", 0.2)],
            [.. Enumerable.Range(1, 10).Select(e => new EpochMetrics("fd1", "t0000", 1, e, new Dictionary<string, double> { ["train_loss"] = e / 10.0 }))]);

        var written = CampaignReports.Export(store, "fd1", _folder, name => Path.Combine(_folder, name));

        // Text and boolean hyperparameters get their plots too (strip plots).
        Assert.Equal(["loss_vs_guard.png", "loss_vs_nx.png", "loss_vs_r.png", "loss_vs_scheme.png"], written.Where(f => f.EndsWith(".png", StringComparison.Ordinal)));
        Assert.All(written, f => Assert.True(File.Exists(Path.Combine(_folder, f)), f));

        var header = File.ReadLines(Path.Combine(_folder, "results.csv")).First().Split(',');
        Assert.Equal(header.Length, header.Distinct(StringComparer.Ordinal).Count());
        Assert.Contains("r", header);
        Assert.Contains("metric_r", header);
        Assert.Contains("max_error", header);

        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(_folder, "results.json")));
        var parameters = json.RootElement[0].GetProperty("Parameters");
        Assert.Equal((JsonValueKind.Number, 0.25), (parameters.GetProperty("r").ValueKind, parameters.GetProperty("r").GetDouble()));
        Assert.Equal((JsonValueKind.Number, 11), (parameters.GetProperty("nx").ValueKind, parameters.GetProperty("nx").GetInt32()));
        Assert.Equal(JsonValueKind.True, parameters.GetProperty("guard").ValueKind);
        Assert.Equal(JsonValueKind.String, parameters.GetProperty("scheme").ValueKind);
        Assert.Equal(JsonValueKind.Number, json.RootElement[0].GetProperty("FinalLoss").ValueKind);
    }
}
