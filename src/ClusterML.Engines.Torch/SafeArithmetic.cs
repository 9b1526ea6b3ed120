using TorchSharp;
using static TorchSharp.torch;

namespace ClusterML.Engines.Torch;

/// <summary>
/// Arithmetic for engine code in place of the operators that TorchSharp 0.107 implements with a <see cref="Scalar"/> nothing
/// holds: <c>a + b</c> (an implicit alpha of 1), and every operator between a tensor and a number (<c>t × 2.0</c>,
/// <c>t − 1</c>, <c>1.0 − t</c>, …: the number becomes a temporary Scalar). A garbage collection on another thread can free
/// such a Scalar while libtorch still reads it (see <see cref="Optimizers.Adam"/>); these keep theirs alive until the call has
/// returned. Tensor − tensor, tensor × tensor and tensor ÷ tensor pass no Scalar and stay operators. The results are
/// bit-identical to the operators'. BannedSymbols.txt of each engine project refuses the unsafe forms at build time (not the
/// compound <c>+=</c> and <c>*=</c>, which the analyzer does not see).
/// </summary>
public static class SafeArithmetic
{
    private static readonly Scalar Two = 2.ToScalar();

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

    /// <summary><paramref name="a"/> × <paramref name="b"/> (also for <c>b × a</c>: TorchSharp computes that as <c>a × b</c>).</summary>
    public static Tensor Times(this Tensor a, double b)
    {
        using var scalar = b.ToScalar();
        return a.mul(scalar);
    }

    /// <summary><paramref name="a"/> ÷ <paramref name="b"/>.</summary>
    public static Tensor DividedBy(this Tensor a, double b)
    {
        using var scalar = b.ToScalar();
        return a.div(scalar);
    }

    /// <summary><paramref name="a"/> − <paramref name="b"/>.</summary>
    public static Tensor Minus(this Tensor a, double b)
    {
        using var scalar = b.ToScalar();
        return a.sub(scalar);
    }

    /// <summary>
    /// <paramref name="a"/>², as TorchSharp's <c>square()</c> computes it (<c>pow(2)</c>, the same kernel and bits) but with the
    /// exponent's Scalar held: <c>square()</c> makes a temporary one, which a collection on another thread freed mid-call in a
    /// NEP fit ("Unknown scalar type" from <c>pow_Tensor_Scalar</c>).
    /// </summary>
    public static Tensor Squared(this Tensor a) => a.pow(Two);

    /// <summary>Adds <paramref name="b"/> to <paramref name="a"/> in place.</summary>
    public static Tensor PlusInPlace(this Tensor a, Tensor b) => a.add_(b, TorchScalars.One);
}
