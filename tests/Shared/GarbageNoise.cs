namespace ClusterML.Testing;

/// <summary>
/// A thread that allocates and collects generation 0 without pause until disposed: what a busy cluster node does to a
/// training thread, condensed. TorchSharp frees an object nothing refers to when its finalizer runs after such a collection,
/// so code that hands libtorch an unheld Scalar or tensor fails under it within seconds.
/// </summary>
public sealed class GarbageNoise : IDisposable
{
    private readonly Thread _thread;
    private int _stop;
    private int _collections;

    public GarbageNoise()
    {
        _thread = new Thread(() =>
        {
            while (Volatile.Read(ref _stop) == 0)
            {
                var garbage = new object[4096];
                for (var i = 0; i < garbage.Length; i++)
                {
                    garbage[i] = new byte[24];
                }
                GC.Collect(0);
                Interlocked.Increment(ref _collections);
            }
        }) { IsBackground = true, Name = "garbage-noise" };
        _thread.Start();
    }

    /// <summary>Collections so far.</summary>
    public int Collections => Volatile.Read(ref _collections);

    public void Dispose()
    {
        Volatile.Write(ref _stop, 1);
        _thread.Join();
    }
}
