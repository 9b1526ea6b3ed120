namespace ClusterML.Engines.Torch.Tests;

/// <summary>Torch keeps global state (threads, seeds, the native library): its tests run one at a time.</summary>
[CollectionDefinition("Torch", DisableParallelization = true)]
public sealed class TorchCollection;
