using System.Collections.Immutable;
using System.Text.Json;
using ClusterML.Core.Campaigns;
using ClusterML.Core.Coordination;
using ClusterML.Core.Files;
using ClusterML.Core.Messages;
using ClusterML.Core.Specs;
using ClusterML.Engines.FiniteDifferences;
using ClusterML.Engines.Surrogate;
using MessagePack;

namespace ClusterML.Core.Tests.Coordination;

public sealed class CampaignPlanAndBookTests
{
    private const string Sweep = """
        name: big
        engine: surrogate
        seed: 11
        base: { data: data/films.csv, target: k, epochs: 5 }
        space:
          lr: { type: log-uniform, low: 0.0001, high: 0.01 }
          width: { type: int, low: 8, high: 128 }
        search: { kind: sobol }
        budget: { max_trials: 100000, max_concurrent: 32 }
        """;

    [Fact]
    public void A_compact_plan_should_regenerate_the_same_trials_with_their_input_blobs_and_stay_small()
    {
        var path = Path.GetFullPath("/campaigns/big.yaml");
        var plan = CampaignPlanner.Plan(CampaignSpecReader.Parse(Sweep, path), "big-1", 42);
        var data = Path.GetFullPath("/campaigns/data/films.csv");
        var blob = new BlobRef(new string('c', 64), "films.csv", 1234);
        var compact = CampaignPlanner.Compact(plan, Sweep, path, new Dictionary<string, BlobRef> { [data] = blob });

        Assert.Empty(compact.Trials);
        var regenerated = CampaignPlanner.Trials(compact);
        Assert.Equal(100_000, regenerated.Length);
        static string Key(PlannedTrial t) => $"{t.TrialId} {t.Seed} {JsonSerializer.Serialize(t.Parameters)}";
        Assert.Equal(plan.Trials.Select(Key), regenerated.Select(Key));
        // Every input now names the blob, not this machine's path.
        Assert.All(regenerated, t => Assert.Equal(blob, ((SurrogateSpec)t.Spec).DataBlob));
        Assert.Equal(data, Path.GetFullPath(((SurrogateSpec)plan.Trials[7].Spec).DataPath));

        // The journal's first event: kilobytes for 10⁵ trials, where the listed plan is megabytes.
        var options = ClusterML.Cluster.Serialization.WireSerializer.Options;
        var compactBytes = MessagePackSerializer.Serialize(compact, options).Length;
        var listedBytes = MessagePackSerializer.Serialize(plan, options).Length;
        Assert.True(compactBytes < 2_000, $"{compactBytes} bytes");
        Assert.True(listedBytes > 1_000 * compactBytes, $"{listedBytes} bytes listed");
    }

    [Fact]
    public void The_book_should_count_dispatch_in_order_find_the_best_and_round_trip_through_a_snapshot()
    {
        var trials = Enumerable.Range(0, 6)
            .Select(i => new PlannedTrial($"t{i:D4}", i, new FdHeatTrialSpec(Nx: 3 + i), i, ImmutableDictionary<string, string>.Empty)).ToImmutableArray();
        var campaign = new CampaignSubmitted("c", "c", "fd", trials, 2, 1, "cpu", null, null, 0);
        var book = new CampaignBook();
        book.Submit(campaign, trials);
        Assert.Equal(["t0000", "t0001"], book.Undispatched(0, 2).Select(t => t.TrialId));
        book.Apply(new TrialAttemptStarted("c", "t0000", 1));
        book.Apply(new TrialAttemptStarted("c", "t0001", 1));
        book.Apply(new TrialAttemptStarted("c", "t0001", 2)); // a retry stays one trial in flight
        Assert.Equal((2, 2), (book.InFlightCount, book.NextUndispatched));
        Assert.Equal(["t0002", "t0003"], book.Undispatched(0, 2).Select(t => t.TrialId));
        book.Apply(new TrialFinished("c", "t0001", "completed", 0.5));
        book.Apply(new TrialFinished("c", "t0001", "failed", null)); // a duplicate changes nothing
        book.Apply(new TrialAttemptStarted("c", "t0002", 1));
        book.Apply(new TrialFinished("c", "t0002", "completed", 0.25));
        book.Apply(new TrialFinished("c", "t0000", "stopped", null));
        Assert.Equal((2, 0, 1, 0), (book.CompletedCount, book.FailedCount, book.StoppedCount, book.InFlightCount));
        var status = book.ToStatus("c");
        Assert.Equal(("t0002", 0.25, 3, 6), (status.BestTrialId, status.BestLoss, status.Finished, status.Planned));
        Assert.Equal(2, book.AttemptOf("t0001"));
        Assert.True(book.IsFinished("t0000"));

        var asha = Asha.Report(AshaState.Empty, 2, 2, null, false, "t0003", 2, 1.5).State;
        var snapshot = book.ToSnapshot(0, false, [], asha);
        var back = MessagePackSerializer.Deserialize<CampaignSnapshot>(MessagePackSerializer.Serialize(snapshot, ClusterML.Cluster.Serialization.WireSerializer.Options), ClusterML.Cluster.Serialization.WireSerializer.Options);
        var restored = CampaignBook.From(back, trials);
        Assert.Equal(book.ToStatus("c"), restored.ToStatus("c"));
        Assert.Equal(book.NextUndispatched, restored.NextUndispatched);
        Assert.Equal(["t0003", "t0004"], restored.Undispatched(0, 5).Take(2).Select(t => t.TrialId));
        Assert.Throws<InvalidDataException>(() => CampaignBook.From(back with { Version = 99 }, trials));
        Assert.Throws<InvalidDataException>(() => CampaignBook.From(back, trials.RemoveAt(5)));
    }
}
