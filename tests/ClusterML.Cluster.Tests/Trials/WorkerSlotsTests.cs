using ClusterML.Cluster.Trials;

namespace ClusterML.Cluster.Tests.Trials;

public sealed class WorkerSlotsTests
{
    [Fact]
    public async Task Trials_should_run_on_the_slots_own_reused_threads_never_more_than_there_are_slots()
    {
        using var slots = new WorkerSlots(2);
        var threads = new System.Collections.Concurrent.ConcurrentDictionary<int, string>();
        var running = 0;
        var most = 0;
        async Task<int> Trial(int k)
        {
            using var slot = await slots.AcquireAsync(TestContext.Current.CancellationToken);
            return await slots.RunAsync(() =>
            {
                var now = Interlocked.Increment(ref running);
                InterlockedMax(ref most, now);
                threads[Environment.CurrentManagedThreadId] = Thread.CurrentThread.Name ?? "";
                Assert.False(Thread.CurrentThread.IsThreadPoolThread);
                Thread.Sleep(2);
                Interlocked.Decrement(ref running);
                return k * k;
            });
        }
        var results = await Task.WhenAll(Enumerable.Range(0, 40).Select(Trial));
        Assert.Equal(Enumerable.Range(0, 40).Select(k => k * k), results);
        Assert.InRange(threads.Count, 1, 2); // 40 trials, at most 2 threads: reused, not one per trial
        Assert.All(threads.Values, name => Assert.StartsWith("trial-slot-", name, StringComparison.Ordinal));
        Assert.InRange(most, 1, 2);
    }

    [Fact]
    public async Task An_engine_that_throws_should_fault_its_trial_and_leave_the_thread_for_the_next()
    {
        using var slots = new WorkerSlots(1);
        await Assert.ThrowsAsync<InvalidOperationException>(() => slots.RunAsync<int>(() => throw new InvalidOperationException("boom")));
        Assert.Equal(7, await slots.RunAsync(() => 7));
    }

    private static void InterlockedMax(ref int target, int value)
    {
        int seen;
        while ((seen = Volatile.Read(ref target)) < value && Interlocked.CompareExchange(ref target, value, seen) != seen)
        {
        }
    }
}
