using ClusterML.Core.Results;
using ClusterML.Core.Validation;
using ClusterML.Testing;

namespace ClusterML.Storage.Tests;

/// <summary>The store contract on a real PostgreSQL server (a fresh database per test; skipped without CLUSTERML_TEST_POSTGRES).</summary>
public sealed class PostgresResultStoreTests : ResultStoreTests, IDisposable
{
    private readonly List<PostgresResultStore> _stores = [];
    private PostgresTestDatabase? _database;

    public void Dispose()
    {
        foreach (var store in _stores)
        {
            store.Dispose();
        }
        _database?.Dispose();
    }

    protected override IResultStore Store()
    {
        _database ??= PostgresTestDatabase.Create();
        var store = PostgresResultStore.Open(_database.ConnectionString);
        _stores.Add(store);
        return store;
    }

    [Fact]
    public void Stores_opened_at_once_on_an_empty_database_should_all_find_their_tables()
    {
        _database = PostgresTestDatabase.Create();
        // Several coordinators starting together: the first creates the tables, the others must neither fail nor lose rows.
        var opened = new PostgresResultStore[6];
        Parallel.For(0, opened.Length, i => opened[i] = PostgresResultStore.Open(_database.ConnectionString));
        _stores.AddRange(opened);
        Parallel.For(0, opened.Length, i => Assert.True(opened[i].TryRecordResult(Result($"t{i:D4}", i))));
        Assert.Equal(opened.Length, Store().Results("c1").Count);
    }

    [Fact]
    public void A_wrong_password_should_be_bad_input_naming_the_server_without_the_password()
    {
        var server = new Npgsql.NpgsqlConnectionStringBuilder(PostgresTestDatabase.RequireServer()) { Password = "not-the-password-x7" };
        var bad = Assert.Throws<InvalidInputException>(() => PostgresResultStore.Open(server.ConnectionString));
        Assert.Equal("--postgres", bad.Field);
        Assert.Contains($"PostgreSQL at {server.Host}:{server.Port}", bad.Message, StringComparison.Ordinal);
        Assert.Contains("28P01", bad.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("not-the-password-x7", bad.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_database_that_does_not_exist_should_be_bad_input()
    {
        var server = new Npgsql.NpgsqlConnectionStringBuilder(PostgresTestDatabase.RequireServer()) { Database = "clusterml_no_such_database" };
        var bad = Assert.Throws<InvalidInputException>(() => PostgresResultStore.Open(server.ConnectionString));
        Assert.Contains("clusterml_no_such_database", bad.Message, StringComparison.Ordinal);
        Assert.Contains("3D000", bad.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_malformed_connection_string_should_be_bad_input_without_echoing_it()
    {
        var bad = Assert.Throws<InvalidInputException>(() => PostgresResultStore.Open("Host=127.0.0.1;Pasword=secret-x9;Database=x"));
        Assert.Equal("--postgres", bad.Field);
        Assert.Contains("not a PostgreSQL connection string", bad.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("secret-x9", bad.Message, StringComparison.Ordinal);
        Assert.Throws<InvalidInputException>(() => PostgresResultStore.Open("Database=x;Username=u"));
    }

    [Fact]
    public void A_server_that_does_not_answer_should_be_unavailable_with_one_line_naming_it()
    {
        // A port nothing listens on (taken and released): the connection is refused at once.
        var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        var port = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        var down = Assert.Throws<StoreUnavailableException>(() => PostgresResultStore.Open($"Host=127.0.0.1;Port={port};Database=x;Username=u;Password=p;Timeout=3"));
        Assert.StartsWith($"Cannot connect to PostgreSQL at 127.0.0.1:{port}, database x: ", down.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', down.Message);
    }
}
