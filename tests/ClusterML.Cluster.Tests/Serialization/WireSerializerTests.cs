using System.Collections.Immutable;
using Akka.Actor;
using Akka.Serialization;
using ClusterML.Cluster.Serialization;
using ClusterML.Core.Files;
using ClusterML.Core.Messages;
using ClusterML.Core.Results;
using ClusterML.Core.Specs;
using ClusterML.Engines.FiniteDifferences;
using ClusterML.Engines.Nep.Training;
using ClusterML.Engines.Pinn.Heat;
using ClusterML.Engines.Surrogate;
using MessagePack;

namespace ClusterML.Cluster.Tests.Serialization;

public sealed class WireSerializerTests : IDisposable
{
    private readonly ActorSystem _system = ActorSystem.Create("wire", "akka.actor.serialization-bindings {}");

    public void Dispose() => _system.Dispose();

    /// <summary>One populated instance of every wire type.</summary>
    public static IEnumerable<object> Samples()
    {
        var metrics = ImmutableDictionary<string, double>.Empty.Add("test_rmse", 0.5).Add("validation_loss", 1e-3);
        yield return new StartTrial("c1", "t0001", 2, new SurrogateSpec("d.csv", "k", ["a", "b"], ["k"], Member: 3), 42, "cpu");
        yield return new StartTrial("c1", "t0002", 1, new FdHeatTrialSpec(Alpha: 0.2, Nx: 41, R: 0.25), 7, "cuda:1", 123_456_789_012);
        yield return new StartTrial("c1", "t0003", 1, new PinnHeatTrialSpec(ImmutableDictionary<string, string>.Empty.Add("width", "32"), "/data/obs.csv", true), 3, "cpu");
        yield return new StartTrial("c1", "t0004", 1, new NepTrainTrialSpec("/data/train.xyz", null, ImmutableDictionary<string, string>.Empty.Add("neuron", "30")), 4, "cpu");
        yield return new StopTrial("c1", "t0001", "asha rung 1");
        yield return new TrialProgressed("c1", "t0001", 1, 17, metrics);
        yield return new TrialRunning("c1", "t0001", 2, "akka.tcp://clusterml@10.0.0.7:4053", 99);
        yield return new TrialCompleted("c1", "t0001", 1, 0.25, metrics, [1.0, 0.5, 0.25], ["model", "metrics.json"], "akka.tcp://clusterml@127.0.0.1:4053", 1000, 2000);
        yield return new TrialStopped("c1", "t0001", 1, 9, "asha", "node", 1000, 1500);
        yield return new TrialFailed("c1", "t0003", 3, "boom", "node", 1000, 1200, 99);
        var trial = new PlannedTrial("t0001", 0, new FdHeatTrialSpec(Nx: 21), 9, ImmutableDictionary<string, string>.Empty.Add("nx", "21"));
        yield return new CampaignSubmitted("c1", "quick", "fd", [trial, trial with { TrialId = "t0002", Index = 1 }], 2, 1, "cpu",
            new EarlyStoppingPolicy("validation_loss", false, 10, 3, 300), 60_000, 123);
        yield return new CampaignSubmitted("c2", "plain", "surrogate", [], 0, 0, "cuda", null, null, 5);
        yield return new TrialAttemptStarted("c1", "t0001", 2, 4_611_686_014_132_420_609);
        yield return new TrialAttemptStarted("c1", "t0002", 1, 7, ImmutableDictionary<string, string>.Empty.Add("nx", "41").Add("lr", "0.0031622776601683794"));
        yield return new TrialFinished("c1", "t0001", "completed", 0.5);
        yield return new TrialFinished("c1", "t0002", "failed", null);
        var result = new TrialResult("c1", "t0001", 0, ImmutableDictionary<string, string>.Empty.Add("nx", "21").Add("r", "0.25"), 9, TrialStatus.Completed,
            0.125, metrics, null, ["model/nep.txt"], "akka.tcp://clusterml@10.0.0.2:4053", 2, 1000, 2500);
        var failed = result with { TrialId = "t0002", Index = 1, Status = TrialStatus.Failed, FinalLoss = null, Error = "boom", Artifacts = [] };
        yield return new TrialFinished("c1", "t0001", "completed", 0.125, result);
        yield return new CampaignSettled("c1");
        yield return new RecordTrialResult(result);
        yield return new RecordTrialResult(failed);
        yield return new TrialResultRecorded("c1", "t0001");
        yield return new RecordEpochMetrics(new EpochMetrics("c1", "t0001", 2, 40, metrics));
        yield return new RecordCampaignStatus("c1", "completed", 12345);
        yield return new RecordCampaignStatus("c1", "cancelled", null);
        yield return new CampaignStatusRecorded("c1", "completed");
        yield return new GetLeaderboard("c1", 10);
        yield return new Leaderboard("c1", [result], 1, 1, 0);
        yield return new CampaignEnded("c1", "completed", 999);
        var blob = new BlobRef(new string('a', 64), "films.csv", 1234);
        yield return new StartTrial("c1", "t0005", 1, new SurrogateSpec("films.csv", "k", ["a"], [], DataBlob: blob), 5, "cpu");
        yield return new StartTrial("c1", "t0006", 1, new NepTrainTrialSpec("train.xyz", "test.xyz", ImmutableDictionary<string, string>.Empty, blob, blob with { Name = "test.xyz" }), 6, "cpu");
        yield return new StartTrial("c1", "t0007", 1, new PinnHeatTrialSpec(ImmutableDictionary<string, string>.Empty, "obs.csv", true, blob), 7, "cpu");
        ArtifactFile[] files = [new("model/member_0.pt", 4096, new string('b', 64)), new("trial.log", 100, new string('c', 64))];
        yield return new TrialCompleted("c1", "t0005", 1, 0.5, metrics, [0.5], ["model"], "node", 1, 2, files);
        yield return new RecordTrialResult(result with { Files = files, ArtifactFolder = "campaigns/c1/trials/t0001" });
        yield return new FetchBlob(new string('a', 64));
        yield return new BlobUnavailable(new string('a', 64), "not here");
        yield return new StoreArtifacts("c1", "t0005", 2, files);
        yield return new ArtifactsStored("c1", "t0005", 2, "campaigns/c1/trials/t0005");
        yield return new ArtifactsStored("c1", "t0006", 1, "campaigns/c1/trials/t0006", LogInStore: true);
        yield return new ArtifactsNotStored("c1", "t0005", 2, "disk full");
        yield return new BlobChunk([1, 2, 3, 255]);
        var shardBlob = new BlobRef(new string('c', 64), "fit-1-shard-0003.xyz", 4096);
        yield return new FitShardLoad("fit-1", 3, "nep", shardBlob, [0, 0, 2, 5], "{\"Version\":4}", "float64", "", "akka.tcp://clusterml@10.0.0.5:4053");
        yield return new FitShardLoaded("fit-1", 3, "akka.tcp://clusterml@10.0.0.6:4053", 4, 123_456, 0.5);
        yield return new FitShardForward("fit-1", 3, 17, 2, [0.1, -2.5e-7, double.MaxValue]);
        yield return new FitShardBackward("fit-1", 3, 17, [1e-3, 0.5, 0.25, 0]);
        yield return new FitShardResult("fit-1", 3, 17, [1, 2, 3, 4, 5, 6, 7, 8], "akka.tcp://clusterml@10.0.0.6:4053", 0.125);
        yield return new FitShardRefused("fit-1", 3, 17, true, "shard 3 is not loaded");
        yield return new FitShardRelease("fit-1", 3);
        yield return new FitCheckpointSave("c1.t0003", 4, new() { ["nep.restart.json"] = [1, 2, 3], ["nep.restart.4.adam"] = [] }, "node-a");
        yield return new FitCheckpointSaved("c1.t0003", 4);
        yield return new FitCheckpointGet("c1.t0003");
        yield return new FitCheckpointState("c1.t0003", 4, new() { ["nep.restart.json"] = [7] }, "node-a", 2);
        yield return new FitCheckpointState("c1.t0003", 0, [], null, 0);
        yield return new FitCheckpointForget("c1.t0003");
        yield return new FitCheckpointForgotten("c1.t0003");
        yield return new AshaReported("c1", "t0002", 1, 9, 0.125);
        var compact = new CampaignSubmitted("c1", "sweep", "fd", [], 4, 1, "cpu", null, null, 1_700_000_000_000, "engine: fd\n", "/tmp/c.yaml",
            ImmutableDictionary<string, BlobRef>.Empty.Add("/tmp/train.xyz", new BlobRef(new string('a', 64), "train.xyz", 12)));
        yield return compact;
        yield return new CampaignSnapshot(CampaignSnapshot.CurrentVersion, compact, [1, 0, 2], [1, 0, 0], [0.5, double.NaN, double.NaN], "running", 0, false,
            [new TrialResult("c1", "t0000", 0, ImmutableDictionary<string, string>.Empty.Add("nx", "5"), 3, TrialStatus.Completed, 0.5,
                ImmutableDictionary<string, double>.Empty.Add("seconds", 1), null, [], "node-a", 1, 10, 20)],
            new Dictionary<int, double[]> { [9] = [0.125, 0.25] }, [new AshaDecisionRecord("t0002", 9, false)]);
        yield return new CampaignSnapshot(CampaignSnapshot.CurrentVersion, compact, [1, 1], [1, 0], [0.5, double.NaN], "running", 0, false, [],
            [], [], [3, 4], [ImmutableDictionary<string, string>.Empty.Add("nx", "21"), ImmutableDictionary<string, string>.Empty.Add("nx", "57")]);
        yield return new AdmissionChallenge([9, 8, 7, 0, 255]);
        yield return new AdmissionProof([9, 8, 7], [0x30, 0x82, 1, 2], [0x30, 0x45, 3]);
        yield return new ResumeCampaign("c1");
        yield return new CancelCampaign("c1");
        yield return new GetCampaignStatus("c1");
        yield return new CampaignStatus("c1", "running", 9, 2, 3, 1, 0, "t0004", 0.25, 3);
        yield return new CampaignStatus("c1", "unknown", 0, 0, 0, 0, 0, null, null);
        yield return new GetRunningTrials("c1");
        yield return new RunningTrials("c1", [new RunningTrial("t0003", 2, "akka.tcp://clusterml@10.0.0.7:4053", 1_700_000_000_123)]);
        yield return new RunningTrials("c1", []);
        yield return new GetNodeInfo(1_700_000_000_000);
        yield return new NodeInfo("akka.tcp://clusterml@10.0.0.7:4053", ["worker"], 8, 3, "cuda:1", "gpu-node-07", 4242, 1L << 33, 1_699_999_000_000);
    }

    [Fact]
    public void Every_wire_type_in_core_should_have_a_manifest_and_a_sample()
    {
        var wireTypes = typeof(IWireMessage).Assembly.GetTypes()
            .Where(t => typeof(IWireMessage).IsAssignableFrom(t) && t is { IsAbstract: false, IsInterface: false })
            .ToHashSet();
        Assert.Equal(wireTypes.OrderBy(t => t.Name), WireManifests.ByType.Keys.OrderBy(t => t.Name));
        Assert.Equal(wireTypes.OrderBy(t => t.Name), Samples().Select(s => s.GetType()).Distinct().OrderBy(t => t.Name));
        Assert.All(wireTypes, t => Assert.NotNull(t.GetCustomAttributes(typeof(MessagePackObjectAttribute), false).SingleOrDefault()));
    }

    [Fact]
    public void Every_wire_type_should_round_trip_through_the_registered_serializer()
    {
        var serializer = new WireSerializer((ExtendedActorSystem)_system);
        foreach (var sample in Samples())
        {
            var manifest = serializer.Manifest(sample);
            var bytes = serializer.ToBinary(sample);
            var back = serializer.FromBinary(bytes, manifest);
            Assert.Equal(sample.GetType(), back.GetType());
            AssertSameContent(sample, back, sample.GetType().Name);
        }
    }

    /// <summary>Field-by-field comparison: dictionaries as sorted entries, collections as sequences, records recursively.</summary>
    private static void AssertSameContent(object? expected, object? actual, string path)
    {
        switch (expected)
        {
            case null:
                Assert.Null(actual);
                return;
            case string or double or int or long or bool or byte or Enum:
                Assert.True(Equals(expected, actual), $"{path}: {expected} ≠ {actual}");
                return;
            case System.Collections.IDictionary dictionary:
                var other = Assert.IsAssignableFrom<System.Collections.IDictionary>(actual);
                Assert.Equal(dictionary.Count, other.Count);
                foreach (System.Collections.DictionaryEntry entry in dictionary)
                {
                    AssertSameContent(entry.Value, other[entry.Key], $"{path}[{entry.Key}]");
                }
                return;
            case System.Collections.IEnumerable sequence:
                var left = sequence.Cast<object?>().ToArray();
                var right = Assert.IsAssignableFrom<System.Collections.IEnumerable>(actual).Cast<object?>().ToArray();
                Assert.Equal(left.Length, right.Length);
                for (var i = 0; i < left.Length; i++)
                {
                    AssertSameContent(left[i], right[i], $"{path}[{i}]");
                }
                return;
            default:
                Assert.Equal(expected.GetType(), actual?.GetType());
                foreach (var property in expected.GetType().GetProperties().Where(p => p.GetIndexParameters().Length == 0 && p.Name != "EqualityContract"))
                {
                    AssertSameContent(property.GetValue(expected), property.GetValue(actual), $"{path}.{property.Name}");
                }
                return;
        }
    }

    [Fact]
    public void The_union_should_keep_the_spec_type_and_its_fields()
    {
        var serializer = new WireSerializer((ExtendedActorSystem)_system);
        var start = (StartTrial)Samples().First();
        var back = (StartTrial)serializer.FromBinary(serializer.ToBinary(start), serializer.Manifest(start));
        var spec = Assert.IsType<SurrogateSpec>(back.Spec);
        Assert.Equal(["a", "b"], spec.Inputs);
        Assert.Equal(3, spec.Member);
        Assert.Equal(start.Seed, back.Seed);
    }

    [Fact]
    public void An_unknown_manifest_should_be_refused() =>
        Assert.Throws<System.Runtime.Serialization.SerializationException>(() => new WireSerializer((ExtendedActorSystem)_system).FromBinary([0x90], "nope"));
}
