using System.Collections.Immutable;
using ClusterML.Core.Campaigns;
using ClusterML.Core.Engines;
using ClusterML.Core.Validation;
using ClusterML.Oracles;

namespace ClusterML.Engines.Active;

/// <summary>
/// Evaluates a built-in generator at one input vector and reports every output column as a metric (the oracle calls of an
/// active-learning campaign). Deterministic and instantaneous; stands in for a simulation or a DFT calculation.
/// </summary>
public sealed class GeneratorOracleEngine : Engine<GeneratorOracleSpec>, IEngine
{
    /// <summary>The <c>oracle</c> engine: settings <c>generator</c> and one number per input column of that generator.</summary>
    public static EngineRegistration Registration { get; } = new EngineRegistration<GeneratorOracleSpec>(
        ActiveNames.GeneratorEngine, "one call of a built-in generator (thin-film, slack, heat-fd): its inputs → its outputs as metrics",
        s =>
        {
            var generator = s.Text("generator", "");
            var values = ImmutableDictionary.CreateBuilder<string, double>(StringComparer.Ordinal);
            foreach (var (key, value) in s.TakeAll().Where(p => p.Key != "generator"))
            {
                values[key] = value.TryGetDouble(out var number) ? number : throw s.Bad(key, $"must be a number (got '{value}')");
            }
            return Validated(new GeneratorOracleSpec(generator, values.ToImmutable()));
        },
        () => new GeneratorOracleEngine());

    void IEngine.Check(ClusterML.Core.Specs.ITrialSpec spec) => Validated((GeneratorOracleSpec)spec);

    protected override TrainingOutcome Train(GeneratorOracleSpec spec, RunContext context, CancellationToken cancellationToken)
    {
        var (oracle, vector) = Resolve(Validated(spec));
        var outputs = oracle.Evaluate(vector);
        var metrics = oracle.Outputs.Select((name, i) => (name, value: outputs[i])).ToDictionary(p => p.name, p => p.value, StringComparer.Ordinal);
        // No loss: an oracle call is a label, not a fit (it never ranks as a campaign's best trial).
        return new TrainingOutcome(double.NaN, [], [], metrics);
    }

    /// <summary>The generator and the input vector in its column order.</summary>
    /// <exception cref="InvalidInputException">An unknown generator, a missing or extra input column.</exception>
    public static (IPhysicsOracle Oracle, double[] Vector) Resolve(GeneratorOracleSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var oracle = Oracles.Oracles.Get(spec.Generator);
        var extra = spec.Inputs.Keys.Where(k => oracle.Inputs.All(i => i.Name != k)).Order(StringComparer.Ordinal).FirstOrDefault();
        if (extra is not null)
        {
            throw new InvalidInputException(extra, $"is not an input of generator {oracle.Name} ({string.Join(", ", oracle.Inputs.Select(i => i.Name))})");
        }
        var vector = oracle.Inputs.Select(i => spec.Inputs.TryGetValue(i.Name, out var v) ? v
            : throw new InvalidInputException(i.Name, $"generator {oracle.Name} needs this input ({i.Description}); add it to the campaign's inputs")).ToArray();
        return (oracle, vector);
    }

    private static GeneratorOracleSpec Validated(GeneratorOracleSpec spec)
    {
        if (string.IsNullOrWhiteSpace(spec.Generator))
        {
            throw new InvalidInputException("generator", $"names the built-in generator to call ({string.Join(", ", Oracles.Oracles.All.Select(o => o.Name))})");
        }
        _ = Resolve(spec);
        return spec;
    }
}
