namespace ClusterML.Cli.Tests;

/// <summary>
/// Multi-process tests that keep every core busy for minutes (chaos, network partition) run with no other test beside
/// them: they would slow the others past their heartbeat and failover bounds, and be slowed by them.
/// </summary>
[CollectionDefinition("Alone", DisableParallelization = true)]
public sealed class AloneCollection;
