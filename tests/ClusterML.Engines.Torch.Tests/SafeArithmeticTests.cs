using TorchSharp;
using static TorchSharp.torch;

namespace ClusterML.Engines.Torch.Tests;

[Collection("Torch")]
public sealed class SafeArithmeticTests
{
    [Theory]
    [InlineData(ScalarType.Float32)]
    [InlineData(ScalarType.Float64)]
    public void Squared_should_give_the_bits_and_gradients_of_square(ScalarType dtype)
    {
        using var scope = NewDisposeScope();
        random.manual_seed(5);
        var x = randn(257, dtype: dtype).Times(3).requires_grad_(true);
        var y = randn(257, dtype: dtype).requires_grad_(true);
        var reference = x.square();
        var safe = x.Squared();
        Assert.Equal(reference.to(float64).data<double>().ToArray(), safe.to(float64).data<double>().ToArray());
        var gradReference = autograd.grad([(reference * y).sum()], [x], create_graph: true)[0];
        var gradSafe = autograd.grad([(safe * y).sum()], [x], create_graph: true)[0];
        Assert.Equal(gradReference.to(float64).data<double>().ToArray(), gradSafe.to(float64).data<double>().ToArray());
    }
}
