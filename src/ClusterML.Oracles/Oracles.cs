using ClusterML.Core.Validation;

namespace ClusterML.Oracles;

/// <summary>The registered physics oracles, by command-line name.</summary>
public static class Oracles
{
    /// <summary>thin-film, slack and heat-fd, in that order.</summary>
    public static IReadOnlyList<IPhysicsOracle> All { get; } = [new ThinFilmOracle(), new SlackOracle(), new HeatFdOracle()];

    /// <summary>The oracle called <paramref name="name"/> (exact, case-sensitive).</summary>
    /// <exception cref="InvalidInputException">No oracle has that name (field <c>oracle</c>; the message lists the known ones).</exception>
    public static IPhysicsOracle Get(string name) =>
        All.FirstOrDefault(o => string.Equals(o.Name, name, StringComparison.Ordinal))
        ?? throw new InvalidInputException("oracle", $"'{name}' is not an oracle; known: {string.Join(", ", All.Select(o => o.Name))}");
}
