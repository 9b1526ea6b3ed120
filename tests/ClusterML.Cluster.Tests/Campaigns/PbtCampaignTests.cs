using System.Globalization;
using Akka.Actor;
using ClusterML.Core.Campaigns;
using ClusterML.Core.Coordination;
using ClusterML.Core.Engines;
using ClusterML.Core.Messages;
using ClusterML.Core.Results;
using ClusterML.Core.Specs;
using MessagePack;

namespace ClusterML.Cluster.Tests.Campaigns;

/// <summary>
/// Population-based training through the coordinator, the trial entities and the cluster's checkpoint store, with an engine
/// whose state is one number: each epoch adds the learning rate to x, the loss is |x − 1|. A segment's x must be its
/// checkpoint's x plus its own lr times its epochs, whichever member's checkpoint it continued from.
/// </summary>
public sealed class PbtCampaignTests : IDisposable
{
    private readonly List<TestStorage> _storages = [];
    private readonly string _folder = Directory.CreateTempSubdirectory("clusterml-pbt-").FullName;

    public void Dispose()
    {
        foreach (var storage in _storages)
        {
            storage.Dispose();
        }
        Directory.Delete(_folder, recursive: true);
    }

    [MessagePackObject]
    public sealed record DriftSpec([property: Key(0)] double Lr, [property: Key(1)] int Epochs) : ITrialSpec;

    /// <summary>x += lr per epoch from the checkpoint it starts from; saves x at the segment's end.</summary>
    private sealed class DriftEngine : Engine<DriftSpec>, IEngine
    {
        bool IEngine.TrainsInSegments => true;

        protected override TrainingOutcome Train(DriftSpec spec, RunContext context, CancellationToken cancellationToken)
        {
            var (x, from) = (0.0, 0);
            if (context.StartFrom is { } start)
            {
                var checkpoint = context.Checkpoints!.LatestAsync(start, cancellationToken).GetAwaiter().GetResult()
                    ?? throw new InvalidOperationException($"no checkpoint of {start}");
                (x, from) = (BitConverter.ToDouble(checkpoint.Files["x"]), checkpoint.Epoch);
            }
            var until = context.UntilEpoch ?? spec.Epochs;
            for (var epoch = from + 1; epoch <= until; epoch++)
            {
                x += spec.Lr;
                context.Progress?.Report(new TrainingProgress("drift", epoch, spec.Epochs, Math.Abs(x - 1), null));
            }
            context.Checkpoints!.SaveAsync(new FitCheckpoint(context.FitId!, until, new Dictionary<string, byte[]> { ["x"] = BitConverter.GetBytes(x) }), cancellationToken)
                .GetAwaiter().GetResult();
            return new TrainingOutcome(Math.Abs(x - 1), [Math.Abs(x - 1)], [], new Dictionary<string, double> { ["x"] = x, ["from_epoch"] = from });
        }
    }

    private static readonly EngineRegistration Drift = new EngineRegistration<DriftSpec>("drift", "test engine for PBT",
        s => new DriftSpec(s.Double("lr", 0.01), s.Int("epochs", 30)), () => new DriftEngine());

    static PbtCampaignTests() => EngineRegistry.Register(Drift);

    private const string Yaml = """
        name: pbt
        engine: drift
        seed: 4
        base: { epochs: 30 }
        space:
          lr: { type: log-uniform, low: 1.0e-3, high: 0.3 }
        search: { kind: random }
        budget: { max_trials: 6, max_concurrent: 3 }
        schedule: { kind: pbt, perturbation_interval: 10, quantile_fraction: 0.34 }
        """;

    private static CampaignSubmitted Plan(string id) =>
        CampaignPlanner.Compact(CampaignPlanner.Plan(CampaignSpecReader.Parse(Yaml, "pbt.yaml"), id, 0), Yaml, "pbt.yaml", new Dictionary<string, ClusterML.Core.Files.BlobRef>());

    private TestStorage Storage(string name)
    {
        var storage = TestStorage.Create(Backend.Sqlite, Path.Combine(_folder, name));
        _storages.Add(storage);
        return storage;
    }

    [Fact]
    public async Task Each_generation_should_continue_from_the_checkpoints_it_names_and_a_resumed_campaign_take_the_same_decisions()
    {
        IReadOnlyList<TrialResult> whole;
        await using (var cluster = await TestCluster.StartAsync(Storage("whole"), new DriftEngine(), slots: 3))
        {
            await cluster.Campaigns.Ask<CampaignStatus>(Plan("g1"), TimeSpan.FromSeconds(30));
            var status = await cluster.WaitAsync("g1", TimeSpan.FromSeconds(90));
            Assert.Equal(("completed", 18), (status.Status, status.Completed));
            whole = [.. cluster.Store.Results("g1").OrderBy(r => r.Index)];
        }
        var byId = whole.ToDictionary(r => r.TrialId);
        foreach (var trial in whole)
        {
            var generation = int.Parse(trial.Parameters[Pbt.GenerationKey], CultureInfo.InvariantCulture);
            var lr = double.Parse(trial.Parameters["lr"], CultureInfo.InvariantCulture);
            Assert.Equal(trial.Index % 6, int.Parse(trial.Parameters[Pbt.MemberKey], CultureInfo.InvariantCulture));
            if (generation == 0)
            {
                Assert.Equal(10 * lr, trial.Metrics["x"], 12);
                continue;
            }
            // The checkpoint came from the trial named, of the generation before, which had ended before this one started.
            var from = byId[trial.Parameters[Pbt.FromKey]];
            Assert.Equal(generation - 1, int.Parse(from.Parameters[Pbt.GenerationKey], CultureInfo.InvariantCulture));
            Assert.True(whole.Where(r => r.Index / 6 == generation - 1).All(r => r.EndedAtMs <= trial.StartedAtMs), "a generation started before the one before had ended");
            Assert.Equal(10 * generation, trial.Metrics["from_epoch"]);
            Assert.Equal(from.Metrics["x"] + (10 * lr), trial.Metrics["x"], 12);
        }
        // ⌈6 × 0.34⌉ = 3 capped at half: the worst 3 of each generation continue from a best-3 member with a new lr.
        for (var generation = 1; generation < 3; generation++)
        {
            var previous = whole.Where(r => r.Index / 6 == generation - 1).OrderBy(r => r.FinalLoss).ToList();
            var best = previous.Take(3).Select(r => r.TrialId).ToHashSet();
            var exploited = whole.Where(r => r.Index / 6 == generation && r.Parameters[Pbt.FromKey] != previous.Single(p => p.Index == r.Index - 6).TrialId).ToList();
            Assert.Equal(3, exploited.Count);
            Assert.All(exploited, r => Assert.Contains(r.Parameters[Pbt.FromKey], best));
        }
        // Population-based training improves on the population it started from.
        Assert.True(whole.Where(r => r.Index >= 12).Min(r => r.FinalLoss!.Value) <= whole.Where(r => r.Index < 6).Min(r => Math.Abs((30 * double.Parse(r.Parameters["lr"], CultureInfo.InvariantCulture)) - 1)));

        // Interrupted after the first generation and resumed: the same schedule, decision for decision.
        var interrupted = Storage("interrupted");
        var first = await TestCluster.StartAsync(interrupted, new DriftEngine(), slots: 3);
        await first.Campaigns.Ask<CampaignStatus>(Plan("g1"), TimeSpan.FromSeconds(30));
        while ((await first.Campaigns.Ask<CampaignStatus>(new GetCampaignStatus("g1"), TimeSpan.FromSeconds(10))).Finished < 8)
        {
            await Task.Delay(5);
        }
        await first.DisposeAsync();
        await using var resumed = await TestCluster.StartAsync(interrupted, new DriftEngine(), slots: 3);
        await resumed.Campaigns.Ask<CampaignStatus>(new ResumeCampaign("g1"), TimeSpan.FromSeconds(30));
        Assert.Equal("completed", (await resumed.WaitAsync("g1", TimeSpan.FromSeconds(90))).Status);
        static string Show(TrialResult r) => $"{r.TrialId} {string.Join(",", r.Parameters.OrderBy(p => p.Key).Select(p => $"{p.Key}={p.Value}"))} x={r.Metrics["x"]:R}";
        Assert.Equal(whole.Select(Show), resumed.Store.Results("g1").OrderBy(r => r.Index).Select(Show));
    }
}
