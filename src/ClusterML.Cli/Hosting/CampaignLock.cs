using System.Globalization;
using ClusterML.Core.IO;

namespace ClusterML.Cli.Hosting;

/// <summary>
/// One process drives a campaign at a time (its coordinator journal has a single writer). The driving process holds
/// <c>DATA_DIR/campaigns/ID.lock</c>: its process id on the first line and, once its node is up, its cluster address on the
/// second, so that <c>campaign cancel|resume</c> from another process can join that cluster instead of starting a second
/// driver. A lock naming a dead process is stale and taken over.
/// </summary>
internal sealed class CampaignLock : IDisposable
{
    private readonly string _path;

    private CampaignLock(string path) => _path = path;

    /// <summary>The live process driving a campaign, and its cluster address when it has advertised one.</summary>
    public sealed record Driver(int ProcessId, string? Address);

    private static string PathOf(string dataDir, string campaignId) => Path.Combine(dataDir, "campaigns", $"{campaignId}.lock");

    /// <summary>The live driver of the campaign other than this process, if any.</summary>
    public static Driver? FindDriver(string dataDir, string campaignId)
    {
        var path = PathOf(dataDir, campaignId);
        string[] lines;
        try
        {
            lines = File.ReadAllLines(path);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }
        if (lines.Length == 0 || !int.TryParse(lines[0].Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var pid)
            || pid == Environment.ProcessId || !Processes.IsAlive(pid))
        {
            return null;
        }
        return new Driver(pid, lines.Length > 1 && lines[1].Trim() is { Length: > 0 } address ? address : null);
    }

    /// <summary>Takes the lock (the caller has checked <see cref="FindDriver"/>).</summary>
    public static CampaignLock Acquire(string dataDir, string campaignId)
    {
        var path = PathOf(dataDir, campaignId);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        AtomicFile.Write(path, staged => File.WriteAllText(staged, Environment.ProcessId.ToString(CultureInfo.InvariantCulture) + "\n"));
        return new CampaignLock(path);
    }

    /// <summary>Records this process's cluster address for other processes to join.</summary>
    public void Advertise(string address) =>
        AtomicFile.Write(_path, staged => File.WriteAllText(staged, $"{Environment.ProcessId.ToString(CultureInfo.InvariantCulture)}\n{address}\n"));

    public void Dispose()
    {
        try
        {
            File.Delete(_path);
        }
        catch (IOException)
        {
            // A stale lock names a dead process and is ignored next time.
        }
    }
}
