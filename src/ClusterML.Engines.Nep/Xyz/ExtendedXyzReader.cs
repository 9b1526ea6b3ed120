using System.Text;

namespace ClusterML.Engines.Nep.Xyz;

/// <summary>
/// Reads extended-XYZ files in GPUMD's <c>nep</c> conventions (train.xyz, test.xyz), one frame at a time.
/// </summary>
/// <remarks>
/// <para>
/// Each frame is an atom-count line, a comment line of <c>key=value</c> pairs and one line per atom. Keys ignore
/// case and may have spaces around <c>=</c>; values with several numbers are in double quotes. The reader
/// interprets <c>lattice</c> (mandatory, 9 numbers, rows a, b, c), <c>energy</c>, <c>virial</c> (9 numbers, eV) or
/// <c>stress</c> (9 numbers, eV/Å³, turned into virial = −stress × volume; a virial wins when both are given),
/// <c>weight</c> (default 1, &gt; 0) and <c>properties</c> (mandatory; <c>species:S:1</c> and <c>pos:R:3</c>
/// required, <c>force:R:3</c> or <c>forces:R:3</c> optional, other columns skipped by their width). Every other
/// key is kept as raw text in <see cref="XyzFrame.Extra"/>.
/// </para>
/// <para>
/// With <c>physical</c> set (NEP evaluation and training), a frame must also be a structure a potential can evaluate:
/// coordinates and lattice components within ±<see cref="MaxCoordinate"/> Å, forces within
/// ±<see cref="MaxForce"/> eV/Å, energy and virial within ±<see cref="MaxEnergy"/> eV, stress
/// within ±<see cref="MaxStress"/> eV/Å³, a cell with a volume and no height below
/// <see cref="MinSeparation"/> Å, and no two atoms (periodic images included) closer than that.
/// Without it any finite numbers are read, so that frames round-trip.
/// </para>
/// <para>
/// Frames are produced lazily: only the frame being parsed is held in memory, so files of any number of frames can
/// be streamed. Bad input throws <see cref="ClusterML.Core.Validation.InvalidInputException"/> naming the file, the
/// 1-based line, the field and the frame (numbered from 0, as <see cref="XyzFrame.Index"/>).
/// </para>
/// </remarks>
public static class ExtendedXyzReader
{
    private const int BufferSize = 1 << 16;

    /// <summary>
    /// Largest |coordinate| and |lattice component| accepted (Å). At 1e6 Å a float32 coordinate (the training tensors) is
    /// already only 0.06 Å fine, so larger values cannot describe bonds; 1e6 Å (0.1 mm) exceeds any simulation cell.
    /// </summary>
    public const double MaxCoordinate = 1e6;

    /// <summary>Largest |force component| accepted (eV/Å): far above any physical force (bonds break near 10 eV/Å).</summary>
    public const double MaxForce = 1e6;

    /// <summary>Largest |energy| and |virial component| accepted (eV): 1e12 eV is 1e10 atoms at 100 eV each.</summary>
    public const double MaxEnergy = 1e12;

    /// <summary>Largest |stress component| accepted (eV/Å³); 1e6 eV/Å³ is 1.6e8 GPa.</summary>
    public const double MaxStress = 1e6;

    /// <summary>
    /// The closest two atoms (or an atom and a periodic image) may come (Å), and the thinnest a cell may be. The shortest
    /// bond in nature is H₂'s 0.74 Å and even keV collision cascades, the ZBL regime, rarely bring nuclei within 0.1 Å; at
    /// 0 Å the direction r̂ = r/|r| of the descriptors and forces is 0/0 and every output becomes NaN.
    /// </summary>
    public const double MinSeparation = 0.1;

    /// <summary>
    /// Reads the frames of the file at <paramref name="path"/> lazily. The file is opened when enumeration starts and
    /// closed when it ends or the enumerator is disposed; each enumeration reads the file again.
    /// </summary>
    /// <param name="path">The extended-XYZ file; error messages name it as given.</param>
    /// <param name="physical">Also refuse frames no potential can evaluate (see the remarks).</param>
    /// <returns>The frames in file order.</returns>
    public static IEnumerable<XyzFrame> Read(string path, bool physical = false)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        return ReadFile(path, physical);
    }

    /// <summary>
    /// Reads frames lazily from <paramref name="reader"/>, which stays open (the caller owns it). The sequence can be
    /// enumerated once, from the reader's current position.
    /// </summary>
    /// <param name="reader">The text to read.</param>
    /// <param name="fileName">The name used in error messages, or null.</param>
    /// <param name="physical">Also refuse frames no potential can evaluate (see the remarks).</param>
    /// <returns>The frames in order.</returns>
    public static IEnumerable<XyzFrame> Read(TextReader reader, string? fileName = null, bool physical = false)
    {
        ArgumentNullException.ThrowIfNull(reader);
        return ReadFrames(reader, fileName, physical);
    }

    private static IEnumerable<XyzFrame> ReadFile(string path, bool physical)
    {
        var options = new FileStreamOptions
        {
            Mode = FileMode.Open,
            Access = FileAccess.Read,
            Share = FileShare.Read,
            Options = FileOptions.SequentialScan,
            BufferSize = BufferSize,
        };
        using var reader = new StreamReader(path, Encoding.UTF8, detectEncodingFromByteOrderMarks: true, options);
        foreach (var frame in ReadFrames(reader, path, physical))
        {
            yield return frame;
        }
    }

    private static IEnumerable<XyzFrame> ReadFrames(TextReader reader, string? fileName, bool physical)
    {
        var parser = new XyzFrameParser(reader, fileName, physical);
        for (var index = 0; ; index++)
        {
            var frame = parser.ReadFrame(index);
            if (frame is null)
            {
                yield break;
            }

            yield return frame;
        }
    }
}
