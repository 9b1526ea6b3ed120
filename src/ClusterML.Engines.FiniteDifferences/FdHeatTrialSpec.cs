using ClusterML.Core.Specs;
using MessagePack;

namespace ClusterML.Engines.FiniteDifferences;

/// <summary>
/// One finite-difference run of the 1D heat equation as a trial (the fields of <c>clusterml fd heat</c>; units as there).
/// Exactly one of <see cref="Dt"/> and <see cref="R"/> may be set; <see cref="Scheme"/> is <c>explicit</c> or <c>crank-nicolson</c>.
/// Keys are the wire contract: append, never renumber.
/// </summary>
[MessagePackObject]
public sealed record FdHeatTrialSpec(
    [property: Key(0)] double Alpha = 0.1,
    [property: Key(1)] double Length = 1.0,
    [property: Key(2)] double Left = 0.0,
    [property: Key(3)] double Right = 1.0,
    [property: Key(4)] double Initial = 0.0,
    [property: Key(5)] int Nx = 101,
    [property: Key(6)] double TEnd = 1.0,
    [property: Key(7)] double? Dt = null,
    [property: Key(8)] double? R = null,
    [property: Key(9)] string Scheme = "explicit",
    [property: Key(10)] int Snapshots = 6) : ITrialSpec;
