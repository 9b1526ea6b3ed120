using ClusterML.Core.Validation;
using TorchSharp;

namespace ClusterML.Engines.Torch;

/// <summary>
/// Turns the user's <c>--device</c> setting into a TorchSharp device. <c>cpu</c> is the default and always works;
/// <c>cuda</c> and <c>cuda:N</c> need a CUDA build of libtorch and a GPU, and fail with a message that says which is missing.
/// </summary>
public static class TorchDevices
{
    /// <summary>The device names the command line accepts.</summary>
    public static IReadOnlyList<string> Known { get; } = ["cpu", "cuda", "cuda:N"];

    /// <summary>Parses and checks <paramref name="name"/>.</summary>
    /// <exception cref="InvalidInputException">Unknown name, or CUDA asked for where it is not available.</exception>
    public static torch.Device Resolve(string name, string field = "--device")
    {
        ArgumentNullException.ThrowIfNull(name);
        var trimmed = name.Trim().ToLowerInvariant();
        if (trimmed == "cpu")
        {
            return torch.CPU;
        }
        if (trimmed == "cuda" || trimmed.StartsWith("cuda:", StringComparison.Ordinal))
        {
            var index = 0;
            if (trimmed.Length > 4 && (!int.TryParse(trimmed.AsSpan(5), out index) || index < 0))
            {
                throw new InvalidInputException(field, $"'{name}' is not a device; use cpu, cuda or cuda:N");
            }
            if (!torch.cuda.is_available())
            {
                throw new InvalidInputException(field,
                    "CUDA was requested but is not available: this build uses the CPU libtorch package (libtorch-cpu-linux-x64) " +
                    "or no GPU/driver is visible. Use --device cpu, or install a CUDA libtorch package and an NVIDIA driver.");
            }
            var count = torch.cuda.device_count();
            if (index >= count)
            {
                throw new InvalidInputException(field, $"'{name}' asks for GPU {index} but only {count} CUDA device(s) are visible");
            }
            return torch.device(DeviceType.CUDA, index);
        }
        throw new InvalidInputException(field, $"'{name}' is not a device; use cpu, cuda or cuda:N");
    }
}
