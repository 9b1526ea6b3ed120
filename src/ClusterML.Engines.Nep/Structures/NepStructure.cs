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

    /// <summary>
    /// The first pair of atoms (in atom order) closer than <paramref name="minimum"/> Å, counting periodic images, or null.
    /// <see cref="CloserPair.Image"/> is true when the close copy of J is a periodic image rather than J itself.
    /// </summary>
    /// <remarks>The cell must have a volume; the search is the neighbour list's (O(N)), so it is cheap next to an evaluation.</remarks>
    public CloserPair? FindCloserThan(double minimum)
    {
        var list = NeighborList.Build(this, minimum);
        for (var i = 0; i < Count; i++)
        {
            for (var e = list.Start[i]; e < list.Start[i + 1]; e++)
            {
                var j = list.Index[e];
                if (j < i)
                {
                    continue; // the same pair was reported from j's row
                }
                var (dx, dy, dz) = (list.Delta[3 * e], list.Delta[(3 * e) + 1], list.Delta[(3 * e) + 2]);
                var distance = Math.Sqrt((dx * dx) + (dy * dy) + (dz * dz));
                var (rx, ry, rz) = (Positions[3 * j] - Positions[3 * i], Positions[(3 * j) + 1] - Positions[(3 * i) + 1], Positions[(3 * j) + 2] - Positions[(3 * i) + 2]);
                var direct = Math.Sqrt((rx * rx) + (ry * ry) + (rz * rz));
                return new CloserPair(i, j, distance, i == j || Math.Abs(direct - distance) > 1e-9 * (1 + direct));
            }
        }
        return null;
    }

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
