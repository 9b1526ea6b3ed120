using System.Collections.Immutable;
using ClusterML.Core.Specs;
using MessagePack;

namespace ClusterML.Engines.Active;

/// <summary>
/// One call of a built-in physics generator (<c>thin-film</c>, <c>slack</c>, <c>heat-fd</c>) at one input vector, by column
/// name: the oracle of an active-learning campaign whose <c>oracle</c> is <c>{ generator: NAME }</c>. Keys are the wire
/// contract: append, never renumber.
/// </summary>
[MessagePackObject]
public sealed record GeneratorOracleSpec(
    [property: Key(0)] string Generator,
    [property: Key(1)] ImmutableDictionary<string, double> Inputs) : ITrialSpec;
