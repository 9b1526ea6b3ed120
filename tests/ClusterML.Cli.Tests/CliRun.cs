namespace ClusterML.Cli.Tests;

/// <summary>Runs the whole program in-process with captured writers, in a temporary folder that is deleted afterwards.</summary>
public sealed class CliRun : IDisposable
{
    public CliRun() => Root = Directory.CreateTempSubdirectory("clusterml-cli-").FullName;

    public string Root { get; }

    public string DataDir => System.IO.Path.Combine(Root, "data");

    public string Path(string relative) => System.IO.Path.Combine(Root, relative);

    public Task<(int ExitCode, string Out, string Error)> RunAsync(params string[] args) => RunInAsync(DataDir, args);

    /// <summary>Runs the CLI in this process with <paramref name="dataDir"/> as its data directory.</summary>
    public async Task<(int ExitCode, string Out, string Error)> RunInAsync(string dataDir, params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var code = await ClusterMLApp.RunAsync([.. args, "--data-dir", dataDir], output, error, TestContext.Current.CancellationToken);
        return (code, output.ToString(), error.ToString());
    }

    public void Dispose() => Directory.Delete(Root, recursive: true);

    /// <summary>A file of the repository (the folder with ClusterML.sln above the test binaries).</summary>
    public static string RepositoryFile(string relative)
    {
        for (var folder = new DirectoryInfo(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
        {
            if (File.Exists(System.IO.Path.Combine(folder.FullName, "ClusterML.sln")))
            {
                return System.IO.Path.Combine(folder.FullName, relative);
            }
        }
        throw new FileNotFoundException($"no ClusterML.sln above {AppContext.BaseDirectory}");
    }
}
