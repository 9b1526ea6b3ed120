using ClusterML.Core.Specs;

namespace ClusterML.Core.Engines;

/// <summary>Base class that routes a <typeparamref name="TSpec"/> to its typed <see cref="Train(TSpec, RunContext, CancellationToken)"/>.</summary>
public abstract class Engine<TSpec> : IEngine
    where TSpec : class, ITrialSpec
{
    public bool Accepts(ITrialSpec spec) => spec is TSpec;

    public TrainingOutcome Train(ITrialSpec spec, RunContext context, CancellationToken cancellationToken) =>
        spec is TSpec typed
            ? Train(typed, context, cancellationToken)
            : throw new ArgumentException($"{GetType().Name} does not train {spec?.GetType().Name ?? "null"}", nameof(spec));

    /// <inheritdoc cref="IEngine.Train"/>
    protected abstract TrainingOutcome Train(TSpec spec, RunContext context, CancellationToken cancellationToken);
}
