namespace ClusterML.Engines.Active.Tests;

/// <summary>Torch keeps global state (threads, the native library): its tests run one at a time.</summary>
[CollectionDefinition("Torch", DisableParallelization = true)]
public sealed class TorchCollection;
