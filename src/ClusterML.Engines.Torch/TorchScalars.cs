using TorchSharp;

namespace ClusterML.Engines.Torch;

/// <summary>
/// Numbers handed to libtorch as <see cref="Scalar"/> objects that live as long as the process. The engines never let a number
/// become a <see cref="Scalar"/> implicitly (BannedSymbols.txt refuses it at build time): such a temporary can be finalized by a
/// garbage collection on another thread while libtorch still reads it (see <see cref="Optimizers.Adam"/>). A constant used in
/// every step comes from here or a <c>static readonly</c> field; a changing number is a <c>using var s = x.ToScalar();</c>
/// that outlives the call.
/// </summary>
public static class TorchScalars
{
    /// <summary>1 (the <c>alpha</c> of <c>index_add</c>).</summary>
    public static Scalar One { get; } = 1.0.ToScalar();
}
