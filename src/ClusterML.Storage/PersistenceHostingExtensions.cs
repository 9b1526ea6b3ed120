using Akka.Hosting;
using Akka.Persistence.Sql;

namespace ClusterML.Storage;

/// <summary>
/// Akka.Persistence.Sql (journal and snapshots) for the coordinators: SQLite in the data directory by default, or PostgreSQL
/// for several machines. Tables are created on first use.
/// </summary>
public static class PersistenceHostingExtensions
{
    /// <summary>linq2db provider name of Microsoft.Data.Sqlite.</summary>
    public const string SqliteProvider = "SQLite.MS";

    /// <summary>linq2db provider name for PostgreSQL 15 and newer.</summary>
    public const string PostgresProvider = "PostgreSQL.15";

    /// <summary>
    /// The embedded default: <c>DATA_DIR/clusterml.db</c>. The file is switched to write-ahead logging first (a setting SQLite
    /// keeps in the file): every persisted event is a small commit, and WAL makes those several times cheaper than the rollback journal.
    /// </summary>
    public static string SqliteConnectionString(string databasePath)
    {
        var full = Path.GetFullPath(databasePath);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        var connectionString = $"Data Source={full}";
        using (var connection = new Microsoft.Data.Sqlite.SqliteConnection(connectionString))
        {
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = "PRAGMA journal_mode = WAL;";
            command.ExecuteNonQuery();
        }
        return connectionString;
    }

    public static AkkaConfigurationBuilder WithClusterMLPersistence(this AkkaConfigurationBuilder builder, string connectionString, string providerName)
    {
        var quoted = connectionString.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal);
        var hocon = $$"""
            akka.persistence {
              journal {
                plugin = "akka.persistence.journal.sql"
                sql { connection-string = "{{quoted}}", provider-name = "{{providerName}}", auto-initialize = true }
              }
              snapshot-store {
                plugin = "akka.persistence.snapshot-store.sql"
                sql { connection-string = "{{quoted}}", provider-name = "{{providerName}}", auto-initialize = true }
              }
            }
            """;
        return builder
            .AddHocon(hocon, HoconAddMode.Prepend)
            .AddHocon(SqlPersistence.DefaultConfiguration, HoconAddMode.Append);
    }
}
