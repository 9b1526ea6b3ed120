using System.Data.Common;
using System.Globalization;
using ClusterML.Core.Results;
using ClusterML.Storage;
using ClusterML.Testing;

namespace ClusterML.Cluster.Tests.Campaigns;

/// <summary>
/// Where one test's cluster persists: <c>journal.db</c> and <c>results.db</c> in a folder, or a throw-away PostgreSQL database
/// for journal, snapshots and results. A cluster restarted on the same object finds what the previous one wrote.
/// </summary>
public sealed class TestStorage : IDisposable
{
    private readonly PostgresTestDatabase? _database;

    private TestStorage(Backend backend, string folder, PostgresTestDatabase? database) => (Backend, Folder, _database) = (backend, folder, database);

    public Backend Backend { get; }

    /// <summary>The test's folder (the SQLite files, or nothing with PostgreSQL).</summary>
    public string Folder { get; }

    /// <summary>Skips the test (visibly) for <see cref="Backend.Postgres"/> when no server is configured.</summary>
    public static TestStorage Create(Backend backend, string folder)
    {
        Directory.CreateDirectory(folder);
        return new TestStorage(backend, folder, backend == Backend.Postgres ? PostgresTestDatabase.Create() : null);
    }

    public (string ConnectionString, string Provider) Journal => _database is { } database
        ? (database.ConnectionString, PersistenceHostingExtensions.PostgresProvider)
        : (PersistenceHostingExtensions.SqliteConnectionString(Path.Combine(Folder, "journal.db")), PersistenceHostingExtensions.SqliteProvider);

    public IResultStore OpenResults() => _database is { } database
        ? PostgresResultStore.Open(database.ConnectionString)
        : new SqliteResultStore(Path.Combine(Folder, "results.db"));

    /// <summary>Rows of a persistence id left in the journal (not marked deleted) and snapshot store, and its highest sequence number.</summary>
    public (long Events, long Snapshots, long Written) JournalRows(string persistenceId)
    {
        using var connection = OpenJournal();
        long Count(string sql)
        {
            using var command = Command(connection, sql, persistenceId);
            return Convert.ToInt64(command.ExecuteScalar(), CultureInfo.InvariantCulture);
        }
        // deleted is an integer in SQLite and a boolean in PostgreSQL; both accept FALSE.
        return (Count("SELECT COUNT(*) FROM journal WHERE persistence_id = @id AND deleted = FALSE"), Count("SELECT COUNT(*) FROM snapshot WHERE persistence_id = @id"),
            Count("SELECT MAX(sequence_number) FROM journal WHERE persistence_id = @id"));
    }

    /// <summary>The journal's rows (sequence number:deleted) and snapshots of a persistence id, for assertion messages.</summary>
    public string JournalDebug(string persistenceId)
    {
        using var connection = OpenJournal();
        string Rows(string sql)
        {
            using var command = Command(connection, sql, persistenceId);
            using var reader = command.ExecuteReader();
            var rows = new List<string>();
            while (reader.Read())
            {
                rows.Add(reader.FieldCount == 1 ? $"{reader.GetValue(0)}" : $"{reader.GetValue(0)}:{reader.GetValue(1)}");
            }
            return string.Join(',', rows);
        }
        return $"journal {Rows("SELECT sequence_number, deleted FROM journal WHERE persistence_id = @id ORDER BY sequence_number")}; " +
            $"snapshots {Rows("SELECT sequence_number FROM snapshot WHERE persistence_id = @id ORDER BY sequence_number")}";
    }

    public void Dispose()
    {
        _database?.Dispose();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
    }

    private DbConnection OpenJournal()
    {
        if (_database is { } database)
        {
            return database.Open();
        }
        var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={Path.Combine(Folder, "journal.db")}");
        connection.Open();
        return connection;
    }

    private static DbCommand Command(DbConnection connection, string sql, string persistenceId)
    {
        var command = connection.CreateCommand();
        command.CommandText = sql;
        var parameter = command.CreateParameter();
        parameter.ParameterName = "id";
        parameter.Value = persistenceId;
        command.Parameters.Add(parameter);
        return command;
    }
}
