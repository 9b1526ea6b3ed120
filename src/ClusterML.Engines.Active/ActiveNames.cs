using ClusterML.Core.Active;

namespace ClusterML.Engines.Active;

/// <summary>The engine names of active learning (the same as <see cref="ActiveSpec"/>'s, which Core plans with).</summary>
internal static class ActiveNames
{
    public const string GeneratorEngine = ActiveSpec.GeneratorEngine;

    public const string RoundEngine = ActiveSpec.RoundEngine;
}
