using System.Globalization;
using System.Text;

namespace ClusterML.Cluster.Trials;

/// <summary>
/// One attempt's staging folder and its own log, <c>trial.log</c> in it: timestamped lines (UTC) of what the attempt did —
/// inputs fetched, each progress report, the outcome or the error with its stack trace. Lines are kept in memory and travel
/// with the artifacts when the log is closed (an attempt whose node dies loses its staging folder anyway, and thousands of
/// tiny trials a second cannot afford a file per trial). Thread-safe: the engine's thread reports
/// progress while the actor's task writes the rest.
/// </summary>
internal sealed class TrialLog(string folder)
{
    private readonly Lock _gate = new();
    private StringBuilder? _lines;

    /// <summary>The attempt's staging folder (absolute).</summary>
    public string Folder { get; } = folder;

    /// <summary>
    /// Opens the log and removes what a previous run of the same attempt may have left in the staging folder. The folder
    /// itself is created by the engine when it writes something (most tiny trials write nothing).
    /// </summary>
    public void Begin()
    {
        lock (_gate)
        {
            if (Directory.Exists(Folder))
            {
                Directory.Delete(Folder, recursive: true);
            }
            _lines = new StringBuilder();
        }
    }

    public void Write(string line)
    {
        lock (_gate)
        {
            _lines?.Append(DateTime.UtcNow.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture)).Append(' ').Append(line).Append('\n');
        }
    }

    /// <summary>Closes the log (later lines are dropped) and returns <c>trial.log</c>'s content (UTF-8).</summary>
    public byte[] Close()
    {
        lock (_gate)
        {
            var text = _lines?.ToString() ?? "";
            _lines = null;
            return Encoding.UTF8.GetBytes(text);
        }
    }

    /// <summary>Drops the log and removes the staging folder.</summary>
    public void Delete()
    {
        lock (_gate)
        {
            _lines = null;
        }
        try
        {
            if (!Directory.Exists(Folder))
            {
                return;
            }
            Directory.Delete(Folder, recursive: true);
            // staging/CAMPAIGN/TRIAL/attempt-N: drop the trial's and the campaign's folders too once nothing else is in them
            // (deleting a folder that is not empty fails, which is the test).
            var trialFolder = Path.GetDirectoryName(Folder)!;
            Directory.Delete(trialFolder);
            Directory.Delete(Path.GetDirectoryName(trialFolder)!);
        }
        catch (IOException)
        {
            // Not empty (another attempt of this node stages there), or already gone.
        }
    }
}
