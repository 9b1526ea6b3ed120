using MessagePack;

namespace ClusterML.Core.Specs;

/// <summary>
/// What one trial trains. Each engine has one spec type. Union keys are part of the wire contract: append, never renumber.
/// </summary>
[Union(0, typeof(SurrogateSpec))]
[Union(1, typeof(FdHeatTrialSpec))]
[Union(2, typeof(PinnHeatTrialSpec))]
[Union(3, typeof(NepTrainTrialSpec))]
public interface ITrialSpec;
