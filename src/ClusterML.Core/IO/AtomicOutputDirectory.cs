namespace ClusterML.Core.IO;

/// <summary>
/// Writes a command's outputs so that the user never sees a half-written result. Files are written into a hidden
/// staging folder beside the target; <see cref="Commit"/> then renames the staging folder to the target (when the
/// target does not exist) or moves each finished file over its old version by rename. Disposing without a commit
/// (an exception, a cancellation) deletes the staging folder and leaves the target as it was.
/// </summary>
/// <remarks>Not thread-safe: one command owns one instance.</remarks>
public sealed class AtomicOutputDirectory : IDisposable
{
    private readonly string _staging;
    private bool _committed;

    private AtomicOutputDirectory(string target, string staging)
    {
        Target = target;
        _staging = staging;
    }

    /// <summary>The final folder (absolute).</summary>
    public string Target { get; }

    /// <summary>Starts a new output set for <paramref name="target"/>; the staging folder sits in the same parent, so renames stay on one file system.</summary>
    public static AtomicOutputDirectory Begin(string target)
    {
        var full = Path.GetFullPath(target);
        if (File.Exists(full))
        {
            throw new Validation.InvalidInputException("--out", $"'{target}' is a file, not a folder");
        }
        var parent = Path.GetDirectoryName(full.TrimEnd(Path.DirectorySeparatorChar)) ?? full;
        Directory.CreateDirectory(parent);
        var staging = Path.Combine(parent, $".{Path.GetFileName(full.TrimEnd(Path.DirectorySeparatorChar))}.partial-{Guid.NewGuid():N}");
        Directory.CreateDirectory(staging);
        return new AtomicOutputDirectory(full, staging);
    }

    /// <summary>Where to write the file that will end up as <c>Target/relativePath</c>.</summary>
    public string PathFor(string relativePath)
    {
        ObjectDisposedException.ThrowIf(_committed, this);
        var path = Path.Combine(_staging, relativePath);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        return path;
    }

    /// <summary>Publishes every staged file. Call once, after the last file is closed.</summary>
    public void Commit()
    {
        ObjectDisposedException.ThrowIf(_committed, this);
        if (!Directory.Exists(Target))
        {
            Directory.Move(_staging, Target);
        }
        else
        {
            foreach (var file in Directory.EnumerateFiles(_staging, "*", SearchOption.AllDirectories))
            {
                var destination = Path.Combine(Target, Path.GetRelativePath(_staging, file));
                Directory.CreateDirectory(Path.GetDirectoryName(destination)!);
                File.Move(file, destination, overwrite: true);
            }
            Directory.Delete(_staging, recursive: true);
        }
        _committed = true;
    }

    public void Dispose()
    {
        if (!_committed && Directory.Exists(_staging))
        {
            Directory.Delete(_staging, recursive: true);
        }
        _committed = true;
    }
}
