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
/// Frames are produced lazily: only the frame being parsed is held in memory, so files of any number of frames can
/// be streamed. Bad input throws <see cref="ClusterML.Core.Validation.InvalidInputException"/> naming the file, the
/// 1-based line, the field and the frame (numbered from 0, as <see cref="XyzFrame.Index"/>).
/// </para>
/// </remarks>
public static class ExtendedXyzReader
{
    private const int BufferSize = 1 << 16;

    /// <summary>
    /// Reads the frames of the file at <paramref name="path"/> lazily. The file is opened when enumeration starts and
    /// closed when it ends or the enumerator is disposed; each enumeration reads the file again.
    /// </summary>
    /// <param name="path">The extended-XYZ file; error messages name it as given.</param>
    /// <returns>The frames in file order.</returns>
    public static IEnumerable<XyzFrame> Read(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        return ReadFile(path);
    }

    /// <summary>
    /// Reads frames lazily from <paramref name="reader"/>, which stays open (the caller owns it). The sequence can be
    /// enumerated once, from the reader's current position.
    /// </summary>
    /// <param name="reader">The text to read.</param>
    /// <param name="fileName">The name used in error messages, or null.</param>
    /// <returns>The frames in order.</returns>
    public static IEnumerable<XyzFrame> Read(TextReader reader, string? fileName = null)
    {
        ArgumentNullException.ThrowIfNull(reader);
        return ReadFrames(reader, fileName);
    }

    private static IEnumerable<XyzFrame> ReadFile(string path)
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
        foreach (var frame in ReadFrames(reader, path))
        {
            yield return frame;
        }
    }

    private static IEnumerable<XyzFrame> ReadFrames(TextReader reader, string? fileName)
    {
        var parser = new XyzFrameParser(reader, fileName);
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
