using Npgsql;

namespace ClusterML.Testing;

/// <summary>
/// A throw-away PostgreSQL database for one test (<c>DATABASE_tGUID</c>, DATABASE being that of the variable), on the server of <c>CLUSTERML_TEST_POSTGRES</c> (a connection string of a
/// role allowed to create databases; <c>.ci/run</c> sets one up). Created empty, dropped (with its connections) on dispose,
/// so tests never see each other's journal or results. Without the variable, <see cref="Create"/> skips the test.
/// </summary>
public sealed class PostgresTestDatabase : IDisposable
{
    public const string Variable = "CLUSTERML_TEST_POSTGRES";

    private readonly string _server;

    private PostgresTestDatabase(string server, string name, string connectionString) =>
        (_server, Name, ConnectionString) = (server, name, connectionString);

    /// <summary>The server's connection string from the environment, or null when tests on PostgreSQL are to be skipped.</summary>
    public static string? Server => Environment.GetEnvironmentVariable(Variable) is { Length: > 0 } server ? server : null;

    /// <summary>Skips the calling test (visibly, with the reason) when no PostgreSQL server is configured.</summary>
    public static string RequireServer() =>
        Server ?? throw VisibleSkip.Because($"PostgreSQL tests need {Variable} (a connection string of a role with CREATEDB; .ci/run sets it up)");

    public string Name { get; }

    /// <summary>The server's connection string with this database in it.</summary>
    public string ConnectionString { get; }

    public static PostgresTestDatabase Create()
    {
        var server = RequireServer();
        // Named after the server's database (.ci/run drops what a killed test run leaves behind by that prefix).
        var prefix = new string([.. (new NpgsqlConnectionStringBuilder(server).Database ?? "clusterml").ToLowerInvariant().Where(c => c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '_').Take(24)]);
        var name = $"{prefix}_t{Guid.NewGuid():N}";
        using (var connection = new NpgsqlConnection(server))
        {
            connection.Open();
            for (var attempt = 1; ; attempt++)
            {
                try
                {
                    using var command = new NpgsqlCommand($"CREATE DATABASE \"{name}\";", connection);
                    command.ExecuteNonQuery();
                    break;
                }
                catch (PostgresException e) when (e.SqlState == "55006" && attempt < 20)
                {
                    // The template database is being copied for a parallel test: wait for it.
                    Thread.Sleep(100 * attempt);
                }
            }
        }
        return new PostgresTestDatabase(server, name, new NpgsqlConnectionStringBuilder(server) { Database = name }.ConnectionString);
    }

    /// <summary>Opens a connection to this database (for a test's own queries on the journal's tables).</summary>
    public NpgsqlConnection Open()
    {
        var connection = new NpgsqlConnection(ConnectionString);
        connection.Open();
        return connection;
    }

    public void Dispose()
    {
        // WITH (FORCE) ends the connections the test's stores still hold in their pools. An autovacuum worker that has just
        // entered the fresh database cannot be ended by a role without pg_signal_backend (42501; .ci/run grants it):
        // it leaves by itself within moments, so try again.
        using var connection = new NpgsqlConnection(_server);
        connection.Open();
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                using var command = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{Name}\" WITH (FORCE);", connection);
                command.ExecuteNonQuery();
                return;
            }
            catch (PostgresException e) when (e.SqlState is "42501" or "55006" && attempt < 30)
            {
                Thread.Sleep(100 * Math.Min(attempt, 10));
            }
        }
    }
}
