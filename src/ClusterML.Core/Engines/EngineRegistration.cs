using ClusterML.Core.Specs;

namespace ClusterML.Core.Engines;

/// <summary>
/// What an engine project tells ClusterML about itself: the name campaigns use (<c>engine: fd</c>), the spec type it trains
/// and its wire form, how campaign settings become that spec, and the engine that trains it (whose <see cref="IEngine.Check"/>
/// vets every planned trial). Each engine project exposes one and the program registers them (<see cref="EngineRegistry"/>);
/// nothing in Core lists the engines.
/// </summary>
public abstract class EngineRegistration
{
    /// <summary>The engine's name in campaign files and on the wire (lower-case letters, digits and '-').</summary>
    public abstract string Name { get; }

    /// <summary>The spec type the engine trains (a MessagePack object: its wire form).</summary>
    public abstract Type SpecType { get; }

    /// <summary>
    /// The key this engine's specs had in the closed MessagePack union that earlier builds wrote (journals and snapshots they
    /// left are still read); null for engines added since.
    /// </summary>
    public virtual int? LegacyWireKey => null;

    /// <summary>One line for listings: what the engine trains.</summary>
    public abstract string Summary { get; }

    /// <summary>Builds the spec of one trial from its settings (the campaign's <c>base</c> with the trial's hyperparameters).</summary>
    /// <exception cref="Validation.InvalidInputException">A setting is unknown, missing or of the wrong type.</exception>
    public abstract ITrialSpec Read(EngineSettings settings);

    /// <summary>A new engine that trains this registration's specs.</summary>
    public abstract IEngine CreateEngine();
}

/// <summary>An <see cref="EngineRegistration"/> from its parts.</summary>
public sealed class EngineRegistration<TSpec>(string name, string summary, Func<EngineSettings, TSpec> read, Func<IEngine> create, int? legacyWireKey = null)
    : EngineRegistration
    where TSpec : class, ITrialSpec
{
    public override string Name { get; } = name;

    public override Type SpecType => typeof(TSpec);

    public override int? LegacyWireKey { get; } = legacyWireKey;

    public override string Summary { get; } = summary;

    public override ITrialSpec Read(EngineSettings settings) => read(settings);

    public override IEngine CreateEngine() => create();
}
