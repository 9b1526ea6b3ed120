using ClusterML.Cli.Hosting;
using ClusterML.Core.Validation;

namespace ClusterML.Cli.Tests.Hosting;

public sealed class JournalLockTests : IDisposable
{
    private readonly CliRun _cli = new();

    public void Dispose() => _cli.Dispose();

    private static ClusterHostOptions Options(string dataDir, string roles, string? postgres = null) =>
        new(roles.Split(','), "127.0.0.1", 0, [], 1, dataDir, postgres);

    [Fact]
    public void A_second_holder_should_be_refused_naming_the_folder_and_the_first_until_the_first_lets_go()
    {
        var data = _cli.Path("data");
        var first = JournalLock.Acquire(data, "driving campaign 'a'");
        var refused = Assert.Throws<InvalidInputException>(() => JournalLock.Acquire(data, "driving campaign 'b'"));
        Assert.Equal("--data-dir", refused.Field);
        Assert.Contains(Path.GetFullPath(data), refused.Message, StringComparison.Ordinal);
        Assert.Contains($"ClusterML process {Environment.ProcessId} (driving campaign 'a', since ", refused.Message, StringComparison.Ordinal);
        Assert.Contains("clusterml.db", refused.Message, StringComparison.Ordinal);

        first.Dispose();
        Assert.False(File.Exists(Path.Combine(data, "clusterml.db.owner")));
        using var second = JournalLock.Acquire(data, "driving campaign 'b'");
        Assert.Contains("driving campaign 'b'", File.ReadAllText(Path.Combine(data, "clusterml.db.owner")), StringComparison.Ordinal);
    }

    [Fact]
    public void Only_a_coordinator_on_the_embedded_journal_should_take_the_lock()
    {
        var data = _cli.Path("data");
        using var coordinator = JournalLock.AcquireFor(Options(data, "coordinator,worker,aggregator"), "node");
        Assert.NotNull(coordinator);
        // Workers and observers do not write the journal; with PostgreSQL the server's journal has many coordinators.
        Assert.Null(JournalLock.AcquireFor(Options(data, "worker"), "node"));
        Assert.Null(JournalLock.AcquireFor(Options(data, "worker,aggregator"), "node"));
        Assert.Null(JournalLock.AcquireFor(Options(data, "coordinator", "Host=127.0.0.1;Database=x"), "node"));
        Assert.Throws<InvalidInputException>(() => JournalLock.AcquireFor(Options(data, "coordinator"), "node"));
    }
}
