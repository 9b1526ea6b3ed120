namespace ClusterML.Cli.Output;

/// <summary>
/// Axis labels from column names that end in a unit (the oracles' and data files' convention): <c>k_W_mK</c> → κ (W/(m·K)),
/// <c>thickness_nm</c> → thickness (nm), <c>volume_A3</c> → volume (Å³). Names without a known unit stay as they are.
/// </summary>
internal static class AxisLabels
{
    // Longest suffixes first, so _W_mK is not read as _mK or _K.
    private static readonly (string Suffix, string Unit)[] Units =
    [
        ("_W_mK", "W/(m·K)"), ("_eV_A", "eV/Å"), ("_amu", "amu"), ("_A3", "Å³"), ("_nm", "nm"), ("_um", "µm"), ("_eV", "eV"),
        ("_K", "K"), ("_m", "m"), ("_s", "s"),
    ];

    private static readonly Dictionary<string, string> Symbols = new(StringComparer.Ordinal) { ["k"] = "κ", ["kappa"] = "κ" };

    /// <summary>The quantity and its unit, e.g. ("κ", "W/(m·K)"); the unit is null when the name carries none.</summary>
    public static (string Quantity, string? Unit) Split(string column)
    {
        foreach (var (suffix, unit) in Units)
        {
            if (column.Length > suffix.Length && column.EndsWith(suffix, StringComparison.Ordinal))
            {
                var stem = column[..^suffix.Length];
                return (Symbols.GetValueOrDefault(stem, stem.Replace('_', ' ')), unit);
            }
        }
        return (column, null);
    }

    /// <summary>"quantity (unit)", or the column name when it has no known unit.</summary>
    public static string Of(string column) => Split(column) is (var quantity, { } unit) ? $"{quantity} ({unit})" : column;
}
