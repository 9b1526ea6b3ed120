using System.Collections.Immutable;
using ClusterML.Core.Engines;
using ClusterML.Core.Specs;

namespace ClusterML.Engines.Pinn.Heat;

/// <summary>
/// The heat PINN as a campaign engine: settings from the trial's snake_case keys, progress every
/// <see cref="PinnHeatSettings.ReportEvery"/> steps with the loss components and the current relative L2 error (so ASHA can
/// stop on <c>rel_l2</c> or <c>pde</c>), cancellation between steps, the final relative L2 error vs the analytic solution
/// as the trial's loss, and the model plus metrics written under the artifact directory when one is given.
/// <para>
/// Trains in segments (<see cref="RunContext.UntilEpoch"/>, <see cref="RunContext.StartFrom"/>): the Adam epochs can stop
/// after any epoch, saving <see cref="PinnHeatSegment"/>'s files under the fit id and returning the relative L2 error of the
/// network at that epoch (no artifacts); a run that continues a fit takes up its state with the current learning rate and
/// loss weights. L-BFGS (<c>lbfgs_steps</c>) polishes only in the last segment.
/// </para>
/// </summary>
public sealed class PinnHeatEngine : Engine<PinnHeatTrialSpec>, IEngine
{
    /// <inheritdoc/>
    public bool TrainsInSegments => true;

    /// <summary>The <c>pinn</c> engine: its settings are the options of <c>clusterml pinn heat</c> in snake_case.</summary>
    public static EngineRegistration Registration { get; } = new EngineRegistration<PinnHeatTrialSpec>(
        "pinn", "a physics-informed network for the 1D heat equation (forward, or inverse for α)",
        s => new PinnHeatTrialSpec(s.Texts(PinnHeatTrialSpec.Keys), s.OptionalPath("observations"), s.Bool("inverse", false)),
        () => new PinnHeatEngine(), legacyWireKey: 2);

    public static PinnHeatSettings ToSettings(PinnHeatTrialSpec spec)
    {
        var settings = spec.Settings.Aggregate(new PinnHeatSettings(), (s, kv) => PinnHeatSettingsBinder.Apply(s, kv.Key, kv.Value, kv.Key));
        if (spec.Observations is { } path)
        {
            settings = settings with { Observations = HeatObservationFile.ReadObservations(path, "observations") };
        }
        return (settings with { Inverse = spec.Inverse }).Validated();
    }

    void IEngine.Check(ITrialSpec spec)
    {
        if (spec is PinnHeatTrialSpec pinn)
        {
            ToSettings(pinn);
        }
    }

    protected override TrainingOutcome Train(PinnHeatTrialSpec spec, RunContext context, CancellationToken cancellationToken)
    {
        var settings = ToSettings(spec);
        var total = settings.Epochs + settings.LbfgsSteps;
        var progress = context.Progress is { } sink
            ? new Relay(e => sink.Report(new TrainingProgress(e.Stage, e.Epoch, total, e.Loss, null, Metrics(e))))
            : null;
        var lastEpoch = TrainingSegments.LastEpoch(context, settings.Epochs);
        var start = TrainingSegments.StartingPoint(context, cancellationToken);
        using var run = PinnHeatTrainer.Train(settings, context.Seed, context.Device, progress, start?.Files, lastEpoch, cancellationToken,
            start is null ? "the checkpoint" : $"the checkpoint of fit '{start.FitId}'");
        if (run.Segment is { } segment)
        {
            TrainingSegments.Save(context, lastEpoch, segment, cancellationToken);
        }
        var artifacts = new List<string>();
        if (run.Segment is null && context.ArtifactDirectory is { } folder)
        {
            PinnHeatModel.Save(run, Path.Combine(folder, "model"));
            artifacts.Add("model");
        }
        var curve = run.History.Select(e => e.Loss).ToArray();
        return new TrainingOutcome(run.Metrics["rel_l2_vs_analytic"], curve, [], run.Metrics.ToImmutableDictionary(), artifacts);
    }

    private static ImmutableDictionary<string, double> Metrics(PinnEpoch e)
    {
        var m = ImmutableDictionary<string, double>.Empty.Add("pde", e.Pde);
        if (e.Boundary is { } b)
        {
            m = m.Add("bc", b);
        }
        if (e.Initial is { } i)
        {
            m = m.Add("ic", i);
        }
        if (e.Data is { } d)
        {
            m = m.Add("data", d);
        }
        if (e.RelativeL2 is { } r)
        {
            m = m.Add("rel_l2", r);
        }
        if (e.Alpha is { } a)
        {
            m = m.Add("alpha", a);
        }
        return m;
    }

    private sealed class Relay(Action<PinnEpoch> report) : IProgress<PinnEpoch>
    {
        public void Report(PinnEpoch value) => report(value);
    }
}
