using System.Globalization;
using Akka.Actor;
using ClusterML.Cluster.Fits;
using ClusterML.Cluster.Hosting;
using ClusterML.Cluster.Tests.Files;
using ClusterML.Core.Engines;

namespace ClusterML.Cluster.Tests.Fits;

/// <summary>
/// The fit shard region on two real loopback nodes with a toy objective (no tensors): shards spread over both workers, the
/// partials come back in shard order, and when a worker dies its shards are loaded again on the survivor and give the same
/// partials.
/// </summary>
[Trait("Category", "Slow")]
public sealed class ClusterShardGroupTests : IAsyncLifetime
{
    private readonly string _root = Directory.CreateTempSubdirectory("clusterml-fit-shards-").FullName;
    private FileNode _a = null!;
    private FileNode _b = null!;

    public async ValueTask InitializeAsync()
    {
        _a = await FileNode.StartAsync(Path.Combine(_root, "a"), ["coordinator", "worker", "aggregator"], objectives: [new SumObjective()]);
        _b = await FileNode.StartAsync(Path.Combine(_root, "b"), ["worker"], _a, objectives: [new SumObjective()]);
    }

    public async ValueTask DisposeAsync()
    {
        await _a.DisposeAsync();
        try
        {
            await _b.DisposeAsync();
        }
        catch (Exception)
        {
            // aborted in the test
        }
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_root, recursive: true);
    }

    [Fact]
    public async Task Shards_should_spread_answer_in_shard_order_and_move_to_the_survivor_when_a_worker_dies()
    {
        var token = TestContext.Current.CancellationToken;
        var region = await _a.Registry.GetAsync<FitShardRegion>(token);
        // Both regions registered before the shards are allocated (as nep train --distributed waits for them).
        for (var i = 0; i < 100 && (await region.Ask<Akka.Cluster.Sharding.CurrentRegions>(Akka.Cluster.Sharding.GetCurrentRegions.Instance, TimeSpan.FromSeconds(5), token)).Regions.Count < 2; i++)
        {
            await Task.Delay(100, token);
        }
        // Shard s holds the numbers s+1 and 10(s+1) in batch 0 and 100 in batch 1.
        var files = Enumerable.Range(0, 6).Select(s =>
        {
            var path = Path.Combine(_root, $"shard-{s}.txt");
            File.WriteAllLines(path, [$"{s + 1}", $"{10 * (s + 1)}", "100"]);
            return new ShardFile(s, path, [0, 0, 1]);
        }).ToArray();
        using var group = await new ClusterShardGroups(_a.System, region, _a.Store).OpenAsync(SumObjective.Name, files, "", "float64", token);
        Assert.Equal(2, group.Homes.Select(h => h.Node).Distinct().Count());
        var ids = Enumerable.Range(0, 6).ToArray();
        var before = await group.ForwardAsync(1, 0, ids, [2.0], token);
        Assert.Equal(ids, before.Select(p => p.Shard));
        Assert.Equal(ids.Select(s => 2.0 * 11 * (s + 1)), before.Select(p => p.Values[0]));
        var gradients = await group.BackwardAsync(1, 0, ids, [0.5], token);
        Assert.All(gradients, g => Assert.Equal(1.0, g.Values[0])); // 0.5 × 2 frames of batch 0

        var lost = _b.Address.ToString();
        Assert.Contains(group.Homes, h => h.Node == lost);
        _b.Abort();
        await _b.System.WhenTerminated.WaitAsync(TimeSpan.FromSeconds(30), token);
        IReadOnlyList<ShardPartial>? after = null;
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (after is null && clock.Elapsed < TimeSpan.FromSeconds(90))
        {
            try
            {
                after = await group.ForwardAsync(2, 0, ids, [2.0], token);
            }
            catch (ShardStepLostException)
            {
                // the step is computed again, as the fit does
            }
        }
        Assert.NotNull(after);
        Assert.Equal(before.Select(p => p.Values[0]), after!.Select(p => p.Values[0]));
        Assert.All(after, p => Assert.Equal(_a.Address.ToString(), p.Node));
        Assert.True(group.LostSteps > 0);
    }

    /// <summary>A toy objective: a shard's frames are numbers; forward gives parameters[0] × their sum in the batch, backward coefficient × their count.</summary>
    private sealed class SumObjective : IShardObjective
    {
        public const string Name = "sum";

        public string Kind => Name;

        public IShardCompute Load(ShardData data) =>
            new Sums([.. File.ReadAllLines(data.FramesPath).Select(l => double.Parse(l, CultureInfo.InvariantCulture))], data.Batches);

        private sealed class Sums(double[] values, int[] batches) : IShardCompute
        {
            private int _count = -1;

            public int Frames => values.Length;

            public long Bytes => values.Length * 8;

            public double[] Forward(int batch, double[] parameters)
            {
                var mine = values.Where((_, i) => batches[i] == batch).ToArray();
                _count = mine.Length;
                return [parameters[0] * mine.Sum()];
            }

            public double[] Backward(double[] coefficients) =>
                _count < 0 ? throw new ShardStepLostException("no forward") : [coefficients[0] * _count];

            public void Dispose()
            {
            }
        }
    }
}
