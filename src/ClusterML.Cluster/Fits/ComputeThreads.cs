using System.Collections.Concurrent;

namespace ClusterML.Cluster.Fits;

/// <summary>
/// A node's tensor threads for fit shards: a fixed number of long-lived threads (one per slot) that run the shards' work in
/// the order it arrives. Not the thread pool (Akka's dispatcher runs there, and long tensor work on it starves the actors),
/// and not a new thread per request (every new thread costs libtorch and the native allocator fresh per-thread state:
/// memory arenas that other threads' freed memory does not refill).
/// </summary>
public sealed class ComputeThreads : IDisposable
{
    private readonly BlockingCollection<Action> _queue = [];
    private readonly Thread[] _threads;

    public ComputeThreads(int count, string name = "fit-compute")
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        _threads = [.. Enumerable.Range(0, count).Select(i => new Thread(Loop) { IsBackground = true, Name = $"{name}-{i}" })];
        foreach (var thread in _threads)
        {
            thread.Start();
        }
    }

    public int Count => _threads.Length;

    public Task<T> RunAsync<T>(Func<T> work)
    {
        var done = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
        _queue.Add(() =>
        {
            try
            {
                done.SetResult(work());
            }
            catch (Exception e)
            {
                done.SetException(e);
            }
        });
        return done.Task;
    }

    public void Dispose() => _queue.CompleteAdding();

    private void Loop()
    {
        foreach (var work in _queue.GetConsumingEnumerable())
        {
            work();
        }
    }
}
