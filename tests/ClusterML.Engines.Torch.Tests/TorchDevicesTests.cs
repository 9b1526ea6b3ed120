using ClusterML.Core.Validation;
using TorchSharp;

namespace ClusterML.Engines.Torch.Tests;

[Collection("Torch")]
public sealed class TorchDevicesTests
{
    [Fact]
    public void Cpu_should_resolve_to_the_cpu_device() =>
        Assert.Equal(DeviceType.CPU, TorchDevices.Resolve(" CPU ").type);

    [Fact]
    public void Cuda_without_a_gpu_should_fail_with_a_message_naming_the_option_and_the_fix()
    {
        VisibleSkip.When(torch.cuda.is_available(), "this machine has CUDA");
        var error = Assert.Throws<InvalidInputException>(() => TorchDevices.Resolve("cuda"));
        Assert.Equal("--device", error.Field);
        Assert.Contains("CUDA was requested but is not available", error.Message, StringComparison.Ordinal);
        Assert.Contains("--device cpu", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("gpu")]
    [InlineData("cuda:x")]
    [InlineData("cuda:-1")]
    [InlineData("")]
    public void Unknown_device_names_should_be_rejected(string name)
    {
        var error = Assert.Throws<InvalidInputException>(() => TorchDevices.Resolve(name));
        Assert.Contains("is not a device", error.Message, StringComparison.Ordinal);
    }
}
