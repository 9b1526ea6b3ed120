using TorchSharp;

namespace ClusterML.Engines.Torch;

/// <summary>A small end-to-end check of libtorch on a device: a tensor op and a second derivative through <c>autograd.grad</c>.</summary>
public static class TorchSmokeTest
{
    /// <summary>Returns d²(x³)/dx² at x = 2 computed by double back-propagation in float64 on <paramref name="device"/> (exactly 12 when all works).</summary>
    public static double Run(torch.Device device)
    {
        using var scope = torch.NewDisposeScope();
        var x = torch.tensor(new[] { 2.0 }, dtype: torch.float64, device: device).requires_grad_();
        using var three = 3.ToScalar();
        var y = x.pow(three).sum();
        var dy = torch.autograd.grad([y], [x], create_graph: true, retain_graph: true)[0];
        var d2y = torch.autograd.grad([dy.sum()], [x], retain_graph: true)[0];
        return d2y.cpu().item<double>();
    }
}
