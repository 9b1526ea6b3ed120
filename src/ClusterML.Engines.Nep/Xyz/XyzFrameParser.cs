using System.Globalization;
using ClusterML.Core.Validation;

namespace ClusterML.Engines.Nep.Xyz;

/// <summary>
/// Parses frames one after another from a text reader, counting lines for error messages. Not thread-safe; one
/// instance per enumeration.
/// </summary>
internal sealed class XyzFrameParser
{
    private const int InitialAtomCapacity = 4096;
    private const int MaxColumnWidth = 1 << 20;
    private const int MaxSpeciesCached = 1024;

    private readonly TextReader _reader;
    private readonly string? _file;
    private readonly bool _physical;
    private readonly Dictionary<string, string> _speciesNames = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string>.AlternateLookup<ReadOnlySpan<char>> _speciesLookup;
    private Range[] _tokens = new Range[16];
    private int _line;

    /// <summary>
    /// Creates a parser reading from <paramref name="reader"/>; <paramref name="file"/> names it in errors. With
    /// <paramref name="physical"/>, frames must also be structures a potential can evaluate (see <see cref="ExtendedXyzReader"/>).
    /// </summary>
    public XyzFrameParser(TextReader reader, string? file, bool physical = false)
    {
        _reader = reader;
        _file = file;
        _physical = physical;
        _speciesLookup = _speciesNames.GetAlternateLookup<ReadOnlySpan<char>>();
    }

    /// <summary>Reads the next frame, or returns null at the end of the text (blank lines between frames are skipped).</summary>
    /// <param name="index">0-based number of the frame, for <see cref="XyzFrame.Index"/> and messages.</param>
    public XyzFrame? ReadFrame(int index)
    {
        string? countLine;
        do
        {
            countLine = ReadLine();
            if (countLine is null)
            {
                return null;
            }
        }
        while (string.IsNullOrWhiteSpace(countLine));

        const NumberStyles countStyle = NumberStyles.AllowLeadingWhite | NumberStyles.AllowTrailingWhite;
        if (!int.TryParse(countLine, countStyle, CultureInfo.InvariantCulture, out var atomCount) || atomCount <= 0)
        {
            throw Error("atom count", $"'{countLine.Trim()}' is not a positive whole number of atoms (frame {index})");
        }

        var comment = ReadLine()
            ?? throw Error($"frame {index}", $"the file ends after the atom count, before the comment line (frame {index})", _line + 1);
        var header = ParseHeader(comment, index);
        return ReadAtoms(header, atomCount, index);
    }

    private XyzFrame ReadAtoms(Header header, int atomCount, int index)
    {
        var capacity = Math.Min(atomCount, InitialAtomCapacity);
        var species = new string[capacity];
        var positions = new double[3 * capacity];
        var forces = header.ForceColumn >= 0 ? new double[3 * capacity] : null;

        var firstAtomLine = _line + 1;
        for (var atom = 0; atom < atomCount; atom++)
        {
            var line = ReadLine()
                ?? throw Error(
                    $"frame {index}",
                    $"the file ends after {atom} of {atomCount} atom lines (frame {index})",
                    _line + 1);

            if (atom == species.Length)
            {
                var grown = (int)Math.Min((long)species.Length * 2, atomCount);
                Array.Resize(ref species, grown);
                Array.Resize(ref positions, 3 * grown);
                if (forces is not null)
                {
                    Array.Resize(ref forces, 3 * grown);
                }
            }

            var columns = Tokenize(line, header.TotalWidth);
            if (columns != header.TotalWidth)
            {
                throw Error(
                    "properties",
                    $"atom {atom + 1} of {atomCount} has {columns} columns but the properties declare {header.TotalWidth} (frame {index})");
            }

            var text = line.AsSpan();
            species[atom] = Species(text[_tokens[header.SpeciesColumn]]);
            ParseAtomNumbers(text, header.PosColumn, positions.AsSpan(3 * atom, 3), "pos", ExtendedXyzReader.MaxCoordinate, "Å", atom, atomCount, index);
            if (forces is not null)
            {
                ParseAtomNumbers(text, header.ForceColumn, forces.AsSpan(3 * atom, 3), header.ForceName, ExtendedXyzReader.MaxForce, "eV/Å", atom, atomCount, index);
            }
        }

        if (_physical && new Structures.NepStructure(header.Cell, new int[atomCount], positions).FindCloserThan(ExtendedXyzReader.MinSeparation) is { } pair)
        {
            var where = pair.Image ? pair.I == pair.J ? " (atom and its own periodic image)" : " (through the periodic boundary)" : "";
            throw Error(
                "pos",
                $"frame {index}: atoms {pair.I + 1} and {pair.J + 1} are {pair.Distance.ToString("0.0##", CultureInfo.InvariantCulture)} Å apart{where}; "
                + $"atoms closer than {ExtendedXyzReader.MinSeparation.ToString(CultureInfo.InvariantCulture)} Å are not a physical structure",
                firstAtomLine + pair.J);
        }

        return new XyzFrame(
            index,
            header.Cell,
            species,
            positions,
            forces,
            header.Energy,
            header.Virial,
            header.Weight,
            header.Extra,
            validate: false);
    }

    private void ParseAtomNumbers(
        ReadOnlySpan<char> line, int firstColumn, Span<double> destination, string field, double limit, string unit, int atom, int atomCount, int index)
    {
        for (var k = 0; k < destination.Length; k++)
        {
            var token = line[_tokens[firstColumn + k]];
            if (!TryParseFinite(token, out destination[k]))
            {
                throw Error(field, $"'{token}' is not a finite number (frame {index}, atom {atom + 1} of {atomCount})");
            }

            if (_physical && Math.Abs(destination[k]) > limit)
            {
                throw Error(field, $"'{token}' is beyond ±{Show(limit)} {unit} (frame {index}, atom {atom + 1} of {atomCount}, column {firstColumn + k + 1})");
            }
        }
    }

    private static string Show(double value) => value.ToString("0e0", CultureInfo.InvariantCulture);

    private Header ParseHeader(string comment, int index)
    {
        var pairs = SplitPairs(comment, index);
        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        var extra = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        double[]? cell = null;
        double? energy = null;
        double[]? virial = null;
        double[]? stress = null;
        var weight = 1.0;
        string? properties = null;

        foreach (var (key, value) in pairs)
        {
            if (!seen.Add(key))
            {
                throw Error(key, $"is given twice on the comment line (keys ignore case) (frame {index})");
            }

            switch (key.ToLowerInvariant())
            {
                case "lattice":
                    cell = ParseNumbers(value, 9, "lattice", index, ExtendedXyzReader.MaxCoordinate, "Å");
                    break;
                case "energy":
                    energy = ParseNumbers(value, 1, "energy", index, ExtendedXyzReader.MaxEnergy, "eV")[0];
                    break;
                case "virial":
                    virial = ParseNumbers(value, 9, "virial", index, ExtendedXyzReader.MaxEnergy, "eV");
                    break;
                case "stress":
                    stress = ParseNumbers(value, 9, "stress", index, ExtendedXyzReader.MaxStress, "eV/Å³");
                    break;
                case "weight":
                    weight = ParseNumbers(value, 1, "weight", index, double.MaxValue, "")[0];
                    if (weight <= 0)
                    {
                        throw Error("weight", $"must be > 0, got {value.Trim()} (frame {index})");
                    }

                    break;
                case "properties":
                    properties = value;
                    break;
                default:
                    extra.Add(key, value);
                    break;
            }
        }

        if (cell is null)
        {
            throw Error("lattice", $"is missing from the comment line; GPUMD needs lattice=\"ax ay az bx by bz cx cy cz\" (frame {index})");
        }

        if (properties is null)
        {
            throw Error("properties", $"is missing from the comment line; expected e.g. properties=species:S:1:pos:R:3:force:R:3 (frame {index})");
        }

        if (_physical)
        {
            CheckCell(cell, index);
        }

        if (virial is null && stress is not null)
        {
            virial = StressToVirial(stress, cell, index);
        }

        var header = new Header(cell, energy, virial, weight, extra);
        ParseProperties(properties, header, index);
        return header;
    }

    private double[] StressToVirial(double[] stress, double[] cell, int index)
    {
        var volume = XyzFrame.ComputeVolume(cell);
        var scale = Norm(cell.AsSpan(0, 3)) * Norm(cell.AsSpan(3, 3)) * Norm(cell.AsSpan(6, 3));
        if (!(volume > 1e-12 * scale))
        {
            throw Error("stress", $"cannot be turned into a virial: the lattice has zero volume (frame {index})");
        }

        var virial = new double[9];
        for (var k = 0; k < 9; k++)
        {
            virial[k] = -stress[k] * volume;
        }

        return virial;
    }

    /// <summary>Every structure is periodic (as in GPUMD): the cell needs a volume, and no height below <see cref="ExtendedXyzReader.MinSeparation"/>.</summary>
    private void CheckCell(double[] cell, int index)
    {
        var volume = XyzFrame.ComputeVolume(cell);
        var scale = Norm(cell.AsSpan(0, 3)) * Norm(cell.AsSpan(3, 3)) * Norm(cell.AsSpan(6, 3));
        if (!(volume > 1e-12 * scale) || !(Math.Abs(Structures.NepStructure.Determinant(cell)) >= 1e-12))
        {
            throw Error("lattice", $"the cell has zero volume: the three lattice vectors must not lie in one plane (frame {index})");
        }

        var (a, b, c) = new Structures.NepStructure(cell, [], []).Heights();
        var thinnest = Math.Min(a, Math.Min(b, c));
        if (!(thinnest >= ExtendedXyzReader.MinSeparation))
        {
            throw Error("lattice", $"the cell is {thinnest.ToString("G3", CultureInfo.InvariantCulture)} Å thin; every height must be at least {ExtendedXyzReader.MinSeparation.ToString(CultureInfo.InvariantCulture)} Å (frame {index})");
        }
    }

    private static double Norm(ReadOnlySpan<double> v) => Math.Sqrt((v[0] * v[0]) + (v[1] * v[1]) + (v[2] * v[2]));

    private void ParseProperties(string value, Header header, int index)
    {
        var parts = value.Split(':');
        if (value.Length == 0 || parts.Length % 3 != 0)
        {
            throw Error("properties", $"'{value}' is not a list of name:type:width triples (frame {index})");
        }

        long offset = 0;
        for (var p = 0; p < parts.Length; p += 3)
        {
            var name = parts[p];
            var type = parts[p + 1];
            if (name.Length == 0)
            {
                throw Error("properties", $"'{value}' has a column without a name (frame {index})");
            }

            if (type.Length != 1 || "SRIL".IndexOf(char.ToUpperInvariant(type[0]), StringComparison.Ordinal) < 0)
            {
                throw Error("properties", $"column '{name}' has type '{type}'; expected S, R, I or L (frame {index})");
            }

            if (!int.TryParse(parts[p + 2], NumberStyles.None, CultureInfo.InvariantCulture, out var width)
                || width <= 0 || width > MaxColumnWidth)
            {
                throw Error("properties", $"column '{name}' has width '{parts[p + 2]}'; expected a positive whole number (frame {index})");
            }

            var upperType = char.ToUpperInvariant(type[0]);
            switch (name.ToLowerInvariant())
            {
                case "species":
                    RequireColumn(header.SpeciesColumn < 0, name, upperType, width, 'S', 1, index);
                    header.SpeciesColumn = (int)offset;
                    break;
                case "pos":
                    RequireColumn(header.PosColumn < 0, name, upperType, width, 'R', 3, index);
                    header.PosColumn = (int)offset;
                    break;
                case "force":
                case "forces":
                    RequireColumn(header.ForceColumn < 0, name, upperType, width, 'R', 3, index);
                    header.ForceColumn = (int)offset;
                    header.ForceName = name.ToLowerInvariant();
                    break;
                default:
                    break;
            }

            offset += width;
            if (offset > MaxColumnWidth)
            {
                throw Error("properties", $"'{value}' declares more than {MaxColumnWidth} columns (frame {index})");
            }
        }

        header.TotalWidth = (int)offset;
        if (header.SpeciesColumn < 0)
        {
            throw Error("species", $"properties '{value}' declare no species:S:1 column (frame {index})");
        }

        if (header.PosColumn < 0)
        {
            throw Error("pos", $"properties '{value}' declare no pos:R:3 column (frame {index})");
        }
    }

    private void RequireColumn(bool first, string name, char type, int width, char expectedType, int expectedWidth, int index)
    {
        if (!first)
        {
            throw Error("properties", $"declare the column '{name}' twice (force and forces are the same column) (frame {index})");
        }

        if (type != expectedType || width != expectedWidth)
        {
            throw Error("properties", $"column '{name}' is {type}:{width}; expected {name}:{expectedType}:{expectedWidth} (frame {index})");
        }
    }

    private double[] ParseNumbers(string value, int expected, string field, int index, double limit, string unit)
    {
        var count = Tokenize(value, expected);
        if (count != expected)
        {
            var what = expected == 1 ? "1 number" : $"{expected} numbers";
            throw Error(field, $"needs {what}, got {count} ('{value}') (frame {index})");
        }

        var numbers = new double[expected];
        var text = value.AsSpan();
        for (var k = 0; k < expected; k++)
        {
            var token = text[_tokens[k]];
            if (!TryParseFinite(token, out numbers[k]))
            {
                throw Error(field, $"'{token}' is not a finite number (frame {index})");
            }

            if (_physical && Math.Abs(numbers[k]) > limit)
            {
                throw Error(field, $"'{token}' is beyond ±{Show(limit)} {unit} (frame {index})");
            }
        }

        return numbers;
    }

    /// <summary>
    /// Splits the comment line into key/value pairs: <c>key=value</c>, <c>key = "several words"</c>, or a bare
    /// <c>key</c> (value ""). Quotes are removed from values.
    /// </summary>
    private List<(string Key, string Value)> SplitPairs(string text, int index)
    {
        var pairs = new List<(string, string)>();
        var i = 0;
        while (true)
        {
            i = SkipWhiteSpace(text, i);
            if (i == text.Length)
            {
                return pairs;
            }

            var start = i;
            while (i < text.Length && !char.IsWhiteSpace(text[i]) && text[i] is not '=' and not '"')
            {
                i++;
            }

            if (i == start)
            {
                var what = text[i] == '=' ? "'=' without a key" : "a quote outside a value";
                throw Error("comment line", $"{what} at character {i + 1} (frame {index})");
            }

            var key = text[start..i];
            var afterKey = SkipWhiteSpace(text, i);
            if (afterKey == text.Length || text[afterKey] != '=')
            {
                pairs.Add((key, string.Empty));
                continue;
            }

            i = SkipWhiteSpace(text, afterKey + 1);
            string value;
            if (i < text.Length && text[i] == '"')
            {
                var close = text.IndexOf('"', i + 1);
                if (close < 0)
                {
                    throw Error(key, $"the quoted value has no closing quote (frame {index})");
                }

                value = text[(i + 1)..close];
                i = close + 1;
                if (i < text.Length && !char.IsWhiteSpace(text[i]))
                {
                    throw Error(key, $"text follows the closing quote without a space (frame {index})");
                }
            }
            else
            {
                start = i;
                while (i < text.Length && !char.IsWhiteSpace(text[i]))
                {
                    if (text[i] == '"')
                    {
                        throw Error(key, $"the value has a stray quote (frame {index})");
                    }

                    i++;
                }

                value = text[start..i];
            }

            pairs.Add((key, value));
        }
    }

    private static int SkipWhiteSpace(string text, int i)
    {
        while (i < text.Length && char.IsWhiteSpace(text[i]))
        {
            i++;
        }

        return i;
    }

    /// <summary>
    /// Splits <paramref name="text"/> at whitespace into <see cref="_tokens"/> and returns the number of tokens;
    /// tokens past <paramref name="keep"/> + 1 are counted but not stored.
    /// </summary>
    private int Tokenize(string text, int keep)
    {
        if (_tokens.Length < keep + 1)
        {
            _tokens = new Range[keep + 1];
        }

        var count = 0;
        var i = 0;
        while (true)
        {
            while (i < text.Length && char.IsWhiteSpace(text[i]))
            {
                i++;
            }

            if (i == text.Length)
            {
                return count;
            }

            var start = i;
            while (i < text.Length && !char.IsWhiteSpace(text[i]))
            {
                i++;
            }

            if (count <= keep)
            {
                _tokens[count] = new Range(start, i);
            }

            count++;
        }
    }

    private static bool TryParseFinite(ReadOnlySpan<char> token, out double value) =>
        double.TryParse(token, NumberStyles.Float, CultureInfo.InvariantCulture, out value) && double.IsFinite(value);

    private string Species(ReadOnlySpan<char> token)
    {
        if (_speciesLookup.TryGetValue(token, out var name))
        {
            return name;
        }

        name = token.ToString();
        if (_speciesNames.Count < MaxSpeciesCached)
        {
            _speciesNames.Add(name, name);
        }

        return name;
    }

    private string? ReadLine()
    {
        var line = _reader.ReadLine();
        if (line is not null)
        {
            _line++;
        }

        return line;
    }

    private InvalidInputException Error(string field, string problem, int? line = null) =>
        new(field, problem, _file, line ?? _line);

    /// <summary>What the comment line of one frame says.</summary>
    private sealed class Header(double[] cell, double? energy, double[]? virial, double weight, Dictionary<string, string> extra)
    {
        public double[] Cell { get; } = cell;

        public double? Energy { get; } = energy;

        public double[]? Virial { get; } = virial;

        public double Weight { get; } = weight;

        public Dictionary<string, string> Extra { get; } = extra;

        public int SpeciesColumn { get; set; } = -1;

        public int PosColumn { get; set; } = -1;

        public int ForceColumn { get; set; } = -1;

        public string ForceName { get; set; } = "force";

        public int TotalWidth { get; set; }
    }
}
