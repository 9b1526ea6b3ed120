using System.Collections.Immutable;
using ClusterML.Core.Campaigns;
using ClusterML.Core.Coordination;
using ClusterML.Core.Engines;
using ClusterML.Core.Specs;

namespace ClusterML.Engines.Active.Tests;

/// <summary>The engines of this project, registered as the CLI host does, and settings built as a campaign gives them.</summary>
internal static class Registrations
{
    public const string SpecPath = "/tmp/clusterml-active-tests/x.yaml";

    private static readonly Lock Gate = new();
    private static bool _done;

    public static void Register()
    {
        lock (Gate)
        {
            if (!_done)
            {
                EngineRegistry.Register(GeneratorOracleEngine.Registration, ActiveRoundEngine.Registration);
                _done = true;
            }
        }
    }

    public static ITrialSpec Create(string engine, IReadOnlyDictionary<string, CampaignValue> settings)
    {
        Register();
        return TrialSpecFactory.Create(engine, settings, SpecPath);
    }

    public static CampaignValue Value(object value) => value switch
    {
        string s => new CampaignValue.Text(s),
        int i => new CampaignValue.Integer(i),
        long l => new CampaignValue.Integer(l),
        double d => new CampaignValue.Real(d),
        bool b => new CampaignValue.Boolean(b),
        string[] list => new CampaignValue.List([.. list.Select(x => (CampaignValue)new CampaignValue.Text(x))]),
        _ => throw new ArgumentException($"no campaign value for {value.GetType()}", nameof(value)),
    };

    public static ImmutableDictionary<string, CampaignValue> Settings(params (string Key, object Value)[] pairs) =>
        pairs.ToImmutableDictionary(p => p.Key, p => Value(p.Value), StringComparer.Ordinal);
}
