using System.Globalization;

namespace ClusterML.Cluster.Trials;

/// <summary>
/// One attempt's staging folder and its own log, <c>trial.log</c> in it: timestamped lines (UTC) of what the attempt did —
/// inputs fetched, each progress report, the outcome or the error with its stack trace. The log travels with the artifacts.
/// Thread-safe: the engine's thread reports progress while the actor's task writes the rest.
/// </summary>
internal sealed class TrialLog(string folder)
{
    private readonly Lock _gate = new();
    private StreamWriter? _writer;

    /// <summary>The attempt's staging folder (absolute).</summary>
    public string Folder { get; } = folder;

    /// <summary>Empties the staging folder (a previous run of the same attempt may have left it) and opens the log.</summary>
    public void Begin()
    {
        lock (_gate)
        {
            if (Directory.Exists(Folder))
            {
                Directory.Delete(Folder, recursive: true);
            }
            Directory.CreateDirectory(Folder);
            _writer = new StreamWriter(Path.Combine(Folder, "trial.log"), append: false) { AutoFlush = true };
        }
    }

    public void Write(string line)
    {
        lock (_gate)
        {
            _writer?.WriteLine($"{DateTime.UtcNow.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture)} {line}");
        }
    }

    /// <summary>Closes the log (later lines are dropped), so that it can be hashed and sent.</summary>
    public void Close()
    {
        lock (_gate)
        {
            _writer?.Dispose();
            _writer = null;
        }
    }

    /// <summary>Closes the log and removes the staging folder.</summary>
    public void Delete()
    {
        Close();
        try
        {
            if (Directory.Exists(Folder))
            {
                Directory.Delete(Folder, recursive: true);
            }
            // staging/CAMPAIGN/TRIAL/attempt-N: drop the trial's and the campaign's folders once nothing else is in them.
            var trialFolder = Path.GetDirectoryName(Folder)!;
            foreach (var parent in new[] { trialFolder, Path.GetDirectoryName(trialFolder)! })
            {
                if (Directory.EnumerateFileSystemEntries(parent).Any())
                {
                    break;
                }
                Directory.Delete(parent);
            }
        }
        catch (IOException)
        {
            // Emptied again by the next run of this attempt.
        }
    }
}
