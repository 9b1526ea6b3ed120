using ClusterML.Core.IO;
using ClusterML.Core.Validation;

namespace ClusterML.Core.Tests.IO;

public sealed class AtomicOutputDirectoryTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("clusterml-atomic-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public void Commit_should_create_the_target_with_every_staged_file()
    {
        var target = Path.Combine(_root, "run");
        using (var output = AtomicOutputDirectory.Begin(target))
        {
            File.WriteAllText(output.PathFor("a.csv"), "x");
            File.WriteAllText(output.PathFor("model/b.bin"), "y");
            Assert.False(Directory.Exists(target));
            output.Commit();
        }
        Assert.Equal("x", File.ReadAllText(Path.Combine(target, "a.csv")));
        Assert.Equal("y", File.ReadAllText(Path.Combine(target, "model", "b.bin")));
        Assert.Single(Directory.EnumerateFileSystemEntries(_root));
    }

    [Fact]
    public void Dispose_without_commit_should_leave_an_existing_target_untouched_and_no_staging_folder()
    {
        var target = Path.Combine(_root, "run");
        Directory.CreateDirectory(target);
        File.WriteAllText(Path.Combine(target, "a.csv"), "old");
        using (var output = AtomicOutputDirectory.Begin(target))
        {
            File.WriteAllText(output.PathFor("a.csv"), "half-writ");
        }
        Assert.Equal("old", File.ReadAllText(Path.Combine(target, "a.csv")));
        Assert.Equal([target], Directory.EnumerateFileSystemEntries(_root));
    }

    [Fact]
    public void Commit_into_an_existing_target_should_replace_files_and_keep_others()
    {
        var target = Path.Combine(_root, "run");
        Directory.CreateDirectory(target);
        File.WriteAllText(Path.Combine(target, "a.csv"), "old");
        File.WriteAllText(Path.Combine(target, "notes.txt"), "mine");
        using (var output = AtomicOutputDirectory.Begin(target))
        {
            File.WriteAllText(output.PathFor("a.csv"), "new");
            output.Commit();
        }
        Assert.Equal("new", File.ReadAllText(Path.Combine(target, "a.csv")));
        Assert.Equal("mine", File.ReadAllText(Path.Combine(target, "notes.txt")));
        Assert.Equal([target], Directory.EnumerateFileSystemEntries(_root));
    }

    [Fact]
    public void Begin_should_refuse_a_target_that_is_a_file()
    {
        var target = Path.Combine(_root, "file");
        File.WriteAllText(target, "");
        var error = Assert.Throws<InvalidInputException>(() => AtomicOutputDirectory.Begin(target));
        Assert.Equal("--out", error.Field);
    }
}
