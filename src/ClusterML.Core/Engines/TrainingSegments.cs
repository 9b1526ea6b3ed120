using ClusterML.Core.Validation;

namespace ClusterML.Core.Engines;

/// <summary>
/// What engines that train in segments (<see cref="IEngine.TrainsInSegments"/>) share: the epoch a run stops after, the
/// checkpoint it continues from (<see cref="RunContext.StartFrom"/>) and saving the one it leaves (under
/// <see cref="RunContext.FitId"/>). Problems are <see cref="InvalidInputException"/>s on <c>start_from</c> / <c>until_epoch</c>.
/// </summary>
public static class TrainingSegments
{
    /// <summary>The last epoch this run trains: <see cref="RunContext.UntilEpoch"/> capped at the spec's <paramref name="epochs"/>, else <paramref name="epochs"/>.</summary>
    /// <exception cref="InvalidInputException">UntilEpoch is below 1, or there is nowhere to save the segment's checkpoint.</exception>
    public static int LastEpoch(RunContext context, int epochs)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (context.UntilEpoch is not { } until)
        {
            return epochs;
        }
        if (until < 1)
        {
            throw new InvalidInputException("until_epoch", $"must be ≥ 1 (got {until})");
        }
        if (until < epochs && (context.Checkpoints is null || context.FitId is null))
        {
            throw new InvalidInputException("until_epoch", "a segment that stops before the last epoch needs a checkpoint store and a fit id to save its state under");
        }
        return Math.Min(until, epochs);
    }

    /// <summary>True when the run stops before the spec's last epoch (it saves a checkpoint and keeps the final steps for later).</summary>
    public static bool IsPartial(RunContext context, int epochs) => LastEpoch(context, epochs) < epochs;

    /// <summary>
    /// The newest checkpoint of <see cref="RunContext.StartFrom"/>, or null when the run does not continue another fit.
    /// </summary>
    /// <exception cref="InvalidInputException">StartFrom is set but there is no checkpoint store, or the fit has no checkpoint.</exception>
    public static FitCheckpoint? StartingPoint(RunContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (context.StartFrom is not { } from)
        {
            return null;
        }
        if (context.Checkpoints is not { } store)
        {
            throw new InvalidInputException("start_from", $"cannot continue fit '{from}': this run has no checkpoint store");
        }
        return store.LatestAsync(from, cancellationToken).GetAwaiter().GetResult()
            ?? throw new InvalidInputException("start_from", $"fit '{from}' has no checkpoint to continue from");
    }

    /// <summary>Checks that a checkpoint taken after <paramref name="reached"/> epochs can continue to <paramref name="lastEpoch"/>.</summary>
    public static void CheckReached(string fitId, int reached, int lastEpoch)
    {
        if (reached > lastEpoch)
        {
            throw new InvalidInputException("start_from", $"fit '{fitId}' is at epoch {reached}, past epoch {lastEpoch} where this run stops");
        }
    }

    /// <summary>Saves a segment's state under <see cref="RunContext.FitId"/> (<see cref="LastEpoch"/> made sure there is a store).</summary>
    public static void Save(RunContext context, int epoch, IReadOnlyDictionary<string, byte[]> files, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (context.Checkpoints is { } store && context.FitId is { } fitId)
        {
            store.SaveAsync(new FitCheckpoint(fitId, epoch, files), cancellationToken).GetAwaiter().GetResult();
        }
    }

    /// <summary>Throws when an architecture setting of the checkpoint differs from the spec's (the weights would not fit).</summary>
    public static void RequireSame(string fitId, string setting, string inCheckpoint, string inSpec)
    {
        if (!string.Equals(inCheckpoint, inSpec, StringComparison.Ordinal))
        {
            throw new InvalidInputException(setting, $"is {inSpec} but the checkpoint of fit '{fitId}' was trained with {inCheckpoint}: it shapes the network and cannot change between segments");
        }
    }
}
