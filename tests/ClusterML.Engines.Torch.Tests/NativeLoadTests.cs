using System.Text;
using TorchSharp;

namespace ClusterML.Engines.Torch.Tests;

[Collection("Torch")]
public sealed class NativeLoadTests
{
    [Fact]
    public void A_tensor_op_should_run_on_the_cpu()
    {
        using var scope = torch.NewDisposeScope();
        var a = torch.tensor(new[] { 1.0, 2.0, 3.0 }, dtype: torch.float64);
        var b = torch.tensor(new[] { 4.0, 5.0, 6.0 }, dtype: torch.float64);
        Assert.Equal(32.0, a.dot(b).item<double>(), tolerance: 0.0);
        Assert.Equal(DeviceType.CPU, a.device_type);
    }

    [Fact]
    public void A_second_derivative_through_autograd_grad_should_be_exact()
    {
        // y = sin(x)·x², y'' = (2 − x²) sin x + 4x cos x; float64 double back-propagation is exact to rounding.
        using var scope = torch.NewDisposeScope();
        var xs = new[] { -1.3, 0.0, 0.7, 2.5 };
        var x = torch.tensor(xs, dtype: torch.float64).requires_grad_();
        var y = (x.sin() * x.pow(2)).sum();
        var dy = torch.autograd.grad([y], [x], create_graph: true, retain_graph: true)[0];
        var d2y = torch.autograd.grad([dy.sum()], [x], retain_graph: true)[0].data<double>().ToArray();
        for (var i = 0; i < xs.Length; i++)
        {
            var v = xs[i];
            Assert.Equal(((2 - (v * v)) * Math.Sin(v)) + (4 * v * Math.Cos(v)), d2y[i], tolerance: 1e-12);
        }
    }

    [Fact]
    public void The_smoke_test_used_by_clusterml_info_should_return_twelve() =>
        Assert.Equal(12.0, TorchSmokeTest.Run(torch.CPU), tolerance: 1e-12);

    [Fact]
    public void The_build_should_patch_only_the_output_copy_and_only_where_the_host_needs_it()
    {
        var output = Path.Combine(AppContext.BaseDirectory, "runtimes", "linux-x64", "native", "libLibTorchSharp.so");
        Assert.True(File.Exists(output), $"expected the native library at {output}");
        var cache = Path.Combine(
            Environment.GetEnvironmentVariable("NUGET_PACKAGES") ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages"),
            "torchsharp", "0.107.0", "runtimes", "linux-x64", "native", "libLibTorchSharp.so");
        VisibleSkip.Unless(File.Exists(cache), $"NuGet cache copy not found at {cache}");
        var shipped = File.ReadAllBytes(cache);
        var built = File.ReadAllBytes(output);
        Assert.Equal(shipped.Length, built.Length);
        var changedBytes = shipped.Zip(built).Count(pair => pair.First != pair.Second);
        if (HostHasGlibcxx332())
        {
            Assert.Equal(0, changedBytes);
        }
        else
        {
            // Three edits: one Vernaux flag, one symbol binding, one versym entry; the cache copy stays as shipped.
            Assert.InRange(changedBytes, 2, 4);
        }
    }

    private static bool HostHasGlibcxx332()
    {
        var lib = new[] { "/usr/lib/x86_64-linux-gnu/libstdc++.so.6", "/lib/x86_64-linux-gnu/libstdc++.so.6", "/usr/lib64/libstdc++.so.6" }
            .First(File.Exists);
        return File.ReadAllBytes(lib).AsSpan().IndexOf(Encoding.ASCII.GetBytes("GLIBCXX_3.4.32")) >= 0;
    }
}
