using System.Collections.Immutable;
using System.Text.RegularExpressions;

namespace ClusterML.Core.Engines;

/// <summary>
/// The engines this process knows, by name, by spec type and by legacy wire key. Process-wide because the wire form of
/// <see cref="Specs.ITrialSpec"/> (the cluster wire serializer's trial-spec formatter) is resolved statically by MessagePack; the program
/// registers its engines once at start-up (tests in their module initialisers). Registering the same registration type again
/// is a no-op; a different one under a taken name, spec type or wire key is an error. Thread-safe.
/// </summary>
public static partial class EngineRegistry
{
    private static readonly object Gate = new();
    private static ImmutableDictionary<string, EngineRegistration> _byName = ImmutableDictionary<string, EngineRegistration>.Empty.WithComparers(StringComparer.Ordinal);
    private static ImmutableDictionary<Type, EngineRegistration> _byType = ImmutableDictionary<Type, EngineRegistration>.Empty;
    private static ImmutableDictionary<int, EngineRegistration> _byLegacyKey = ImmutableDictionary<int, EngineRegistration>.Empty;

    /// <summary>Registers <paramref name="registrations"/> (idempotent for the same ones).</summary>
    /// <exception cref="InvalidOperationException">A name, spec type or legacy wire key is taken by another registration.</exception>
    public static void Register(params IEnumerable<EngineRegistration> registrations)
    {
        ArgumentNullException.ThrowIfNull(registrations);
        lock (Gate)
        {
            foreach (var registration in registrations)
            {
                if (!ValidName().IsMatch(registration.Name))
                {
                    throw new InvalidOperationException($"engine name '{registration.Name}' must be lower-case letters, digits and '-'");
                }
                if (_byName.TryGetValue(registration.Name, out var known))
                {
                    if (known.GetType() == registration.GetType() && known.SpecType == registration.SpecType)
                    {
                        continue;
                    }
                    throw new InvalidOperationException($"engine '{registration.Name}' is already registered (spec {known.SpecType.Name})");
                }
                if (_byType.TryGetValue(registration.SpecType, out var sameType))
                {
                    throw new InvalidOperationException($"{registration.SpecType.Name} is already the spec of engine '{sameType.Name}'");
                }
                if (registration.LegacyWireKey is { } key && _byLegacyKey.TryGetValue(key, out var sameKey))
                {
                    throw new InvalidOperationException($"legacy wire key {key} is already engine '{sameKey.Name}'s");
                }
                _byName = _byName.Add(registration.Name, registration);
                _byType = _byType.Add(registration.SpecType, registration);
                if (registration.LegacyWireKey is { } legacy)
                {
                    _byLegacyKey = _byLegacyKey.Add(legacy, registration);
                }
            }
        }
    }

    /// <summary>Names of the registered engines, sorted.</summary>
    public static IReadOnlyList<string> Names => [.. _byName.Keys.Order(StringComparer.Ordinal)];

    /// <summary>The registered engines, sorted by name.</summary>
    public static IReadOnlyList<EngineRegistration> All => [.. _byName.Values.OrderBy(r => r.Name, StringComparer.Ordinal)];

    /// <summary>The engine named <paramref name="name"/>, or null.</summary>
    public static EngineRegistration? Find(string name) => _byName.GetValueOrDefault(name);

    /// <summary>The engine whose spec type is <paramref name="specType"/>, or null.</summary>
    public static EngineRegistration? ForSpec(Type specType) => _byType.GetValueOrDefault(specType);

    /// <summary>The engine that had union key <paramref name="key"/> in earlier builds' wire form, or null.</summary>
    public static EngineRegistration? ForLegacyWireKey(int key) => _byLegacyKey.GetValueOrDefault(key);

    [GeneratedRegex("^[a-z][a-z0-9-]*$")]
    private static partial Regex ValidName();
}
