namespace ClusterML.Engines.Nep.Xyz;

/// <summary>
/// One structure of an extended-XYZ training file in GPUMD's conventions: the cell, the atoms and the optional
/// reference energy, forces and virial. Immutable by contract: the arrays are exposed for speed and must not be
/// modified (the public constructor copies what it is given).
/// </summary>
public sealed class XyzFrame
{
    /// <summary>The comment-line keys that the reader interprets and the writer writes itself; they cannot be extras.</summary>
    internal static readonly string[] ReservedKeys = ["lattice", "energy", "virial", "stress", "weight", "properties"];

    /// <summary>Creates a frame, checking the sizes and values and copying the arrays.</summary>
    /// <param name="index">0-based number of the frame in its file.</param>
    /// <param name="cell">Nine numbers, rows are the cell vectors a, b, c (Å).</param>
    /// <param name="species">Chemical symbol of each atom.</param>
    /// <param name="positions">x, y, z of each atom (Å), 3 × atom count.</param>
    /// <param name="forces">Reference forces (eV/Å), 3 × atom count, or null.</param>
    /// <param name="energy">Reference total energy (eV), or null.</param>
    /// <param name="virial">Reference virial (eV), xx xy xz yx yy yz zx zy zz, or null.</param>
    /// <param name="weight">Training weight, finite and &gt; 0.</param>
    /// <param name="extra">Other comment-line keys as raw text, or null for none.</param>
    /// <exception cref="ArgumentException">A size or value is wrong.</exception>
    public XyzFrame(
        int index,
        double[] cell,
        string[] species,
        double[] positions,
        double[]? forces = null,
        double? energy = null,
        double[]? virial = null,
        double weight = 1.0,
        IReadOnlyDictionary<string, string>? extra = null)
        : this(
            index,
            Copy(cell, nameof(cell)),
            Copy(species, nameof(species)),
            Copy(positions, nameof(positions)),
            forces is null ? null : Copy(forces, nameof(forces)),
            energy,
            virial is null ? null : Copy(virial, nameof(virial)),
            weight,
            CopyExtra(extra),
            validate: true)
    {
    }

    /// <summary>Takes ownership of the arrays without copying (the reader has already checked them).</summary>
    internal XyzFrame(
        int index,
        double[] cell,
        string[] species,
        double[] positions,
        double[]? forces,
        double? energy,
        double[]? virial,
        double weight,
        Dictionary<string, string> extra,
        bool validate)
    {
        if (validate)
        {
            Validate(index, cell, species, positions, forces, energy, virial, weight, extra);
        }

        Index = index;
        Cell = cell;
        Species = species;
        Positions = positions;
        Forces = forces;
        Energy = energy;
        Virial = virial;
        Weight = weight;
        Extra = extra.AsReadOnly();
    }

    /// <summary>0-based number of the frame in its file (the order of reading).</summary>
    public int Index { get; }

    /// <summary>The cell, nine numbers in Å: rows are the cell vectors a, b, c (ax ay az bx by bz cx cy cz).</summary>
    public double[] Cell { get; }

    /// <summary>Chemical symbol of each atom, in file order.</summary>
    public string[] Species { get; }

    /// <summary>Positions in Å, x y z for each atom (length 3 × <see cref="AtomCount"/>).</summary>
    public double[] Positions { get; }

    /// <summary>Reference forces in eV/Å, x y z for each atom, or null when the file gives none.</summary>
    public double[]? Forces { get; }

    /// <summary>Reference total energy in eV, or null when the file gives none.</summary>
    public double? Energy { get; }

    /// <summary>
    /// Reference virial in eV, xx xy xz yx yy yz zx zy zz, or null when the file gives none. When the file gives a
    /// stress instead, this is −stress × <see cref="Volume"/>.
    /// </summary>
    public double[]? Virial { get; }

    /// <summary>Training weight of the frame (1 unless the file says otherwise; always &gt; 0).</summary>
    public double Weight { get; }

    /// <summary>
    /// The other comment-line keys (pbc, config_type, ...) as raw text without quotes, keyed by their original
    /// spelling; lookups ignore case.
    /// </summary>
    public IReadOnlyDictionary<string, string> Extra { get; }

    /// <summary>Number of atoms.</summary>
    public int AtomCount => Species.Length;

    /// <summary>Cell volume in Å³, |a · (b × c)| (0 for a degenerate cell).</summary>
    public double Volume => ComputeVolume(Cell);

    /// <summary>|a · (b × c)| of nine numbers whose rows are a, b, c.</summary>
    internal static double ComputeVolume(ReadOnlySpan<double> c) =>
        Math.Abs(
            (c[0] * ((c[4] * c[8]) - (c[5] * c[7])))
            + (c[1] * ((c[5] * c[6]) - (c[3] * c[8])))
            + (c[2] * ((c[3] * c[7]) - (c[4] * c[6]))));

    /// <summary>True when <paramref name="key"/> is one of the keys the reader interprets (any case).</summary>
    internal static bool IsReservedKey(string key) =>
        Array.Exists(ReservedKeys, k => string.Equals(k, key, StringComparison.OrdinalIgnoreCase));

    /// <summary>Checks a comment-line key for the writer: non-empty, no whitespace, '=' or quote.</summary>
    internal static bool IsValidKey(string key) =>
        key.Length > 0 && !key.Any(ch => char.IsWhiteSpace(ch) || ch is '=' or '"');

    private static void Validate(
        int index,
        double[] cell,
        string[] species,
        double[] positions,
        double[]? forces,
        double? energy,
        double[]? virial,
        double weight,
        Dictionary<string, string> extra)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        RequireFinite(cell, 9, nameof(cell));
        if (species.Length == 0)
        {
            throw new ArgumentException("a frame needs at least one atom", nameof(species));
        }

        foreach (var s in species)
        {
            if (string.IsNullOrEmpty(s) || s.Any(ch => char.IsWhiteSpace(ch) || ch == '"'))
            {
                throw new ArgumentException($"'{s}' is not a species name (non-empty, no whitespace or quote)", nameof(species));
            }
        }

        RequireFinite(positions, 3 * species.Length, nameof(positions));
        if (forces is not null)
        {
            RequireFinite(forces, 3 * species.Length, nameof(forces));
        }

        if (energy is { } e && !double.IsFinite(e))
        {
            throw new ArgumentException("the energy must be finite", nameof(energy));
        }

        if (virial is not null)
        {
            RequireFinite(virial, 9, nameof(virial));
        }

        if (!double.IsFinite(weight) || weight <= 0)
        {
            throw new ArgumentException($"the weight must be finite and > 0, got {weight}", nameof(weight));
        }

        foreach (var (key, value) in extra)
        {
            if (!IsValidKey(key) || IsReservedKey(key))
            {
                throw new ArgumentException($"'{key}' cannot be an extra key (reserved, empty, or containing whitespace, '=' or '\"')", nameof(extra));
            }

            if (value.Any(ch => ch is '"' or '\n' or '\r'))
            {
                throw new ArgumentException($"the value of '{key}' contains a quote or a line break", nameof(extra));
            }
        }
    }

    private static void RequireFinite(double[] values, int length, string name)
    {
        if (values.Length != length)
        {
            throw new ArgumentException($"needs {length} numbers, got {values.Length}", name);
        }

        if (!Array.TrueForAll(values, double.IsFinite))
        {
            throw new ArgumentException("all numbers must be finite", name);
        }
    }

    private static T[] Copy<T>(T[] values, string name)
    {
        ArgumentNullException.ThrowIfNull(values, name);
        return (T[])values.Clone();
    }

    private static Dictionary<string, string> CopyExtra(IReadOnlyDictionary<string, string>? extra)
    {
        var copy = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        if (extra is not null)
        {
            foreach (var (key, value) in extra)
            {
                ArgumentNullException.ThrowIfNull(value, nameof(extra));
                if (!copy.TryAdd(key, value))
                {
                    throw new ArgumentException($"the extra key '{key}' is given twice (keys ignore case)", nameof(extra));
                }
            }
        }

        return copy;
    }
}
