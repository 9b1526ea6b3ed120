using ClusterML.Core.Files;
using MessagePack;

namespace ClusterML.Engines.Exec;

/// <summary>
/// One input file of an exec trial: <see cref="Name"/> is the setting's name (<c>inputs.NAME</c>, placeholder
/// <c>{inputs.NAME}</c>); <see cref="Path"/> and <see cref="Blob"/> change as the file travels (<see cref="InputFile"/>);
/// <see cref="FileName"/> is the file's original name, under which the program finds its copy in the trial folder whatever the
/// worker's local copy is called. Keys are the wire contract: append, never renumber.
/// </summary>
[MessagePackObject]
public sealed record ExecInput(
    [property: Key(0)] string Name,
    [property: Key(1)] string Path,
    [property: Key(2)] string FileName,
    [property: Key(3)] BlobRef? Blob = null);
