namespace ClusterML.Engines.Nep.Xyz;

/// <summary>
/// An extra per-atom real column for <see cref="ExtendedXyzWriter"/>, written as <c>name:R:width</c> after the
/// positions and forces (e.g. per-atom energies as <c>energies:R:1</c>, or descriptors).
/// </summary>
public sealed class XyzAtomColumn
{
    /// <summary>Creates a column; <paramref name="values"/> holds <paramref name="width"/> numbers per atom, atom after atom.</summary>
    /// <param name="name">Column name: non-empty, without whitespace, ':', '=' or '"', and not species/pos/force/forces.</param>
    /// <param name="width">Numbers per atom, at least 1.</param>
    /// <param name="values">The numbers (finite), width × atom count of them; copied.</param>
    /// <exception cref="ArgumentException">The name, width or values are not usable.</exception>
    public XyzAtomColumn(string name, int width, double[] values)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(values);
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 1);
        if (name.Length == 0 || name.Any(ch => char.IsWhiteSpace(ch) || ch is ':' or '=' or '"'))
        {
            throw new ArgumentException($"'{name}' is not a column name (non-empty, no whitespace, ':', '=' or '\"')", nameof(name));
        }

        if (IsReservedName(name))
        {
            throw new ArgumentException($"'{name}' is written by the writer itself and cannot be an extra column", nameof(name));
        }

        if (values.Length % width != 0)
        {
            throw new ArgumentException($"{values.Length} numbers are not a whole number of rows of width {width}", nameof(values));
        }

        if (!Array.TrueForAll(values, double.IsFinite))
        {
            throw new ArgumentException($"column '{name}' has a number that is not finite", nameof(values));
        }

        Name = name;
        Width = width;
        Values = (double[])values.Clone();
    }

    /// <summary>The column name as written in <c>properties</c>.</summary>
    public string Name { get; }

    /// <summary>Numbers per atom.</summary>
    public int Width { get; }

    /// <summary>The numbers, <see cref="Width"/> per atom, atom after atom. Must not be modified.</summary>
    public double[] Values { get; }

    private static bool IsReservedName(string name) =>
        name.Equals("species", StringComparison.OrdinalIgnoreCase)
        || name.Equals("pos", StringComparison.OrdinalIgnoreCase)
        || name.Equals("force", StringComparison.OrdinalIgnoreCase)
        || name.Equals("forces", StringComparison.OrdinalIgnoreCase);
}
