using System.Data.Common;
using System.Text.Json;
using ClusterML.Core.Files;
using ClusterML.Core.Results;

namespace ClusterML.Storage;

/// <summary>The results table's columns as both stores select them, and a row read back into a <see cref="TrialResult"/>.</summary>
internal static class TrialResultRows
{
    /// <summary>The column list of <see cref="Read"/>, in its order.</summary>
    public const string Columns = "trial_id, trial_index, parameters, seed, status, final_loss, metrics, error, artifacts, node, attempts, started_at_ms, ended_at_ms, files, artifact_folder";

    private static readonly JsonSerializerOptions Json = new();

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
}
