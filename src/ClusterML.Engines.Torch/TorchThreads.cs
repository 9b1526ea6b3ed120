using System.Globalization;
using TorchSharp;

namespace ClusterML.Engines.Torch;

/// <summary>
/// libtorch's intra-op thread count is a setting of the calling thread (OpenMP), and a worker runs its trials on reused slot
/// threads: every torch engine sets it at the start of each run, so a trial's results never depend on what the thread ran before.
/// </summary>
public static class TorchThreads
{
    /// <summary>What a fresh thread would use: <c>OMP_NUM_THREADS</c> when set to a positive number, otherwise one per core.</summary>
    public static int Default =>
        int.TryParse(Environment.GetEnvironmentVariable("OMP_NUM_THREADS"), NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) && n > 0
            ? n
            : Math.Max(1, Environment.ProcessorCount);

    /// <summary>Sets this thread's intra-op thread count: <paramref name="requested"/> when positive, otherwise <see cref="Default"/>.</summary>
    public static int Apply(int requested = 0)
    {
        var count = requested > 0 ? requested : Default;
        torch.set_num_threads(count);
        return count;
    }
}
