using TorchSharp;
using static TorchSharp.torch;

namespace ClusterML.Engines.Torch;

/// <summary>
/// Addition for engine code, in place of <c>+</c> on tensors (and <c>number − tensor</c>). TorchSharp 0.107 implements every
/// <c>a + b</c>, <c>a + 1.0</c> and <c>1.0 − a</c> through an <c>add</c> overload that passes libtorch an implicit
/// <see cref="Scalar"/> alpha of 1, which a garbage collection on another thread can free while libtorch still reads it (see
/// <see cref="Optimizers.Adam"/>); these pass an alpha (and a number) that stays alive. Subtraction of a tensor or a number
/// from a tensor has no alpha and stays an operator. The results are bit-identical to the operators'. BannedSymbols.txt of
/// each engine project refuses the unsafe forms at build time (not the compound <c>+=</c>, which the analyzer does not see).
/// </summary>
public static class SafeArithmetic
{
    /// <summary><paramref name="a"/> + <paramref name="b"/>.</summary>
    public static Tensor Plus(this Tensor a, Tensor b) => a.add(b, TorchScalars.One);

    /// <summary><paramref name="a"/> + <paramref name="b"/>.</summary>
    public static Tensor Plus(this Tensor a, double b)
    {
        using var scalar = b.ToScalar();
        return a.add(scalar, TorchScalars.One);
    }

    /// <summary><paramref name="b"/> − <paramref name="a"/>, computed as −a + b like TorchSharp's <c>double − Tensor</c>.</summary>
    public static Tensor SubtractedFrom(this Tensor a, double b)
    {
        using var scalar = b.ToScalar();
        return a.negative().add(scalar, TorchScalars.One);
    }

    /// <summary>Adds <paramref name="b"/> to <paramref name="a"/> in place.</summary>
    public static Tensor PlusInPlace(this Tensor a, Tensor b) => a.add_(b, TorchScalars.One);
}
