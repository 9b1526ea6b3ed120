using static TorchSharp.torch;

namespace ClusterML.Engines.Pinn.Heat;

/// <summary>
/// Input derivatives by automatic differentiation: ∂f/∂ξ, ∂f/∂s and ∂²f/∂ξ² of a field f computed from points (ξ, s)
/// that require gradients. Both calls keep the graph (TorchSharp's <c>retain_graph</c> defaults to false even with
/// <c>create_graph</c>, unlike PyTorch) so the loss can be differentiated once more for the weights.
/// </summary>
internal static class HeatDerivatives
{
    public static (Tensor DXi, Tensor DS, Tensor DXiXi) Of(Tensor field, Tensor points)
    {
        var g = autograd.grad([field], [points], [ones_like(field)], retain_graph: true, create_graph: true)[0];
        var dXi = g[.., 0..1];
        var dS = g[.., 1..2];
        var dXiXi = autograd.grad([dXi], [points], [ones_like(dXi)], retain_graph: true, create_graph: true)[0][.., 0..1];
        return (dXi, dS, dXiXi);
    }
}
