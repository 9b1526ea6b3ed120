using System.Collections.Immutable;
using ClusterML.Core.Campaigns;
using ClusterML.Core.Engines;
using ClusterML.Core.Specs;
using ClusterML.Core.Validation;

namespace ClusterML.Core.Coordination;

/// <summary>
/// Turns a trial's settings (campaign base + hyperparameters) into the engine's typed spec through the engine's registration
/// (<see cref="EngineRegistry"/>). An unknown engine, an unknown setting or a value of the wrong type is an
/// <see cref="InvalidInputException"/> naming it, raised while planning, before anything runs.
/// </summary>
public static class TrialSpecFactory
{
    /// <summary>Engines a campaign can name in this process.</summary>
    public static IReadOnlyList<string> Engines => EngineRegistry.Names;

    public static ITrialSpec Create(string engine, IReadOnlyDictionary<string, CampaignValue> settings, string specPath)
    {
        var registration = EngineRegistry.Find(engine)
            ?? throw new InvalidInputException("engine", $"'{engine}' is not an engine of this build ({string.Join(", ", Engines)})", specPath);
        var reader = new EngineSettings(settings, specPath);
        var spec = registration.Read(reader);
        reader.ThrowOnUnused();
        return spec;
    }

    /// <summary>Hyperparameters as text for results tables.</summary>
    public static ImmutableDictionary<string, string> Describe(IReadOnlyDictionary<string, CampaignValue> parameters) =>
        parameters.ToImmutableDictionary(p => p.Key, p => p.Value.ToString());
}
