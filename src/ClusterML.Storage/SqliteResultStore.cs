using System.Globalization;
using ClusterML.Core.Files;
using ClusterML.Core.Results;
using Microsoft.Data.Sqlite;

namespace ClusterML.Storage;

/// <summary>
/// <see cref="IResultStore"/> on a SQLite file (WAL mode, so another process can read while a campaign writes).
/// Exactly-once results: the trial table's primary key is (campaign, trial) and inserts use <c>INSERT OR IGNORE</c>.
/// Each call opens its own pooled connection, so the store is thread-safe. Each result keeps its artifact files (path, size,
/// SHA-256, as JSON) and folder with it, so they are recorded exactly once too.
/// </summary>
public sealed class SqliteResultStore : IResultStore
{
    private readonly string _connectionString;

    public SqliteResultStore(string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        _connectionString = new SqliteConnectionStringBuilder { DataSource = path, Pooling = true, DefaultTimeout = 30 }.ToString();
        using var connection = Open();
        Execute(connection, """
            PRAGMA journal_mode = WAL;
            CREATE TABLE IF NOT EXISTS campaigns (
                id TEXT PRIMARY KEY, name TEXT NOT NULL, engine TEXT NOT NULL, spec_path TEXT NOT NULL, spec_text TEXT NOT NULL,
                status TEXT NOT NULL, planned_trials INTEGER NOT NULL, created_at_ms INTEGER NOT NULL, ended_at_ms INTEGER NULL);
            CREATE TABLE IF NOT EXISTS trial_results (
                campaign_id TEXT NOT NULL, trial_id TEXT NOT NULL, trial_index INTEGER NOT NULL, parameters TEXT NOT NULL, seed INTEGER NOT NULL,
                status TEXT NOT NULL, final_loss REAL NULL, metrics TEXT NOT NULL, error TEXT NULL, artifacts TEXT NOT NULL, node TEXT NOT NULL,
                attempts INTEGER NOT NULL, started_at_ms INTEGER NOT NULL, ended_at_ms INTEGER NOT NULL, files TEXT NULL, artifact_folder TEXT NULL,
                PRIMARY KEY (campaign_id, trial_id));
            CREATE TABLE IF NOT EXISTS trial_epochs (
                campaign_id TEXT NOT NULL, trial_id TEXT NOT NULL, attempt INTEGER NOT NULL, epoch INTEGER NOT NULL, metrics TEXT NOT NULL,
                PRIMARY KEY (campaign_id, trial_id, attempt, epoch));
            CREATE TABLE IF NOT EXISTS trial_logs (
                campaign_id TEXT NOT NULL, trial_id TEXT NOT NULL, attempt INTEGER NOT NULL, content BLOB NOT NULL,
                PRIMARY KEY (campaign_id, trial_id));
            """);
        // Artifact files (JSON list of path, size, SHA-256) and folder came later: add them to stores made before. Another
        // process opening the same old store at the same moment may add them first.
        foreach (var column in new[] { "files", "artifact_folder" })
        {
            using var exists = connection.CreateCommand();
            exists.CommandText = $"SELECT COUNT(*) FROM pragma_table_info('trial_results') WHERE name = '{column}';";
            if (Convert.ToInt64(exists.ExecuteScalar(), CultureInfo.InvariantCulture) == 0)
            {
                try
                {
                    Execute(connection, $"ALTER TABLE trial_results ADD COLUMN {column} TEXT NULL;");
                }
                catch (SqliteException e) when (e.Message.Contains("duplicate column", StringComparison.Ordinal))
                {
                    // Added by the other process.
                }
            }
        }
    }

    public void SaveCampaign(CampaignRecord campaign)
    {
        using var connection = Open();
        using var command = connection.CreateCommand();
        command.CommandText = """
            INSERT INTO campaigns (id, name, engine, spec_path, spec_text, status, planned_trials, created_at_ms, ended_at_ms)
            VALUES ($id, $name, $engine, $path, $text, $status, $planned, $created, $ended)
            ON CONFLICT(id) DO UPDATE SET status = excluded.status, ended_at_ms = excluded.ended_at_ms, planned_trials = excluded.planned_trials;
            """;
        command.Parameters.AddWithValue("$id", campaign.Id);
        command.Parameters.AddWithValue("$name", campaign.Name);
        command.Parameters.AddWithValue("$engine", campaign.Engine);
        command.Parameters.AddWithValue("$path", campaign.SpecPath);
        command.Parameters.AddWithValue("$text", campaign.SpecText);
        command.Parameters.AddWithValue("$status", campaign.Status);
        command.Parameters.AddWithValue("$planned", campaign.PlannedTrials);
        command.Parameters.AddWithValue("$created", campaign.CreatedAtMs);
        command.Parameters.AddWithValue("$ended", (object?)campaign.EndedAtMs ?? DBNull.Value);
        command.ExecuteNonQuery();
    }

    public void SetCampaignStatus(string campaignId, string status, long? endedAtMs)
    {
        using var connection = Open();
        using var command = connection.CreateCommand();
        command.CommandText = "UPDATE campaigns SET status = $status, ended_at_ms = $ended WHERE id = $id;";
        command.Parameters.AddWithValue("$id", campaignId);
        command.Parameters.AddWithValue("$status", status);
        command.Parameters.AddWithValue("$ended", (object?)endedAtMs ?? DBNull.Value);
        command.ExecuteNonQuery();
    }

    public CampaignRecord? FindCampaign(string campaignId) => ReadCampaigns("WHERE id = $id", ("$id", campaignId)).SingleOrDefault();

    public IReadOnlyList<CampaignRecord> Campaigns() => ReadCampaigns("ORDER BY created_at_ms");

    public bool TryRecordResult(TrialResult result) => RecordBatch([result], [])[0];

    public void RecordEpoch(EpochMetrics metrics) => RecordBatch([], [metrics]);

    /// <summary>
    /// Results (first copy kept) and epoch metrics in one transaction: one commit for many rows, which is what lets the
    /// aggregator keep up with thousands of trials a second.
    /// </summary>
    public IReadOnlyList<bool> RecordBatch(IReadOnlyList<TrialResult> results, IReadOnlyList<EpochMetrics> epochs)
    {
        var stored = new bool[results.Count];
        if (results.Count == 0 && epochs.Count == 0)
        {
            return stored;
        }
        using var connection = Open();
        using var transaction = connection.BeginTransaction();
        if (results.Count > 0)
        {
            using var command = connection.CreateCommand();
            command.Transaction = transaction;
            command.CommandText = """
                INSERT OR IGNORE INTO trial_results (campaign_id, trial_id, trial_index, parameters, seed, status, final_loss, metrics, error,
                    artifacts, node, attempts, started_at_ms, ended_at_ms, files, artifact_folder)
                VALUES ($campaign, $trial, $index, $parameters, $seed, $status, $loss, $metrics, $error, $artifacts, $node, $attempts, $started, $ended, $files, $folder);
                """;
            var p = new[] { "$campaign", "$trial", "$index", "$parameters", "$seed", "$status", "$loss", "$metrics", "$error", "$artifacts", "$node", "$attempts",
                "$started", "$ended", "$files", "$folder" }.Select(name => Parameter(command, name)).ToArray();
            command.Prepare();
            for (var r = 0; r < results.Count; r++)
            {
                var values = TrialResultRows.Values(results[r]);
                for (var c = 0; c < p.Length; c++)
                {
                    p[c].Value = values[c] ?? DBNull.Value;
                }
                stored[r] = command.ExecuteNonQuery() == 1;
            }
        }
        if (epochs.Count > 0)
        {
            using var command = connection.CreateCommand();
            command.Transaction = transaction;
            command.CommandText = """
                INSERT OR REPLACE INTO trial_epochs (campaign_id, trial_id, attempt, epoch, metrics) VALUES ($campaign, $trial, $attempt, $epoch, $metrics);
                """;
            var p = new[] { "$campaign", "$trial", "$attempt", "$epoch", "$metrics" }.Select(name => Parameter(command, name)).ToArray();
            command.Prepare();
            foreach (var metrics in epochs)
            {
                var values = TrialResultRows.Values(metrics);
                for (var c = 0; c < p.Length; c++)
                {
                    p[c].Value = values[c];
                }
                command.ExecuteNonQuery();
            }
        }
        transaction.Commit();
        return stored;
    }

    public IReadOnlyList<TrialResult> Results(string campaignId) => ReadResults(campaignId, "ORDER BY trial_index", -1);

    /// <summary>The best completed results by SQL (ordered and limited in the database) and the counts by status.</summary>
    public (IReadOnlyList<TrialResult> Best, int Completed, int Failed, int Stopped) Standing(string campaignId, int top)
    {
        var best = ReadResults(campaignId, "AND status = 'completed' AND final_loss IS NOT NULL ORDER BY final_loss, trial_index LIMIT $top", Math.Max(0, top));
        using var connection = Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT status, COUNT(*) FROM trial_results WHERE campaign_id = $campaign GROUP BY status;";
        command.Parameters.AddWithValue("$campaign", campaignId);
        using var reader = command.ExecuteReader();
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        while (reader.Read())
        {
            counts[reader.GetString(0)] = reader.GetInt32(1);
        }
        return (best, counts.GetValueOrDefault("completed"), counts.GetValueOrDefault("failed"), counts.GetValueOrDefault("stopped"));
    }

    private List<TrialResult> ReadResults(string campaignId, string filterAndOrder, int top)
    {
        using var connection = Open();
        using var command = connection.CreateCommand();
        command.CommandText = $"""
            SELECT {TrialResultRows.Columns}
            FROM trial_results WHERE campaign_id = $campaign {filterAndOrder};
            """;
        command.Parameters.AddWithValue("$campaign", campaignId);
        if (top >= 0)
        {
            command.Parameters.AddWithValue("$top", top);
        }
        using var reader = command.ExecuteReader();
        var results = new List<TrialResult>();
        while (reader.Read())
        {
            results.Add(TrialResultRows.Read(reader, campaignId));
        }
        return results;
    }

    public IReadOnlyList<EpochMetrics> Epochs(string campaignId)
    {
        using var connection = Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT trial_id, attempt, epoch, metrics FROM trial_epochs WHERE campaign_id = $campaign ORDER BY trial_id, attempt, epoch;";
        command.Parameters.AddWithValue("$campaign", campaignId);
        return TrialResultRows.ReadEpochs(command, campaignId);
    }

    public IReadOnlyList<EpochMetrics> Epochs(string campaignId, IReadOnlyCollection<string> trialIds)
    {
        if (trialIds.Count == 0)
        {
            return [];
        }
        using var connection = Open();
        using var command = connection.CreateCommand();
        var names = trialIds.Select((_, i) => $"$t{i}").ToArray();
        command.CommandText = $"SELECT trial_id, attempt, epoch, metrics FROM trial_epochs WHERE campaign_id = $campaign AND trial_id IN ({string.Join(", ", names)}) ORDER BY trial_id, attempt, epoch;";
        command.Parameters.AddWithValue("$campaign", campaignId);
        foreach (var (name, id) in names.Zip(trialIds))
        {
            command.Parameters.AddWithValue(name, id);
        }
        return TrialResultRows.ReadEpochs(command, campaignId);
    }

    public long EpochCount(string campaignId)
    {
        using var connection = Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT COUNT(*) FROM trial_epochs WHERE campaign_id = $campaign;";
        command.Parameters.AddWithValue("$campaign", campaignId);
        return Convert.ToInt64(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
    }

    public void StoreTrialLogs(IReadOnlyList<TrialLogEntry> logs)
    {
        if (logs.Count == 0)
        {
            return;
        }
        using var connection = Open();
        using var transaction = connection.BeginTransaction();
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = """
            INSERT INTO trial_logs (campaign_id, trial_id, attempt, content) VALUES ($campaign, $trial, $attempt, $content)
            ON CONFLICT (campaign_id, trial_id) DO UPDATE SET attempt = excluded.attempt, content = excluded.content WHERE excluded.attempt >= trial_logs.attempt;
            """;
        var p = new[] { "$campaign", "$trial", "$attempt", "$content" }.Select(name => Parameter(command, name)).ToArray();
        command.Prepare();
        foreach (var log in logs)
        {
            (p[0].Value, p[1].Value, p[2].Value, p[3].Value) = (log.CampaignId, log.TrialId, log.Attempt, log.Content);
            command.ExecuteNonQuery();
        }
        transaction.Commit();
    }

    public TrialLogEntry? TrialLog(string campaignId, string trialId)
    {
        using var connection = Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT attempt, content FROM trial_logs WHERE campaign_id = $campaign AND trial_id = $trial;";
        command.Parameters.AddWithValue("$campaign", campaignId);
        command.Parameters.AddWithValue("$trial", trialId);
        using var reader = command.ExecuteReader();
        return reader.Read() ? new TrialLogEntry(campaignId, trialId, reader.GetInt32(0), (byte[])reader.GetValue(1)) : null;
    }

    public bool DeleteCampaign(string campaignId)
    {
        using var connection = Open();
        using var transaction = connection.BeginTransaction();
        var existed = false;
        foreach (var table in new[] { "trial_logs", "trial_epochs", "trial_results", "campaigns" })
        {
            using var command = connection.CreateCommand();
            command.Transaction = transaction;
            command.CommandText = $"DELETE FROM {table} WHERE {(table == "campaigns" ? "id" : "campaign_id")} = $id;";
            command.Parameters.AddWithValue("$id", campaignId);
            existed = command.ExecuteNonQuery() > 0 && table == "campaigns";
        }
        transaction.Commit();
        return existed;
    }

    private List<CampaignRecord> ReadCampaigns(string where, params (string Name, object Value)[] parameters)
    {
        using var connection = Open();
        using var command = connection.CreateCommand();
        command.CommandText = $"SELECT id, name, engine, spec_path, spec_text, status, planned_trials, created_at_ms, ended_at_ms FROM campaigns {where};";
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value);
        }
        using var reader = command.ExecuteReader();
        var campaigns = new List<CampaignRecord>();
        while (reader.Read())
        {
            campaigns.Add(new CampaignRecord(reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetString(3), reader.GetString(4),
                reader.GetString(5), reader.GetInt32(6), reader.GetInt64(7), reader.IsDBNull(8) ? null : reader.GetInt64(8)));
        }
        return campaigns;
    }

    private SqliteConnection Open()
    {
        var connection = new SqliteConnection(_connectionString);
        connection.Open();
        return connection;
    }

    private static void Execute(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    /// <summary>A parameter whose type follows the value bound to it on each execution.</summary>
    private static SqliteParameter Parameter(SqliteCommand command, string name)
    {
        var parameter = command.CreateParameter();
        parameter.ParameterName = name;
        parameter.Value = DBNull.Value;
        command.Parameters.Add(parameter);
        return parameter;
    }

    /// <summary>Formats a number for the store's text columns (invariant).</summary>
    public static string Format(double value) => value.ToString("R", CultureInfo.InvariantCulture);
}
