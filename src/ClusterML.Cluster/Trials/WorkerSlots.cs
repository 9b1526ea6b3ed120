namespace ClusterML.Cluster.Trials;

/// <summary>
/// How many trials this node runs at once. Shared by every trial entity of the node; a trial waits (off the actor thread)
/// for a free slot before its engine starts. Thread-safe.
/// </summary>
public sealed class WorkerSlots(int count) : IDisposable
{
    private readonly SemaphoreSlim _gate = new(count, count);

    /// <summary>The configured number of slots (≥ 1).</summary>
    public int Count { get; } = count >= 1 ? count : throw new ArgumentOutOfRangeException(nameof(count), count, "a worker needs at least one slot");

    /// <summary>Slots in use now.</summary>
    public int Busy => Count - _gate.CurrentCount;

    /// <summary>Default: one slot per core (the engines' tensor work already uses several threads each, so not more).</summary>
    public static int DefaultCount => Math.Max(1, Environment.ProcessorCount);

    public async Task<IDisposable> AcquireAsync(CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        return new Release(_gate);
    }

    public void Dispose() => _gate.Dispose();

    private sealed class Release(SemaphoreSlim gate) : IDisposable
    {
        private int _released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0)
            {
                gate.Release();
            }
        }
    }
}
