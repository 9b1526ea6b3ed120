namespace ClusterML.Cluster.Tests.Campaigns;

/// <summary>The stores a test cluster persists to: the same journal, snapshot store and results store as in production.</summary>
public enum Backend
{
    /// <summary>SQLite files in the test's folder (the embedded default).</summary>
    Sqlite,

    /// <summary>A fresh database on the PostgreSQL server of <c>CLUSTERML_TEST_POSTGRES</c> (the test is skipped without it).</summary>
    Postgres,
}
