using System.Collections.Immutable;
using ClusterML.Core.Campaigns;
using ClusterML.Core.Specs;
using ClusterML.Core.Validation;

namespace ClusterML.Core.Coordination;

/// <summary>
/// Turns a trial's settings (campaign base + hyperparameters) into the engine's typed spec. Setting names are the engine's
/// command-line options in snake_case (<c>t_end</c>, <c>batch_size</c>, …). An unknown setting or a value of the wrong type
/// is an <see cref="InvalidInputException"/> naming it, raised while planning, before anything runs.
/// </summary>
public static class TrialSpecFactory
{
    /// <summary>Engines a campaign can name.</summary>
    public static IReadOnlyList<string> Engines { get; } = ["fd", "surrogate", "pinn", "nep"];

    public static ITrialSpec Create(string engine, IReadOnlyDictionary<string, CampaignValue> settings, string specPath)
    {
        var reader = new SettingsReader(settings, specPath);
        ITrialSpec spec = engine switch
        {
            "fd" => new FdHeatTrialSpec(
                reader.Double("alpha", 0.1), reader.Double("length", 1.0), reader.Double("left", 0.0), reader.Double("right", 1.0),
                reader.Double("initial", 0.0), reader.Int("nx", 101), reader.Double("t_end", 1.0), reader.OptionalDouble("dt"),
                reader.OptionalDouble("r"), reader.Text("scheme", "explicit"), reader.Int("snapshots", 6)),
            "surrogate" => new SurrogateSpec(
                reader.Path("data"), reader.Text("target", ""), reader.List("inputs"), reader.List("log"), reader.Bool("log_auto", true),
                reader.Int("layers", 3), reader.Int("width", 64), reader.Text("activation", "silu"), reader.Int("epochs", 1000),
                reader.Int("batch_size", 128), reader.Double("lr", 3e-3), reader.Double("weight_decay", 0), reader.Int("patience", 100),
                reader.Double("validation_fraction", 0.15), reader.Double("test_fraction", 0.2), reader.Int("ensemble", 1),
                null, reader.Bool("bootstrap", true), reader.Int("neighbors", 5), reader.Text("schedule", "cosine"),
                reader.Double("calibration_fraction", 0.1)).Validated(),
            "pinn" => new PinnHeatTrialSpec(
                reader.Texts(PinnHeatTrialSpec.Keys),
                reader.OptionalPath("observations"), reader.Bool("inverse", false)),
            "nep" => new NepTrainTrialSpec(
                reader.Path("train"), reader.OptionalPath("test"),
                reader.Texts(NepTrainTrialSpec.Keys)),
            _ => throw new InvalidInputException("engine", $"'{engine}' is not an engine of this build ({string.Join(", ", Engines)})", specPath),
        };
        reader.ThrowOnUnused();
        return spec;
    }

    private sealed class SettingsReader(IReadOnlyDictionary<string, CampaignValue> settings, string specPath)
    {
        private readonly HashSet<string> _used = [];

        private CampaignValue? Get(string key)
        {
            _used.Add(key);
            return settings.TryGetValue(key, out var value) ? value : null;
        }

        private InvalidInputException Bad(string key, string problem) => new(key, problem, specPath);

        public double Double(string key, double fallback) => OptionalDouble(key) ?? fallback;

        public double? OptionalDouble(string key) => Get(key) switch
        {
            null => null,
            var v when v.TryGetDouble(out var d) => d,
            var v => throw Bad(key, $"'{v}' is not a number"),
        };

        public int Int(string key, int fallback) => Get(key) switch
        {
            null => fallback,
            CampaignValue.Integer i when i.Value is >= int.MinValue and <= int.MaxValue => (int)i.Value,
            var v => throw Bad(key, $"'{v}' is not a whole number"),
        };

        public bool Bool(string key, bool fallback) => Get(key) switch
        {
            null => fallback,
            CampaignValue.Boolean b => b.Value,
            var v => throw Bad(key, $"'{v}' is not true or false"),
        };

        public string Text(string key, string fallback) => Get(key)?.ToString() ?? fallback;

        /// <summary>The given settings among <paramref name="keys"/> as text (for engines that parse their own settings).</summary>
        public ImmutableDictionary<string, string> Texts(IReadOnlyList<string> keys) =>
            keys.Select(k => (Key: k, Value: Get(k)?.ToString())).Where(x => x.Value is not null).ToImmutableDictionary(x => x.Key, x => x.Value!);

        public string? OptionalPath(string key) => settings.ContainsKey(key) ? Path(key) : null;

        public IReadOnlyList<string> List(string key) => Get(key) switch
        {
            null => [],
            CampaignValue.List l => [.. l.Items.Select(i => i.ToString())],
            var v => [.. v.ToString().Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)],
        };

        /// <summary>A file path; relative paths are relative to the spec's folder.</summary>
        public string Path(string key)
        {
            var value = Get(key)?.ToString() ?? throw Bad(key, "is required");
            return System.IO.Path.GetFullPath(System.IO.Path.Combine(System.IO.Path.GetDirectoryName(specPath) ?? ".", value));
        }

        public void ThrowOnUnused()
        {
            var unknown = settings.Keys.Where(k => !_used.Contains(k)).Order(StringComparer.Ordinal).ToArray();
            if (unknown.Length > 0)
            {
                throw Bad(unknown[0], $"is not a setting of this engine (known: {string.Join(", ", _used.Order(StringComparer.Ordinal))})");
            }
        }
    }

    /// <summary>Hyperparameters as text for results tables.</summary>
    public static ImmutableDictionary<string, string> Describe(IReadOnlyDictionary<string, CampaignValue> parameters) =>
        parameters.ToImmutableDictionary(p => p.Key, p => p.Value.ToString());
}
