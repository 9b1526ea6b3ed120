using System.Net.Sockets;
using ClusterML.Core.Files;
using ClusterML.Core.Results;
using ClusterML.Core.Validation;
using Npgsql;

namespace ClusterML.Storage;

/// <summary>
/// <see cref="IResultStore"/> in a PostgreSQL database (15 or newer), shared by the coordinators of a cluster on several
/// machines and by the journal (<see cref="PersistenceHostingExtensions.PostgresProvider"/>), which uses tables of its own in
/// the same database. The same tables and semantics as <see cref="SqliteResultStore"/>: created on first use, a trial's first
/// result kept (<c>ON CONFLICT DO NOTHING</c> on the (campaign, trial) key), <see cref="RecordBatch"/> in one transaction and
/// one round trip. Thread-safe: every call takes its own connection from the data source's pool.
/// </summary>
public sealed class PostgresResultStore : IResultStore, IDisposable
{
    private readonly NpgsqlDataSource _source;

    private PostgresResultStore(NpgsqlDataSource source) => _source = source;

    /// <summary>
    /// Connects to the database of <paramref name="connectionString"/> and creates the tables that are missing.
    /// </summary>
    /// <param name="connectionString">An Npgsql connection string (<c>Host=…;Database=…;Username=…;Password=…</c>).</param>
    /// <param name="field">The option or setting the string came from, named in error messages (<c>--postgres</c>).</param>
    /// <exception cref="InvalidInputException">The string is malformed, or the server refused its user, password or database.</exception>
    /// <exception cref="StoreUnavailableException">The server could not be reached.</exception>
    public static PostgresResultStore Open(string connectionString, string field = "--postgres")
    {
        NpgsqlConnectionStringBuilder parsed;
        try
        {
            parsed = new NpgsqlConnectionStringBuilder(connectionString);
        }
        catch (ArgumentException e)
        {
            // The message of a malformed string may quote it; say only what kind of problem it is.
            throw new InvalidInputException(field, $"is not a PostgreSQL connection string like \"Host=HOST;Database=DB;Username=USER;Password=…\" ({e.GetType().Name}: {FirstLine(e.Message.Replace(connectionString, "…", StringComparison.Ordinal))})");
        }
        if (string.IsNullOrWhiteSpace(parsed.Host))
        {
            throw new InvalidInputException(field, "names no Host= (a PostgreSQL connection string like \"Host=HOST;Database=DB;Username=USER;Password=…\")");
        }
        var where = $"PostgreSQL at {parsed.Host}:{parsed.Port}, database {parsed.Database ?? parsed.Username ?? "(default)"}";
        var source = NpgsqlDataSource.Create(parsed);
        var store = new PostgresResultStore(source);
        try
        {
            store.CreateTables();
            return store;
        }
        catch (PostgresException e) when (e.SqlState is "28P01" or "28000" or "3D000" or "42501")
        {
            // Wrong password, no such role or database, not allowed to create tables: the string (or the role) is at fault.
            source.Dispose();
            throw new InvalidInputException(field, $"{where}: {e.MessageText} (SQLSTATE {e.SqlState})");
        }
        catch (NpgsqlException e) when (e is not PostgresException && (e.InnerException is SocketException or TimeoutException or IOException || e.IsTransient))
        {
            source.Dispose();
            throw new StoreUnavailableException($"Cannot connect to {where}: {FirstLine(e.GetBaseException().Message)}", e);
        }
        catch (SocketException e)
        {
            source.Dispose();
            throw new StoreUnavailableException($"Cannot connect to {where}: {FirstLine(e.Message)}", e);
        }
        catch
        {
            source.Dispose();
            throw;
        }
    }

    private static string FirstLine(string text) => text.Split('\n', 2)[0].Trim();

    private void CreateTables()
    {
        using var connection = _source.OpenConnection();
        using var transaction = connection.BeginTransaction();
        // CREATE TABLE IF NOT EXISTS is not safe against another process doing the same at the same moment (both may try to
        // insert the table's type); the lock lines the processes up, and the second finds the tables made.
        Execute(connection, transaction, "SELECT pg_advisory_xact_lock(7283551094412837001);");
        Execute(connection, transaction, """
            CREATE TABLE IF NOT EXISTS campaigns (
                id TEXT PRIMARY KEY, name TEXT NOT NULL, engine TEXT NOT NULL, spec_path TEXT NOT NULL, spec_text TEXT NOT NULL,
                status TEXT NOT NULL, planned_trials INTEGER NOT NULL, created_at_ms BIGINT NOT NULL, ended_at_ms BIGINT NULL);
            CREATE TABLE IF NOT EXISTS trial_results (
                campaign_id TEXT NOT NULL, trial_id TEXT NOT NULL, trial_index INTEGER NOT NULL, parameters TEXT NOT NULL, seed INTEGER NOT NULL,
                status TEXT NOT NULL, final_loss DOUBLE PRECISION NULL, metrics TEXT NOT NULL, error TEXT NULL, artifacts TEXT NOT NULL, node TEXT NOT NULL,
                attempts INTEGER NOT NULL, started_at_ms BIGINT NOT NULL, ended_at_ms BIGINT NOT NULL, files TEXT NULL, artifact_folder TEXT NULL,
                PRIMARY KEY (campaign_id, trial_id));
            CREATE TABLE IF NOT EXISTS trial_epochs (
                campaign_id TEXT NOT NULL, trial_id TEXT NOT NULL, attempt INTEGER NOT NULL, epoch INTEGER NOT NULL, metrics TEXT NOT NULL,
                PRIMARY KEY (campaign_id, trial_id, attempt, epoch));
            CREATE TABLE IF NOT EXISTS trial_logs (
                campaign_id TEXT NOT NULL, trial_id TEXT NOT NULL, attempt INTEGER NOT NULL, content BYTEA NOT NULL,
                PRIMARY KEY (campaign_id, trial_id));
            """);
        transaction.Commit();
    }

    public void SaveCampaign(CampaignRecord campaign)
    {
        using var command = _source.CreateCommand("""
            INSERT INTO campaigns (id, name, engine, spec_path, spec_text, status, planned_trials, created_at_ms, ended_at_ms)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
            ON CONFLICT (id) DO UPDATE SET status = excluded.status, ended_at_ms = excluded.ended_at_ms, planned_trials = excluded.planned_trials;
            """);
        Add(command.Parameters, campaign.Id, campaign.Name, campaign.Engine, campaign.SpecPath, Text(campaign.SpecText), campaign.Status, campaign.PlannedTrials,
            campaign.CreatedAtMs, campaign.EndedAtMs);
        command.ExecuteNonQuery();
    }

    public void SetCampaignStatus(string campaignId, string status, long? endedAtMs)
    {
        using var command = _source.CreateCommand("UPDATE campaigns SET status = $2, ended_at_ms = $3 WHERE id = $1;");
        Add(command.Parameters, campaignId, status, endedAtMs);
        command.ExecuteNonQuery();
    }

    public CampaignRecord? FindCampaign(string campaignId) => ReadCampaigns("WHERE id = $1", campaignId).SingleOrDefault();

    public IReadOnlyList<CampaignRecord> Campaigns() => ReadCampaigns("ORDER BY created_at_ms, id");

    public bool TryRecordResult(TrialResult result) => RecordBatch([result], [])[0];

    public void RecordEpoch(EpochMetrics metrics) => RecordBatch([], [metrics]);

    /// <summary>
    /// Results (first copy kept) and epoch metrics in one transaction, sent as one batch. Rows are written in key order, so
    /// two aggregators' overlapping batches (one just taken over from the other) take their row locks in the same order and
    /// cannot deadlock; a trial that appears twice in one batch keeps its first copy.
    /// </summary>
    public IReadOnlyList<bool> RecordBatch(IReadOnlyList<TrialResult> results, IReadOnlyList<EpochMetrics> epochs)
    {
        var stored = new bool[results.Count];
        if (results.Count == 0 && epochs.Count == 0)
        {
            return stored;
        }
        using var connection = _source.OpenConnection();
        using var transaction = connection.BeginTransaction();
        using var batch = new NpgsqlBatch(connection, transaction);
        var resultOrder = Enumerable.Range(0, results.Count)
            .OrderBy(i => results[i].CampaignId, StringComparer.Ordinal).ThenBy(i => results[i].TrialId, StringComparer.Ordinal).ToArray();
        foreach (var i in resultOrder)
        {
            var result = results[i];
            var command = new NpgsqlBatchCommand("""
                INSERT INTO trial_results (campaign_id, trial_id, trial_index, parameters, seed, status, final_loss, metrics, error,
                    artifacts, node, attempts, started_at_ms, ended_at_ms, files, artifact_folder)
                VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)
                ON CONFLICT (campaign_id, trial_id) DO NOTHING;
                """);
            var values = TrialResultRows.Values(result);
            values[8] = values[8] is string error ? Text(error) : null;
            values[10] = Text(result.Node);
            Add(command.Parameters, values);
            batch.BatchCommands.Add(command);
        }
        foreach (var metrics in epochs.OrderBy(e => e.CampaignId, StringComparer.Ordinal).ThenBy(e => e.TrialId, StringComparer.Ordinal)
                     .ThenBy(e => e.Attempt).ThenBy(e => e.Epoch))
        {
            var command = new NpgsqlBatchCommand("""
                INSERT INTO trial_epochs (campaign_id, trial_id, attempt, epoch, metrics) VALUES ($1, $2, $3, $4, $5)
                ON CONFLICT (campaign_id, trial_id, attempt, epoch) DO UPDATE SET metrics = excluded.metrics;
                """);
            Add(command.Parameters, TrialResultRows.Values(metrics));
            batch.BatchCommands.Add(command);
        }
        batch.ExecuteNonQuery();
        for (var k = 0; k < resultOrder.Length; k++)
        {
            stored[resultOrder[k]] = batch.BatchCommands[k].RecordsAffected == 1;
        }
        transaction.Commit();
        return stored;
    }

    public IReadOnlyList<TrialResult> Results(string campaignId)
    {
        using var command = _source.CreateCommand($"""
            SELECT {TrialResultRows.Columns}
            FROM trial_results WHERE campaign_id = $1 ORDER BY trial_index, trial_id;
            """);
        Add(command.Parameters, campaignId);
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
        // COLLATE "C": the same order as SQLite's byte-wise text comparison, whatever the database's locale.
        using var command = _source.CreateCommand("""
            SELECT trial_id, attempt, epoch, metrics FROM trial_epochs WHERE campaign_id = $1 ORDER BY trial_id COLLATE "C", attempt, epoch;
            """);
        Add(command.Parameters, campaignId);
        return TrialResultRows.ReadEpochs(command, campaignId);
    }

    public IReadOnlyList<EpochMetrics> Epochs(string campaignId, IReadOnlyCollection<string> trialIds)
    {
        if (trialIds.Count == 0)
        {
            return [];
        }
        using var command = _source.CreateCommand("""
            SELECT trial_id, attempt, epoch, metrics FROM trial_epochs WHERE campaign_id = $1 AND trial_id = ANY($2) ORDER BY trial_id COLLATE "C", attempt, epoch;
            """);
        Add(command.Parameters, campaignId, trialIds.ToArray());
        return TrialResultRows.ReadEpochs(command, campaignId);
    }

    public long EpochCount(string campaignId)
    {
        using var command = _source.CreateCommand("SELECT COUNT(*) FROM trial_epochs WHERE campaign_id = $1;");
        Add(command.Parameters, campaignId);
        return Convert.ToInt64(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
    }

    public void StoreTrialLogs(IReadOnlyList<TrialLogEntry> logs)
    {
        if (logs.Count == 0)
        {
            return;
        }
        using var connection = _source.OpenConnection();
        using var transaction = connection.BeginTransaction();
        using var batch = new NpgsqlBatch(connection, transaction);
        // In key order, like the results: concurrent batches then take their row locks in the same order.
        foreach (var log in logs.OrderBy(l => l.CampaignId, StringComparer.Ordinal).ThenBy(l => l.TrialId, StringComparer.Ordinal))
        {
            var command = new NpgsqlBatchCommand("""
                INSERT INTO trial_logs (campaign_id, trial_id, attempt, content) VALUES ($1, $2, $3, $4)
                ON CONFLICT (campaign_id, trial_id) DO UPDATE SET attempt = excluded.attempt, content = excluded.content WHERE excluded.attempt >= trial_logs.attempt;
                """);
            Add(command.Parameters, log.CampaignId, log.TrialId, log.Attempt, log.Content);
            batch.BatchCommands.Add(command);
        }
        batch.ExecuteNonQuery();
        transaction.Commit();
    }

    public TrialLogEntry? TrialLog(string campaignId, string trialId)
    {
        using var command = _source.CreateCommand("SELECT attempt, content FROM trial_logs WHERE campaign_id = $1 AND trial_id = $2;");
        Add(command.Parameters, campaignId, trialId);
        using var reader = command.ExecuteReader();
        return reader.Read() ? new TrialLogEntry(campaignId, trialId, reader.GetInt32(0), (byte[])reader.GetValue(1)) : null;
    }

    public bool DeleteCampaign(string campaignId)
    {
        using var connection = _source.OpenConnection();
        using var transaction = connection.BeginTransaction();
        using var batch = new NpgsqlBatch(connection, transaction);
        foreach (var sql in new[] { "DELETE FROM trial_logs WHERE campaign_id = $1;", "DELETE FROM trial_epochs WHERE campaign_id = $1;", "DELETE FROM trial_results WHERE campaign_id = $1;", "DELETE FROM campaigns WHERE id = $1;" })
        {
            var command = new NpgsqlBatchCommand(sql);
            Add(command.Parameters, campaignId);
            batch.BatchCommands.Add(command);
        }
        batch.ExecuteNonQuery();
        var existed = batch.BatchCommands[3].RecordsAffected > 0;
        transaction.Commit();
        return existed;
    }

    public void Dispose() => _source.Dispose();

    private List<CampaignRecord> ReadCampaigns(string where, params object[] parameters)
    {
        using var command = _source.CreateCommand($"SELECT id, name, engine, spec_path, spec_text, status, planned_trials, created_at_ms, ended_at_ms FROM campaigns {where};");
        Add(command.Parameters, parameters);
        using var reader = command.ExecuteReader();
        var campaigns = new List<CampaignRecord>();
        while (reader.Read())
        {
            campaigns.Add(new CampaignRecord(reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetString(3), reader.GetString(4),
                reader.GetString(5), reader.GetInt32(6), reader.GetInt64(7), reader.IsDBNull(8) ? null : reader.GetInt64(8)));
        }
        return campaigns;
    }

    /// <summary>Positional parameters ($1, $2, …); null becomes SQL NULL.</summary>
    private static void Add(NpgsqlParameterCollection parameters, params object?[] values)
    {
        foreach (var value in values)
        {
            parameters.Add(new NpgsqlParameter { Value = value ?? DBNull.Value });
        }
    }

    /// <summary>PostgreSQL text cannot hold U+0000 (an engine's error text might): it becomes U+FFFD instead of failing the whole batch.</summary>
    private static string Text(string value) => value.Contains('\0', StringComparison.Ordinal) ? value.Replace('\0', '\uFFFD') : value;

    private static void Execute(NpgsqlConnection connection, NpgsqlTransaction transaction, string sql)
    {
        using var command = new NpgsqlCommand(sql, connection, transaction);
        command.ExecuteNonQuery();
    }
}
