using System.Text;
using ClusterML.Core.Engines;
using ClusterML.Core.Validation;
using ClusterML.Engines.Nep.Structures;
using ClusterML.Engines.Nep.Training;
using ClusterML.Engines.Nep.Xyz;

namespace ClusterML.Engines.Nep.Active.Cluster;

/// <summary>
/// How a potential's active-learning campaign moves structures and labels between its trials without a shared filesystem:
/// the pool is an extended-XYZ input file every trial receives by content; an oracle call keeps the frame it labelled in the
/// cluster's checkpoint store under <c>CAMPAIGN.label-K</c> (K the pool index), where every later round trial reads it; a
/// round keeps its committee under its own fit, where its arm's next round reads it to fine-tune.
/// </summary>
public static class LabelledFrames
{
    /// <summary>The file of a labelled frame in its checkpoint entry.</summary>
    public const string FrameFile = "frame.xyz";

    /// <summary>The store entry of pool structure <paramref name="candidate"/>'s label, beside the fit <paramref name="fitId"/> of a trial of the same campaign.</summary>
    public static string FitOf(string fitId, long candidate) => FitIds.Sibling(fitId, $"label-{candidate}");

    /// <summary>The pool's frames (labels, if any, ignored), streamed from the file; the field names the file in errors.</summary>
    /// <exception cref="InvalidInputException">A missing file or a frame that does not parse (file, frame, field).</exception>
    public static IReadOnlyList<XyzFrame> Pool(string path, string field = "pool")
    {
        if (!File.Exists(path))
        {
            throw new InvalidInputException(field, $"'{path}' does not exist");
        }
        var frames = ExtendedXyzReader.Read(path, physical: true).ToList();
        return frames.Count == 0 ? throw new InvalidInputException(field, $"'{path}' holds no structures", path) : frames;
    }

    /// <summary>Pool structure <paramref name="candidate"/> (streamed: frames after it are not read).</summary>
    /// <exception cref="InvalidInputException">No such structure, or the file does not parse.</exception>
    public static XyzFrame Structure(string path, long candidate)
    {
        if (!File.Exists(path))
        {
            throw new InvalidInputException("pool", $"'{path}' does not exist");
        }
        if (candidate < 0)
        {
            throw new InvalidInputException("candidate", $"must be ≥ 0 (got {candidate})");
        }
        var k = 0L;
        foreach (var frame in ExtendedXyzReader.Read(path, physical: true))
        {
            if (k++ == candidate)
            {
                return frame;
            }
        }
        throw new InvalidInputException("candidate", $"the pool has {k} structures; there is no structure {candidate}", path);
    }

    /// <summary>The labelled frame as extended-XYZ bytes: the pool structure with <paramref name="label"/>'s energy, forces and virial.</summary>
    public static byte[] Encode(XyzFrame structure, NepFrame label)
    {
        ArgumentNullException.ThrowIfNull(structure);
        ArgumentNullException.ThrowIfNull(label);
        var frame = new XyzFrame(structure.Index, structure.Cell, structure.Species, structure.Positions, label.Forces, label.Energy, label.Virial);
        using var text = new StringWriter { NewLine = "\n" };
        ExtendedXyzWriter.Write(text, frame);
        return Encoding.UTF8.GetBytes(text.ToString());
    }

    /// <summary>A labelled frame from <see cref="Encode"/>, its type indices in <paramref name="species"/> order.</summary>
    /// <exception cref="InvalidInputException">The bytes are not one labelled frame, or hold a species outside <paramref name="species"/>.</exception>
    public static NepFrame Decode(byte[] bytes, int index, IReadOnlyList<string> species, string source)
    {
        using var reader = new StringReader(Encoding.UTF8.GetString(bytes));
        var frames = ExtendedXyzReader.Read(reader, source, physical: true).ToList();
        if (frames is not [var frame] || frame.Energy is not { } energy || frame.Forces is not { } forces)
        {
            throw new InvalidInputException("labelled", "is not one labelled frame (energy and forces)", source);
        }
        return new NepFrame(index, NepStructure.FromFrame(frame, species, source), energy, forces, frame.Virial, 1.0);
    }

    /// <summary>The labelled frame of pool structure <paramref name="candidate"/>, read from the store beside <paramref name="fitId"/>.</summary>
    /// <exception cref="InvalidInputException">The store has no label for it (its oracle call did not complete).</exception>
    public static async Task<NepFrame> ReadAsync(IFitCheckpoints store, string fitId, long candidate, IReadOnlyList<string> species, CancellationToken cancellationToken)
    {
        var entry = FitOf(fitId, candidate);
        var checkpoint = await store.LatestAsync(entry, cancellationToken).ConfigureAwait(false);
        if (checkpoint is null || !checkpoint.Files.TryGetValue(FrameFile, out var bytes))
        {
            throw new InvalidInputException("labelled", $"no labelled frame of pool structure {candidate} in the cluster's store ({entry}); its oracle call has not completed");
        }
        return Decode(bytes, (int)candidate, species, $"{entry}/{FrameFile}");
    }
}
