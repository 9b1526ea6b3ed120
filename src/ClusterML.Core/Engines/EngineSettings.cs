using System.Collections.Immutable;
using ClusterML.Core.Campaigns;
using ClusterML.Core.Validation;

namespace ClusterML.Core.Engines;

/// <summary>
/// One trial's settings as an engine's registration reads them (<see cref="EngineRegistration.Read"/>): typed getters with
/// defaults, every key read remembered so that <see cref="ThrowOnUnused"/> can name a setting no engine field took. Setting names
/// are the engine's command-line options in snake_case (<c>t_end</c>, <c>batch_size</c>, …). Errors are
/// <see cref="InvalidInputException"/>s naming the setting and the spec file.
/// </summary>
public sealed class EngineSettings(IReadOnlyDictionary<string, CampaignValue> settings, string specPath)
{
    private readonly HashSet<string> _used = new(StringComparer.Ordinal);

    /// <summary>The campaign file the settings come from (relative paths are relative to its folder).</summary>
    public string SpecPath { get; } = specPath;

    /// <summary>Every setting given, read or not.</summary>
    public IReadOnlyDictionary<string, CampaignValue> All { get; } = settings;

    /// <summary>The raw value of <paramref name="key"/> (marked as used), or null when it is not given.</summary>
    public CampaignValue? Get(string key)
    {
        _used.Add(key);
        return All.TryGetValue(key, out var value) ? value : null;
    }

    /// <summary>Every setting, all marked as read: for engines that take unknown settings as their own parameters (exec).</summary>
    public IReadOnlyDictionary<string, CampaignValue> TakeAll()
    {
        _used.UnionWith(All.Keys);
        return All;
    }

    /// <summary>An error about setting <paramref name="key"/> in this spec.</summary>
    public InvalidInputException Bad(string key, string problem) => new(key, problem, SpecPath);

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

    public string? OptionalPath(string key) => All.ContainsKey(key) ? Path(key) : null;

    /// <summary>A list setting: a YAML list, or comma-separated text.</summary>
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
        return Resolve(value);
    }

    /// <summary><paramref name="path"/> made absolute against the spec's folder.</summary>
    public string Resolve(string path) =>
        System.IO.Path.GetFullPath(System.IO.Path.Combine(System.IO.Path.GetDirectoryName(SpecPath) ?? ".", path));

    /// <summary>Settings no getter asked for, sorted.</summary>
    public IReadOnlyList<string> Unused => [.. All.Keys.Where(k => !_used.Contains(k)).Order(StringComparer.Ordinal)];

    /// <exception cref="InvalidInputException">A setting was given that no getter asked for.</exception>
    public void ThrowOnUnused()
    {
        if (Unused is [var first, ..])
        {
            throw Bad(first, $"is not a setting of this engine (known: {string.Join(", ", _used.Order(StringComparer.Ordinal))})");
        }
    }
}
