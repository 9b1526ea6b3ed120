using ClusterML.Core.Validation;

namespace ClusterML.Oracles;

/// <summary>The registered physics oracles.</summary>
public static class Oracles
{
    /// <summary>thin-film, slack and heat-fd.</summary>
    public static IReadOnlyList<IPhysicsOracle> All { get; } = [new ThinFilmOracle(), new SlackOracle(), new HeatFdOracle()];

    /// <summary>The oracle called <paramref name="name"/>.</summary>
    /// <exception cref="InvalidInputException">No oracle has that name.</exception>
    public static IPhysicsOracle Get(string name) =>
        All.FirstOrDefault(o => o.Name == name)
        ?? throw new InvalidInputException("oracle", $"'{name}' is not an oracle; known: {string.Join(", ", All.Select(o => o.Name))}");
}
