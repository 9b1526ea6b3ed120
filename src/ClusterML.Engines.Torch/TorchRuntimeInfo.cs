using System.Reflection;
using TorchSharp;

namespace ClusterML.Engines.Torch;

/// <summary>What the loaded TorchSharp/libtorch can do on this host; reported by <c>clusterml info</c>.</summary>
public sealed record TorchRuntimeInfo(
    string TorchSharpVersion,
    bool CudaAvailable,
    int CudaDevices,
    int InterOpThreads,
    int IntraOpThreads)
{
    /// <summary>Loads libtorch (first call only) and reads its capabilities.</summary>
    /// <exception cref="TypeInitializationException">The native library could not be loaded.</exception>
    public static TorchRuntimeInfo Probe()
    {
        var version = typeof(torch).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
            ?? typeof(torch).Assembly.GetName().Version?.ToString() ?? "unknown";
        var cuda = torch.cuda.is_available();
        return new TorchRuntimeInfo(
            version.Split('+')[0],
            cuda,
            cuda ? torch.cuda.device_count() : 0,
            torch.get_num_interop_threads(),
            torch.get_num_threads());
    }
}
