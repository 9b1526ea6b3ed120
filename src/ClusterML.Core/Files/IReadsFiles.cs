namespace ClusterML.Core.Files;

/// <summary>
/// One input file of a trial spec. When planned, <see cref="Path"/> is the planning machine's path and <see cref="Blob"/> is
/// null; once registered, <see cref="Blob"/> names the content and <see cref="Path"/> is only the file's name; on a worker,
/// <see cref="Path"/> is the local copy the engine reads. <see cref="Field"/> is the setting's name (<c>data</c>, <c>train</c>…).
/// </summary>
public sealed record InputFile(string Field, string Path, BlobRef? Blob);

/// <summary>
/// A trial spec that reads files. The planning node registers them by content (<see cref="WithInputFiles"/> with blobs and bare
/// names) and each worker points them at its local copies before the engine runs (<see cref="WithInputFiles"/> with local paths).
/// Engines only ever see <see cref="InputFile.Path"/>.
/// </summary>
public interface IReadsFiles
{
    /// <summary>The spec's input files, in a fixed order.</summary>
    IReadOnlyList<InputFile> InputFiles { get; }

    /// <summary>The same spec with <paramref name="inputs"/> (same fields, same order as <see cref="InputFiles"/>).</summary>
    Specs.ITrialSpec WithInputFiles(IReadOnlyList<InputFile> inputs);
}
