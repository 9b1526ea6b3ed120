using System.Data.Common;
using System.Text.Json;
using ClusterML.Core.Files;
using ClusterML.Core.Results;

namespace ClusterML.Storage;

/// <summary>
/// The result and epoch tables' rows as both stores write and read them: the column values of a <see cref="TrialResult"/>
/// and of <see cref="EpochMetrics"/> (JSON text for the collections, non-finite metrics dropped, null for an absent value),
/// and a result row read back.
/// </summary>
internal static class TrialResultRows
{
    /// <summary>The column list of <see cref="Read"/>, in its order.</summary>
    public const string Columns = "trial_id, trial_index, parameters, seed, status, final_loss, metrics, error, artifacts, node, attempts, started_at_ms, ended_at_ms, files, artifact_folder";

    private static readonly JsonSerializerOptions Json = new();

    /// <summary>The values of <c>trial_results</c>' 16 columns, in the order of its insert statements.</summary>
    public static object?[] Values(TrialResult result) =>
    [
        result.CampaignId,
        result.TrialId,
        result.Index,
        JsonSerializer.Serialize(result.Parameters, Json),
        result.Seed,
        result.Status.ToString().ToLowerInvariant(),
        result.FinalLoss is { } loss && double.IsFinite(loss) ? loss : null,
        FiniteJson(result.Metrics),
        result.Error,
        JsonSerializer.Serialize(result.Artifacts, Json),
        result.Node,
        result.Attempts,
        result.StartedAtMs,
        result.EndedAtMs,
        result.Files is { } files ? JsonSerializer.Serialize(files, Json) : null,
        result.ArtifactFolder,
    ];

    /// <summary>The values of <c>trial_epochs</c>' columns: campaign, trial, attempt, epoch, metrics.</summary>
    public static object?[] Values(EpochMetrics metrics) => [metrics.CampaignId, metrics.TrialId, metrics.Attempt, metrics.Epoch, FiniteJson(metrics.Metrics)];

    private static string FiniteJson(IReadOnlyDictionary<string, double> metrics) =>
        JsonSerializer.Serialize(metrics.Where(m => double.IsFinite(m.Value)).ToDictionary(), Json);

    public static TrialResult Read(DbDataReader reader, string campaignId) => new(
        campaignId,
        reader.GetString(0),
        reader.GetInt32(1),
        JsonSerializer.Deserialize<Dictionary<string, string>>(reader.GetString(2), Json)!,
        reader.GetInt32(3),
        Enum.Parse<TrialStatus>(reader.GetString(4), ignoreCase: true),
        reader.IsDBNull(5) ? null : reader.GetDouble(5),
        JsonSerializer.Deserialize<Dictionary<string, double>>(reader.GetString(6), Json)!,
        reader.IsDBNull(7) ? null : reader.GetString(7),
        JsonSerializer.Deserialize<List<string>>(reader.GetString(8), Json)!,
        reader.GetString(9),
        reader.GetInt32(10),
        reader.GetInt64(11),
        reader.GetInt64(12),
        reader.IsDBNull(13) ? null : JsonSerializer.Deserialize<List<ArtifactFile>>(reader.GetString(13), Json),
        reader.IsDBNull(14) ? null : reader.GetString(14));

    /// <summary>An epoch row selected as <c>trial_id, attempt, epoch, metrics</c>.</summary>
    private static EpochMetrics ReadEpoch(DbDataReader reader, string campaignId) =>
        new(campaignId, reader.GetString(0), reader.GetInt32(1), reader.GetInt32(2), JsonSerializer.Deserialize<Dictionary<string, double>>(reader.GetString(3), Json)!);

    /// <summary>Every epoch row <paramref name="command"/> selects (as <c>trial_id, attempt, epoch, metrics</c>), in its order.</summary>
    public static List<EpochMetrics> ReadEpochs(DbCommand command, string campaignId)
    {
        using var reader = command.ExecuteReader();
        var epochs = new List<EpochMetrics>();
        while (reader.Read())
        {
            epochs.Add(ReadEpoch(reader, campaignId));
        }
        return epochs;
    }
}
