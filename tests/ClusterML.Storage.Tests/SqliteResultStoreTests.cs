using ClusterML.Core.Results;

namespace ClusterML.Storage.Tests;

public sealed class SqliteResultStoreTests : ResultStoreTests, IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("clusterml-store-").FullName;

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_folder, recursive: true);
    }

    protected override IResultStore Store() => new SqliteResultStore(Path.Combine(_folder, "clusterml.db"));

    [Fact]
    public void Artifact_files_should_be_stored_with_the_result_also_in_a_store_made_before_they_existed_and_opened_by_two_processes_at_once()
    {
        // A store as the previous version made it (no files / artifact_folder columns), with one result in it.
        var path = Path.Combine(_folder, "clusterml.db");
        using (var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={path}"))
        {
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = """
                CREATE TABLE trial_results (
                    campaign_id TEXT NOT NULL, trial_id TEXT NOT NULL, trial_index INTEGER NOT NULL, parameters TEXT NOT NULL, seed INTEGER NOT NULL,
                    status TEXT NOT NULL, final_loss REAL NULL, metrics TEXT NOT NULL, error TEXT NULL, artifacts TEXT NOT NULL, node TEXT NOT NULL,
                    attempts INTEGER NOT NULL, started_at_ms INTEGER NOT NULL, ended_at_ms INTEGER NOT NULL, PRIMARY KEY (campaign_id, trial_id));
                INSERT INTO trial_results VALUES ('c1', 't0000', 0, '{}', 1, 'completed', 0.5, '{}', NULL, '[]', 'n0', 1, 1, 2);
                """;
            command.ExecuteNonQuery();
        }
        // Two processes opening it at once (the regression: the second failed with "duplicate column name: files").
        Parallel.For(0, 4, _ => Store());
        var store = Store();
        var files = new[] { new ClusterML.Core.Files.ArtifactFile("model/nep.txt", 10, new string('a', 64)) };
        Assert.True(store.TryRecordResult(Result("t0001", 0.25) with { Files = files, ArtifactFolder = "campaigns/c1/trials/t0001" }));
        var results = store.Results("c1");
        Assert.Null(results[0].Files);
        Assert.Equal(files, results[1].Files);
        Assert.Equal("campaigns/c1/trials/t0001", results[1].ArtifactFolder);
    }
}
