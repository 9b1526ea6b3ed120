using System.Collections.Immutable;
using System.Globalization;
using ClusterML.Core.Active;
using ClusterML.Core.Campaigns;
using ClusterML.Core.Coordination;
using ClusterML.Core.Engines;
using ClusterML.Core.Files;
using ClusterML.Core.Messages;
using ClusterML.Core.Validation;
using ClusterML.Engines.Nep.Active;
using ClusterML.Engines.Nep.Active.Cluster;
using ClusterML.Engines.Nep.Tests.Training;
using ClusterML.Engines.Nep.Training;
using ClusterML.Engines.Nep.Xyz;

namespace ClusterML.Engines.Nep.Tests.Active;

/// <summary>
/// A potential's active learning as a campaign (<c>kind: active</c> with <c>committee:</c>): the YAML, the proposer's trials and
/// the two engines, driven in dispatch order in this process with an in-memory store standing in for the cluster's.
/// </summary>
[Collection("Torch")]
public sealed class NepActiveCampaignTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("clusterml-nep-al-").FullName;

    public NepActiveCampaignTests()
    {
        EngineRegistry.Register(NepLabelEngine.Registration, NepActiveRoundEngine.Registration);
        ActiveFixtures.Teacher.Write(Path.Combine(_folder, "teacher.txt"));
        Write("pool.xyz", MorseFrames.Make(16, 41), labelled: false);
        Write("test.xyz", new NepOracleLabeller(ActiveFixtures.Teacher).Label([.. MorseFrames.Make(3, 42).Select(f => f.Structure)]), labelled: true);
    }

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private void Write(string name, IReadOnlyList<NepFrame> frames, bool labelled)
    {
        using var writer = new StreamWriter(Path.Combine(_folder, name)) { NewLine = "\n" };
        foreach (var f in frames)
        {
            ExtendedXyzWriter.Write(writer, new XyzFrame(f.Index, f.Structure.Cell, [.. f.Structure.Types.Select(_ => "Ar")], f.Structure.Positions,
                labelled ? f.Forces : null, labelled ? f.Energy : null));
        }
    }

    private string Yaml(string extra = "") => $$"""
        name: nal
        kind: active
        seed: 5
        oracle: { model: teacher.txt }
        pool: { data: pool.xyz }
        test: { data: test.xyz }
        initial: 4
        batch: 3
        committee: { members: 2, fine_tune_epochs: 2, type: Ar, cutoff_radial: 5, cutoff_angular: 4, n_max_radial: 2, n_max_angular: 2, basis_radial: 2, basis_angular: 2, l_max: 2, neuron: 4, epochs: 4, batch: 2, dtype: float64, threads: 1 }
        trust: { low: 0, high: 1000 }
        budget: { oracle_calls: 10 }
        compare_random: true
        {{extra}}
        """;

    private CampaignSpec Spec(string yaml) => CampaignSpecReader.Parse(yaml, Path.Combine(_folder, "nal.yaml"));

    [Fact]
    public void The_reader_should_plan_committee_rounds_and_structure_labelling_oracle_calls()
    {
        var spec = Spec(Yaml());
        var active = Assert.IsType<ActiveSpec>(spec.Active);
        Assert.True(active.Potential);
        Assert.Equal(("nep-active", "nep-label", "energy_per_atom", 4, 3, 10), (spec.Engine, active.OracleEngine, active.Target, active.Initial, active.Batch, active.OracleCalls));
        Assert.Empty(active.Inputs);
        Assert.Equal("pool.xyz", active.OracleSettings["pool"].ToString());
        Assert.Equal("2", active.RoundSettings["committee.members"].ToString());
        Assert.Equal("float64", active.RoundSettings["committee.dtype"].ToString());
    }

    [Theory]
    [InlineData("oracle: { engine: exec, model: teacher.txt }", "oracle.engine")]
    [InlineData("trust: { low: 0.5, high: 0.2 }", "trust.high")]
    [InlineData("stop: { accurate: 1.5 }", "stop.accurate")]
    [InlineData("acquisition: ucb", "acquisition")]
    public void The_reader_should_name_the_field_and_line_of_a_bad_setting(string replacement, string field)
    {
        var key = replacement[..replacement.IndexOf(':', StringComparison.Ordinal)];
        var lines = Yaml().Split('\n').Where(l => !l.StartsWith(key + ":", StringComparison.Ordinal)).Append(replacement).ToArray();
        var error = Assert.Throws<InvalidInputException>(() => Spec(string.Join('\n', lines)));
        Assert.Equal(field, error.Field);
        Assert.Equal(lines.Length, error.Line);
        Assert.EndsWith("nal.yaml", error.File, StringComparison.Ordinal);
    }

    [Fact]
    public void A_bad_committee_setting_should_be_refused_when_the_campaign_is_planned()
    {
        var error = Assert.Throws<InvalidInputException>(() => CampaignPlanner.Plan(Spec(Yaml().Replace("neuron: 4", "neuron: many", StringComparison.Ordinal)), "c1", 0));
        Assert.Contains("neuron", error.Field, StringComparison.Ordinal);
        var optimizer = Assert.Throws<InvalidInputException>(() => CampaignPlanner.Plan(Spec(Yaml().Replace("threads: 1", "threads: 1, optimizer: snes", StringComparison.Ordinal)), "c1", 0));
        Assert.Equal("committee.optimizer", optimizer.Field);
    }

    [Fact]
    public void A_reference_model_that_cannot_label_the_pool_should_be_refused_when_the_campaign_is_planned()
    {
        NepInitializer.Create(ActiveFixtures.Tiny with { Species = ["Si"] }, ["Si"], MorseFrames.Make(2, 3), 3).Write(Path.Combine(_folder, "si.txt"));
        var spec = Spec(Yaml().Replace("model: teacher.txt", "model: si.txt", StringComparison.Ordinal));
        var error = Assert.Throws<InvalidInputException>(() => CampaignPlanner.Check(spec, CampaignPlanner.Plan(spec, "c1", 0), [new NepLabelEngine(), new NepActiveRoundEngine()]));
        Assert.Equal("oracle.model", error.Field);
        Assert.Contains("Si", error.Problem, StringComparison.Ordinal);
        // The teacher that fits passes the same check.
        var good = Spec(Yaml());
        CampaignPlanner.Check(good, CampaignPlanner.Plan(good, "c1", 0), [new NepLabelEngine(), new NepActiveRoundEngine()]);
    }

    [Fact]
    public void A_labelled_frame_should_travel_through_the_store_bit_for_bit()
    {
        var structure = LabelledFrames.Structure(Path.Combine(_folder, "pool.xyz"), 7);
        var label = new NepOracleLabeller(ActiveFixtures.Teacher).Label(7, NepStructureOf(structure));
        var decoded = LabelledFrames.Decode(LabelledFrames.Encode(structure, label), 7, ["Ar"], "test");
        Assert.Equal(label.Energy, decoded.Energy);
        Assert.Equal(label.Forces, decoded.Forces);
        Assert.Equal(label.Virial, decoded.Virial);
        Assert.Equal(label.Structure.Positions, decoded.Structure.Positions);
        var missing = Assert.Throws<InvalidInputException>(() => LabelledFrames.Structure(Path.Combine(_folder, "pool.xyz"), 16));
        Assert.Contains("16 structures", missing.Problem, StringComparison.Ordinal);
    }

    private static Structures.NepStructure NepStructureOf(XyzFrame frame) => Structures.NepStructure.FromFrame(frame, ["Ar"]);

    /// <summary>Every trial of the campaign in dispatch order, each run to completion with the real proposer and engines.</summary>
    private List<(ActiveLayout.Slot Slot, IReadOnlyDictionary<string, string> Parameters, TrainingOutcome Outcome)> Drive(IFitCheckpoints store)
    {
        var yaml = Yaml();
        var path = Path.Combine(_folder, "nal.yaml");
        var plan = CampaignPlanner.Compact(CampaignPlanner.Plan(Spec(yaml), "c1", 0), yaml, path, new Dictionary<string, BlobRef>());
        var proposer = (ActiveProposer)TrialProposer.For(plan)!;
        var trials = CampaignPlanner.Trials(plan);
        var seen = new List<TrialProposer.Seen>();
        var done = new List<(ActiveLayout.Slot, IReadOnlyDictionary<string, string>, TrainingOutcome)>();
        for (var i = 0; i < trials.Length && proposer.Over(i, seen) is null; i++)
        {
            var parameters = proposer.Propose(i, seen, trials[i].Parameters);
            if (parameters is null)
            {
                seen.Add(new TrialProposer.Seen(trials[i].Parameters, CampaignBook.Stopped, double.NaN));
                continue;
            }
            var trial = proposer.Trial(trials[i], parameters, seen);
            IEngine engine = trial.Spec is NepLabelSpec ? new NepLabelEngine() : new NepActiveRoundEngine();
            var outcome = engine.Train(trial.Spec, new RunContext(trial.Seed, Checkpoints: store, FitId: FitIds.Of("c1", trial.TrialId)), CancellationToken.None);
            seen.Add(new TrialProposer.Seen(parameters, CampaignBook.Completed, outcome.FinalLoss) { Metrics = outcome.Metrics });
            done.Add((proposer.Layout[i], parameters, outcome));
        }
        return done;
    }

    [Fact]
    public async Task The_loop_should_label_through_the_store_fine_tune_each_arm_and_repeat_from_the_seed()
    {
        var store = new InMemoryFitCheckpoints();
        var run = Drive(store);
        double M((ActiveLayout.Slot Slot, IReadOnlyDictionary<string, string> P, TrainingOutcome Outcome) t, string key) => t.Outcome.Metrics![key];
        var rounds = run.Where(t => t.Slot.IsRound && t.Slot.Round > 0).ToList();
        var active = rounds.Where(t => t.Slot.Arm == ActiveSpec.ActiveArm).ToList();
        // 4 initial, then 3 per round: rounds train on 4, 7 and 10 frames; the final round picks nothing.
        Assert.Equal(new[] { 4.0, 7.0, 10.0 }, active.Select(t => M(t, "labelled")));
        Assert.Equal(new[] { 0.0, 1.0, 1.0 }, active.Select(t => M(t, "fine_tuned")));
        Assert.False(active[^1].Outcome.Metrics!.ContainsKey("selected"));
        // Both arms' first round train the same committee on the design's frames; then their picks differ.
        var random = rounds.Where(t => t.Slot.Arm == ActiveSpec.RandomArm).ToList();
        Assert.Equal(M(active[0], "test_rmse"), M(random[0], "test_rmse"));
        // Every oracle call labelled its structure with the teacher and left the frame in the store.
        var calls = run.Where(t => !t.Slot.IsRound).ToList();
        Assert.Equal(10 + 6, calls.Count);
        var pool = Path.Combine(_folder, "pool.xyz");
        foreach (var call in calls)
        {
            var candidate = long.Parse(call.Parameters["candidate"], CultureInfo.InvariantCulture);
            var expected = new NepOracleLabeller(ActiveFixtures.Teacher).Label((int)candidate, NepStructureOf(LabelledFrames.Structure(pool, candidate)));
            Assert.Equal(expected.Energy / expected.Atoms, call.Outcome.Metrics![ActiveSpec.NepLabelMetric], 12);
            Assert.NotNull(await store.LatestAsync(LabelledFrames.FitOf("c1.x", candidate), CancellationToken.None));
        }
        Assert.Equal(10, calls.Where(c => c.Slot.Arm != ActiveSpec.RandomArm || c.Slot.Round == 0).Select(c => c.Parameters["candidate"]).Distinct().Count());
        // A round keeps its committee under its own fit: what the next round of its arm fine-tunes.
        Assert.Equal(2, (await store.LatestAsync("c1.r002-active", CancellationToken.None))!.Files.Count);

        var again = Drive(new InMemoryFitCheckpoints());
        Assert.Equal(rounds.Select(t => M(t, "test_rmse")), again.Where(t => t.Slot.IsRound && t.Slot.Round > 0).Select(t => M(t, "test_rmse")));
        Assert.Equal(calls.Select(c => c.Parameters["candidate"]), again.Where(t => !t.Slot.IsRound).Select(c => c.Parameters["candidate"]));
    }

    [Fact]
    public void A_round_whose_frames_are_not_in_the_store_should_fail_naming_the_structure()
    {
        var spec = (NepActiveRoundSpec)TrialSpecFactory.Create("nep-active", Spec(Yaml()).Active!.RoundSettings
            .SetItem("round", new CampaignValue.Integer(1)).SetItem("labelled", new CampaignValue.Text("candidate,round,energy_per_atom\n3,0,-1.5\n")),
            Path.Combine(_folder, "nal.yaml"));
        var error = Assert.Throws<InvalidInputException>(() => new NepActiveRoundEngine().Train(spec,
            new RunContext(1, Checkpoints: new InMemoryFitCheckpoints(), FitId: "c1.r001-active"), CancellationToken.None));
        Assert.Contains("pool structure 3", error.Problem, StringComparison.Ordinal);
        var alone = Assert.Throws<InvalidInputException>(() => new NepActiveRoundEngine().Train(spec, new RunContext(1), CancellationToken.None));
        Assert.Contains("campaign", alone.Problem, StringComparison.Ordinal);
    }
}
