namespace ClusterML.Core.Engines;

/// <summary>
/// A fit's exact restart state, taken after epoch (or generation) <see cref="Epoch"/>: the files its trainer writes to
/// continue from (for NEP: the restart JSON, the weights and the optimizer's moments), by name.
/// </summary>
public sealed record FitCheckpoint(string FitId, int Epoch, IReadOnlyDictionary<string, byte[]> Files)
{
    public long Bytes => Files.Values.Sum(f => (long)f.Length);
}

/// <summary>
/// Where a fit keeps its checkpoints outside the process that runs it, so that the fit continues from the last one wherever
/// it is run again (a campaign trial retried on another worker, a resumed campaign). On the cluster this is the fit's
/// persistent coordinator entity on the <c>coordinator</c> role.
/// </summary>
public interface IFitCheckpoints
{
    /// <summary>The newest checkpoint of <paramref name="fitId"/>, or null when it has none.</summary>
    Task<FitCheckpoint?> LatestAsync(string fitId, CancellationToken cancellationToken);

    /// <summary>Stores <paramref name="checkpoint"/> durably (it replaces the older ones); returns once it is written.</summary>
    Task SaveAsync(FitCheckpoint checkpoint, CancellationToken cancellationToken);

    /// <summary>The fit is over: its checkpoints are deleted.</summary>
    Task ForgetAsync(string fitId, CancellationToken cancellationToken);
}

/// <summary>Checkpoints held in this process only (tests, a lone engine): they do not survive it.</summary>
public sealed class InMemoryFitCheckpoints : IFitCheckpoints
{
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, FitCheckpoint> _latest = new();

    /// <summary>Checkpoints saved so far (all fits).</summary>
    public int Saves { get; private set; }

    public Task<FitCheckpoint?> LatestAsync(string fitId, CancellationToken cancellationToken) =>
        Task.FromResult(_latest.TryGetValue(fitId, out var checkpoint) ? checkpoint : null);

    public Task SaveAsync(FitCheckpoint checkpoint, CancellationToken cancellationToken)
    {
        _latest[checkpoint.FitId] = checkpoint;
        Saves++;
        return Task.CompletedTask;
    }

    public Task ForgetAsync(string fitId, CancellationToken cancellationToken)
    {
        _latest.TryRemove(fitId, out _);
        return Task.CompletedTask;
    }
}
