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

    /// <summary>
    /// A campaign YAML (written as NAME.yaml here) of <paramref name="trials"/> explicit FD trials with a Sobol-sampled mesh
    /// ratio: with nx 1601 and t_end 1 about a second each, long enough for processes to be killed mid-campaign.
    /// </summary>
    public string FdSweep(string name, int trials, int nx = 1601, double tEnd = 1.0, int? maxConcurrent = null)
    {
        var path = Path($"{name}.yaml");
        var concurrent = maxConcurrent is { } m ? $"\n  max_concurrent: {m}" : "";
        File.WriteAllText(path, $"""
            name: {name}
            engine: fd
            base:
              alpha: 0.1
              nx: {nx}
              t_end: {tEnd.ToString(System.Globalization.CultureInfo.InvariantCulture)}
            space:
              r: {"{"} type: uniform, low: 0.3, high: 0.45 {"}"}
            search:
              kind: sobol
            budget:
              max_trials: {trials}{concurrent}
            retries: 1
            """);
        return path;
    }
}
