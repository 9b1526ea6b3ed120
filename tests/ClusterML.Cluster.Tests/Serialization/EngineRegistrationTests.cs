using System.Collections.Immutable;
using ClusterML.Cluster.Serialization;
using ClusterML.Core.Campaigns;
using ClusterML.Core.Coordination;
using ClusterML.Core.Engines;
using ClusterML.Core.Messages;
using ClusterML.Core.Specs;
using ClusterML.Core.Validation;
using ClusterML.Engines.FiniteDifferences;
using MessagePack;

namespace ClusterML.Cluster.Tests.Serialization;

/// <summary>
/// Engines plug in through a registration their own project makes: a new engine (here one defined in this test assembly) is
/// planned from a campaign file and travels the wire without anything in Core naming it.
/// </summary>
public sealed class EngineRegistrationTests
{
    /// <summary>An engine Core has never heard of.</summary>
    [MessagePackObject]
    public sealed record ToySpec([property: Key(0)] double Scale, [property: Key(1)] string Label) : ITrialSpec;

    private sealed class ToyEngine : Engine<ToySpec>
    {
        protected override TrainingOutcome Train(ToySpec spec, RunContext context, CancellationToken cancellationToken) =>
            new(spec.Scale * spec.Scale, [spec.Scale], []);
    }

    private static readonly EngineRegistration Toy = new EngineRegistration<ToySpec>(
        "toy-engine", "a test engine", s => new ToySpec(s.Double("scale", 1.0), s.Text("label", "none")), () => new ToyEngine());

    static EngineRegistrationTests() => EngineRegistry.Register(Toy);

    [Fact]
    public void A_registered_engine_should_be_planned_from_a_campaign_and_cross_the_wire_by_name()
    {
        const string yaml = """
            name: toy
            engine: toy-engine
            base: { label: hello }
            space:
              scale: { type: uniform, low: 1.0, high: 2.0 }
            search: { kind: random }
            budget: { max_trials: 3 }
            """;
        var plan = CampaignPlanner.Plan(CampaignSpecReader.Parse(yaml, "/tmp/toy.yaml"), "c1", 0);
        Assert.All(plan.Trials, t => Assert.Equal("hello", Assert.IsType<ToySpec>(t.Spec).Label));
        Assert.Contains("toy-engine", TrialSpecFactory.Engines);

        var start = new StartTrial("c1", "t0000", 1, plan.Trials[0].Spec, 1, "cpu");
        var bytes = MessagePackSerializer.Serialize(start, WireSerializer.Options);
        var back = MessagePackSerializer.Deserialize<StartTrial>(bytes, WireSerializer.Options);
        Assert.Equal(plan.Trials[0].Spec, back.Spec);
        // The engine's name is on the wire, not a number Core would have to assign.
        Assert.True(bytes.AsSpan().IndexOf("toy-engine"u8) >= 0);
    }

    [Fact]
    public void An_unknown_setting_or_engine_should_name_it_and_the_known_ones()
    {
        var error = Assert.Throws<InvalidInputException>(() => TrialSpecFactory.Create("toy-engine",
            new Dictionary<string, CampaignValue> { ["scale"] = new CampaignValue.Real(1), ["scael"] = new CampaignValue.Real(2) }, "/tmp/x.yaml"));
        Assert.Equal("scael", error.Field);
        Assert.Contains("known: label, scale", error.Problem, StringComparison.Ordinal);

        var unknown = Assert.Throws<InvalidInputException>(() => TrialSpecFactory.Create("lammps", new Dictionary<string, CampaignValue>(), "/tmp/x.yaml"));
        Assert.Equal("engine", unknown.Field);
        Assert.Contains("fd", unknown.Problem, StringComparison.Ordinal);
        Assert.Contains("toy-engine", unknown.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Specs_written_as_the_old_closed_union_should_still_be_read()
    {
        // Journals of earlier builds hold [union key, spec]; fd had key 1.
        var spec = new FdHeatTrialSpec(Alpha: 0.3, Nx: 51, R: 0.25);
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        var writer = new MessagePackWriter(buffer);
        writer.WriteArrayHeader(2);
        writer.Write(1);
        MessagePackSerializer.Serialize(ref writer, spec, WireSerializer.Options);
        writer.Flush();
        Assert.Equal(spec, MessagePackSerializer.Deserialize<ITrialSpec>(buffer.WrittenMemory, WireSerializer.Options));

        var unknownKey = new System.Buffers.ArrayBufferWriter<byte>();
        var w = new MessagePackWriter(unknownKey);
        w.WriteArrayHeader(2);
        w.Write(77);
        w.WriteNil();
        w.Flush();
        var error = Assert.Throws<MessagePackSerializationException>(() => MessagePackSerializer.Deserialize<ITrialSpec>(unknownKey.WrittenMemory, WireSerializer.Options));
        Assert.Contains("77", error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void A_name_or_spec_type_taken_by_another_engine_should_be_refused_and_the_same_registration_accepted_again()
    {
        EngineRegistry.Register(Toy, FdHeatEngine.Registration); // idempotent
        Assert.Throws<InvalidOperationException>(() => EngineRegistry.Register(
            new EngineRegistration<ToySpec>("toy-two", "same spec", _ => new ToySpec(1, "x"), () => new ToyEngine())));
        Assert.Throws<InvalidOperationException>(() => EngineRegistry.Register(
            new EngineRegistration<OtherSpec>("fd", "same name", _ => new OtherSpec(), () => new ToyEngine())));
        Assert.Throws<InvalidOperationException>(() => EngineRegistry.Register(
            new EngineRegistration<OtherSpec>("Bad Name", "bad name", _ => new OtherSpec(), () => new ToyEngine())));
        Assert.DoesNotContain("toy-two", EngineRegistry.Names);
    }

    [Fact]
    public void A_spec_of_no_registered_engine_should_not_be_written()
    {
        var error = Assert.Throws<MessagePackSerializationException>(() =>
            MessagePackSerializer.Serialize(new StartTrial("c", "t", 1, new OtherSpec(), 1, "cpu"), WireSerializer.Options));
        Assert.Contains(nameof(OtherSpec), error.ToString(), StringComparison.Ordinal);
    }

    [MessagePackObject]
    public sealed record OtherSpec : ITrialSpec;
}
