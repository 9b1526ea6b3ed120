using System.Globalization;
using System.Text;

namespace ClusterML.Engines.Nep.Xyz;

/// <summary>
/// Writes frames as extended XYZ in GPUMD's <c>nep</c> conventions, readable by <see cref="ExtendedXyzReader"/>
/// and by GPUMD. Numbers are written in the shortest form that parses back to the same double ("R", invariant
/// culture), so a write/read round trip is bit-exact.
/// </summary>
/// <remarks>
/// The comment line holds <c>lattice="..."</c>, <c>energy=</c> (when known), <c>virial="..."</c> (9 numbers, when
/// known), <c>weight=</c> (only when not 1), the <see cref="XyzFrame.Extra"/> keys, and last
/// <c>properties=species:S:1:pos:R:3[:forces:R:3][:name:R:width...]</c>. Lines end with '\n'.
/// </remarks>
public static class ExtendedXyzWriter
{
    /// <summary>Writes one frame.</summary>
    /// <param name="writer">Where to write.</param>
    /// <param name="frame">The frame.</param>
    /// <param name="columns">Extra per-atom real columns written after positions and forces, or null.</param>
    /// <exception cref="ArgumentException">A column has the wrong number of values for the frame, or two columns share a name.</exception>
    public static void Write(TextWriter writer, XyzFrame frame, IReadOnlyList<XyzAtomColumn>? columns = null)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(frame);
        columns ??= [];
        var atomCount = frame.AtomCount;
        CheckColumns(columns, atomCount);

        writer.Write(atomCount.ToString(CultureInfo.InvariantCulture));
        writer.Write('\n');

        writer.Write("lattice=\"");
        WriteNumbers(writer, frame.Cell);
        writer.Write('"');
        if (frame.Energy is { } energy)
        {
            writer.Write(" energy=");
            WriteNumber(writer, energy);
        }

        if (frame.Virial is { } virial)
        {
            writer.Write(" virial=\"");
            WriteNumbers(writer, virial);
            writer.Write('"');
        }

        if (frame.Weight != 1.0)
        {
            writer.Write(" weight=");
            WriteNumber(writer, frame.Weight);
        }

        foreach (var (key, value) in frame.Extra)
        {
            writer.Write(' ');
            writer.Write(key);
            writer.Write('=');
            if (NeedsQuotes(value))
            {
                writer.Write('"');
                writer.Write(value);
                writer.Write('"');
            }
            else
            {
                writer.Write(value);
            }
        }

        writer.Write(" properties=species:S:1:pos:R:3");
        if (frame.Forces is not null)
        {
            writer.Write(":forces:R:3");
        }

        foreach (var column in columns)
        {
            writer.Write(':');
            writer.Write(column.Name);
            writer.Write(":R:");
            writer.Write(column.Width.ToString(CultureInfo.InvariantCulture));
        }

        writer.Write('\n');

        for (var atom = 0; atom < atomCount; atom++)
        {
            writer.Write(frame.Species[atom]);
            writer.Write(' ');
            WriteNumbers(writer, frame.Positions.AsSpan(3 * atom, 3));
            if (frame.Forces is { } forces)
            {
                writer.Write(' ');
                WriteNumbers(writer, forces.AsSpan(3 * atom, 3));
            }

            foreach (var column in columns)
            {
                writer.Write(' ');
                WriteNumbers(writer, column.Values.AsSpan(column.Width * atom, column.Width));
            }

            writer.Write('\n');
        }
    }

    /// <summary>
    /// Writes <paramref name="frames"/> to the file at <paramref name="path"/> (created or overwritten, UTF-8 without
    /// BOM), enumerating them once, so a lazy sequence is streamed.
    /// </summary>
    /// <param name="path">The file to write.</param>
    /// <param name="frames">The frames, in order.</param>
    /// <param name="columns">Gives the extra per-atom columns of each frame, or null for none.</param>
    /// <returns>The number of frames written.</returns>
    public static int WriteFile(
        string path,
        IEnumerable<XyzFrame> frames,
        Func<XyzFrame, IReadOnlyList<XyzAtomColumn>?>? columns = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(frames);
        using var writer = new StreamWriter(path, append: false, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false), 1 << 16);
        var count = 0;
        foreach (var frame in frames)
        {
            Write(writer, frame, columns?.Invoke(frame));
            count++;
        }

        return count;
    }

    private static void CheckColumns(IReadOnlyList<XyzAtomColumn> columns, int atomCount)
    {
        var names = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var column in columns)
        {
            ArgumentNullException.ThrowIfNull(column, nameof(columns));
            if (!names.Add(column.Name))
            {
                throw new ArgumentException($"two extra columns are named '{column.Name}' (names ignore case)", nameof(columns));
            }

            if (column.Values.Length != column.Width * atomCount)
            {
                throw new ArgumentException(
                    $"column '{column.Name}' has {column.Values.Length} numbers; the frame needs {column.Width} × {atomCount}",
                    nameof(columns));
            }
        }
    }

    private static bool NeedsQuotes(string value) =>
        value.Length == 0 || value.Any(ch => char.IsWhiteSpace(ch) || ch == '=');

    private static void WriteNumbers(TextWriter writer, ReadOnlySpan<double> values)
    {
        for (var k = 0; k < values.Length; k++)
        {
            if (k > 0)
            {
                writer.Write(' ');
            }

            WriteNumber(writer, values[k]);
        }
    }

    private static void WriteNumber(TextWriter writer, double value)
    {
        Span<char> buffer = stackalloc char[32];
        if (value.TryFormat(buffer, out var written, "R", CultureInfo.InvariantCulture))
        {
            writer.Write(buffer[..written]);
        }
        else
        {
            writer.Write(value.ToString("R", CultureInfo.InvariantCulture));
        }
    }
}
