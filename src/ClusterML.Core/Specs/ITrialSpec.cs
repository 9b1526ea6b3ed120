namespace ClusterML.Core.Specs;

/// <summary>
/// What one trial trains. Each engine has one spec type, defined in its own project and registered with
/// <see cref="Engines.EngineRegistry"/>; on the wire a spec is its engine's name and its own MessagePack object (the
/// cluster's wire serializer resolves it through the registry).
/// </summary>
public interface ITrialSpec;
