namespace ClusterML.Cli.Tests;

/// <summary>Commands that train with torch run one at a time (torch keeps global state).</summary>
[CollectionDefinition("Torch", DisableParallelization = true)]
public sealed class TorchCollection;
