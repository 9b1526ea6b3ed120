using ClusterML.Cluster.Fits;

namespace ClusterML.Cluster.Trials;

/// <summary>
/// How many trials this node runs at once, and the threads they run on. Shared by every trial entity of the node; a trial
/// waits (off the actor thread) for a free slot, then its engine runs on one of the slots' long-lived threads (as many as
/// slots, so a trial holding a slot never waits for a thread). Not the thread pool: engines compute for minutes, and there
/// they would starve the actors (the cluster's heartbeats among them). Not a new thread per attempt either: a campaign of
/// 10⁵ tiny trials spent more on creating and finalizing threads than on the trials. Thread-safe.
/// </summary>
public sealed class WorkerSlots : IDisposable
{
    private readonly SemaphoreSlim _gate;
    private readonly Lazy<ComputeThreads> _threads;

    public WorkerSlots(int count)
    {
        Count = count >= 1 ? count : throw new ArgumentOutOfRangeException(nameof(count), count, "a worker needs at least one slot");
        _gate = new SemaphoreSlim(count, count);
        // Started with the first trial: observers and coordinators that never run one keep no idle threads.
        _threads = new Lazy<ComputeThreads>(() => new ComputeThreads(count, "trial-slot"), LazyThreadSafetyMode.ExecutionAndPublication);
    }

    /// <summary>The configured number of slots (≥ 1).</summary>
    public int Count { get; }

    /// <summary>Slots in use now.</summary>
    public int Busy => Count - _gate.CurrentCount;

    /// <summary>Default: one slot per core (the engines' tensor work already uses several threads each, so not more).</summary>
    public static int DefaultCount => Math.Max(1, Environment.ProcessorCount);

    public async Task<IDisposable> AcquireAsync(CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        return new Release(_gate);
    }

    /// <summary>
    /// Runs <paramref name="work"/> on a slot thread; call it while holding a slot (<see cref="AcquireAsync"/>). Threads are
    /// reused, so work must not leave thread-bound settings behind that change the next trial's results (the torch engines
    /// set their intra-op thread count at the start of every run).
    /// </summary>
    public Task<T> RunAsync<T>(Func<T> work) => _threads.Value.RunAsync(work);

    public void Dispose()
    {
        _gate.Dispose();
        if (_threads.IsValueCreated)
        {
            _threads.Value.Dispose();
        }
    }

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
