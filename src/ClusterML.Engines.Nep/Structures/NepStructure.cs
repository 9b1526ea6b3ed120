namespace ClusterML.Engines.Nep.Structures;

/// <summary>
/// Atoms in a periodic cell: cell rows a, b, c (Å, <see cref="Cell"/>[3·row + column]), type indices into a model's species,
/// and Cartesian positions (x0 y0 z0 x1 …). Every structure is periodic in all three directions, as in GPUMD.
/// </summary>
public sealed record NepStructure(double[] Cell, int[] Types, double[] Positions)
{
    public int Count => Types.Length;

    /// <summary>The structure of an extended-XYZ frame, its species mapped to the model's types.</summary>
    /// <exception cref="ClusterML.Core.Validation.InvalidInputException">A species the model does not know (names the frame).</exception>
    public static NepStructure FromFrame(Xyz.XyzFrame frame, Model.NepModel model, string? file = null) => FromFrame(frame, model.Species, file);

    /// <inheritdoc cref="FromFrame(Xyz.XyzFrame, Model.NepModel, string?)"/>
    public static NepStructure FromFrame(Xyz.XyzFrame frame, IReadOnlyList<string> species, string? file = null)
    {
        int TypeOf(string symbol)
        {
            for (var t = 0; t < species.Count; t++)
            {
                if (string.Equals(species[t], symbol, StringComparison.OrdinalIgnoreCase))
                {
                    return t;
                }
            }
            return -1;
        }
        var types = new int[frame.AtomCount];
        for (var i = 0; i < types.Length; i++)
        {
            types[i] = TypeOf(frame.Species[i]);
            if (types[i] < 0)
            {
                throw new ClusterML.Core.Validation.InvalidInputException("species",
                    $"frame {frame.Index}, atom {i + 1}: '{frame.Species[i]}' is not a species of the model ({string.Join(", ", species)})", file);
            }
        }
        return new NepStructure(frame.Cell, types, frame.Positions);
    }

    public double Volume => Math.Abs(Determinant(Cell));

    internal static double Determinant(double[] h) =>
        (h[0] * ((h[4] * h[8]) - (h[5] * h[7]))) - (h[1] * ((h[3] * h[8]) - (h[5] * h[6]))) + (h[2] * ((h[3] * h[7]) - (h[4] * h[6])));

    /// <summary>Distance between the planes spanned by the other two cell vectors, for each cell vector.</summary>
    public (double A, double B, double C) Heights()
    {
        var h = Cell;
        var volume = Volume;
        static double Cross(double[] h, int p, int q) => Math.Sqrt(
            Math.Pow((h[(3 * p) + 1] * h[(3 * q) + 2]) - (h[(3 * p) + 2] * h[(3 * q) + 1]), 2)
            + Math.Pow((h[(3 * p) + 2] * h[3 * q]) - (h[3 * p] * h[(3 * q) + 2]), 2)
            + Math.Pow((h[3 * p] * h[(3 * q) + 1]) - (h[(3 * p) + 1] * h[3 * q]), 2));
        return (volume / Cross(h, 1, 2), volume / Cross(h, 2, 0), volume / Cross(h, 0, 1));
    }
}
