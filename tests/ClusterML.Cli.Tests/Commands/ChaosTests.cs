using ClusterML.Benchmarks;

namespace ClusterML.Cli.Tests.Commands;

/// <summary>Two minutes of <c>bench/chaos.sh</c>: real processes on loopback, workers and coordinators killed with SIGKILL.</summary>
[Trait("Category", "Slow")]
[Collection("Alone")]
public sealed class ChaosTests : IDisposable
{
    private readonly CliRun _cli = new();

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        _cli.Dispose();
    }

    [Fact]
    public async Task Two_minutes_of_killed_workers_and_coordinators_should_lose_no_trial_and_record_none_twice()
    {
        void Write(string line) => TestContext.Current.TestOutputHelper?.WriteLine(line);
        var tally = await Task.Run(() => ChaosReport.Execute(_cli.Root, TimeSpan.FromMinutes(2), seed: 13, Write), TestContext.Current.CancellationToken);
        ChaosReport.Print(tally, Write);

        Assert.True(tally.WorkerKills >= 1, "no worker was killed");
        Assert.True(tally.CoordinatorKills >= 1, "the coordinator was never killed");
        Assert.True(tally.Finished, "the last campaign did not finish after the chaos");
        Assert.Equal(0, tally.Lost);
        Assert.Equal(0, tally.RecordedTwice);
        Assert.Equal(tally.Planned, tally.Recorded);
    }
}
