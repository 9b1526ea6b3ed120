using ClusterML.Core.Engines;
using ClusterML.Core.Specs;
using ClusterML.Engines.FiniteDifferences;

namespace ClusterML.Cluster.Tests;

/// <summary>
/// An engine for actor tests (no libtorch): accepts <see cref="FdHeatTrialSpec"/>, reports <c>Nx</c> epochs with a loss of
/// 1/epoch and a validation loss of 2·Length/epoch, waits <see cref="EpochDelay"/> per epoch (cancellable), and throws when <c>Alpha</c> is negative
/// (an error that may pass) or when <c>Length</c> is negative (bad input, <see cref="ClusterML.Core.Validation.InvalidInputException"/>).
/// </summary>
public sealed class FakeEngine : Engine<FdHeatTrialSpec>
{
    public TimeSpan EpochDelay { get; init; } = TimeSpan.Zero;

    /// <summary>Final metrics reported beside <c>seed</c> (for objective tests); none by default.</summary>
    public Func<FdHeatTrialSpec, IReadOnlyDictionary<string, double>>? ExtraMetrics { get; init; }

    private int _runs;

    public int Runs => _runs;

    protected override TrainingOutcome Train(FdHeatTrialSpec spec, RunContext context, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _runs);
        if (spec.Length < 0)
        {
            throw new ClusterML.Core.Validation.InvalidInputException("length", $"must be positive, got {spec.Length}", "data.csv", 3);
        }
        if (spec.Alpha < 0)
        {
            throw new InvalidOperationException($"fake failure for alpha {spec.Alpha}");
        }
        var curve = new List<double>();
        for (var epoch = 1; epoch <= spec.Nx; epoch++)
        {
            if (EpochDelay > TimeSpan.Zero)
            {
                Task.Delay(EpochDelay, cancellationToken).GetAwaiter().GetResult();
            }
            cancellationToken.ThrowIfCancellationRequested();
            curve.Add(1.0 / epoch);
            context.Progress?.Report(new TrainingProgress("fake", epoch, spec.Nx, 1.0 / epoch, 2.0 * spec.Length / epoch));
        }
        var metrics = new Dictionary<string, double> { ["seed"] = context.Seed };
        foreach (var (name, value) in ExtraMetrics?.Invoke(spec) ?? new Dictionary<string, double>())
        {
            metrics[name] = value;
        }
        return new TrainingOutcome(curve.Count > 0 ? curve[^1] : 0, curve, [], metrics, ["fake.txt"]);
    }
}
