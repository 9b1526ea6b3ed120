using System.Globalization;
using ClusterML.Cluster.Hosting;
using ClusterML.Core.IO;
using ClusterML.Core.Validation;

namespace ClusterML.Cli.Hosting;

/// <summary>
/// The embedded journal (<c>DATA_DIR/clusterml.db</c>) has one writer: the process whose node has the coordinator role. A
/// second such process on the same data directory would write the same sharding-coordinator and campaign events
/// ("Failed to persist ShardHomeAllocated", then "Invalid replayed event … newer writer" on the next start) and leave the
/// journal unusable. The writer holds an exclusive lock on <c>DATA_DIR/clusterml.db.lock</c> for its node's lifetime (an OS
/// file lock: released when the process ends, however it ends, so <c>kill -9</c> and resume need no clean-up) and names
/// itself in <c>DATA_DIR/clusterml.db.owner</c>; any other is refused before its node starts, with the folder and the holder
/// named. With PostgreSQL the journal is the server's and many coordinators share it: no lock.
/// </summary>
internal sealed class JournalLock : IDisposable
{
    private readonly FileStream _held;
    private readonly string _owner;

    private JournalLock(FileStream held, string owner)
    {
        _held = held;
        _owner = owner;
    }

    /// <summary>Where the lock lives in a data directory.</summary>
    private static string PathIn(string dataDir) => ClusterHostOptions.JournalPathIn(dataDir) + ".lock";

    private static string OwnerPathIn(string dataDir) => ClusterHostOptions.JournalPathIn(dataDir) + ".owner";

    /// <summary>
    /// The lock when this process's node writes the embedded journal (coordinator role, no PostgreSQL), else null.
    /// <paramref name="command"/> says what holds it, for the message another process gets.
    /// </summary>
    public static JournalLock? AcquireFor(ClusterHostOptions options, string command) =>
        options.PostgresConnectionString is { Length: > 0 } || !options.Roles.Contains(CoordinatorHostingExtensions.CoordinatorRole)
            ? null
            : Acquire(options.DataDir, command);

    /// <summary>Takes the data directory's journal lock, or says who holds it (<see cref="InvalidInputException"/> on <c>--data-dir</c>).</summary>
    public static JournalLock Acquire(string dataDir, string command)
    {
        Directory.CreateDirectory(dataDir);
        var path = PathIn(dataDir);
        FileStream held;
        try
        {
            // FileShare.None is an exclusive flock(2) on Unix (LockFileEx on Windows): a second process's open fails at once.
            held = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException)
        {
            var full = Path.GetFullPath(dataDir);
            throw new InvalidInputException("--data-dir",
                $"{full} is in use by {Holder(dataDir)}, which writes its journal (clusterml.db; one writer at a time). Wait for it to finish "
                + "or stop it (Ctrl-C; its campaigns can be resumed), or give this command its own --data-dir");
        }
        var owner = OwnerPathIn(dataDir);
        AtomicFile.Write(owner, staged => File.WriteAllText(staged,
            $"{Environment.ProcessId.ToString(CultureInfo.InvariantCulture)}\n{command}\n{DateTimeOffset.UtcNow:O}\n"));
        return new JournalLock(held, owner);
    }

    /// <summary>The holder as its owner file names it ("ClusterML process 1234 (campaign run --id a, since …)").</summary>
    private static string Holder(string dataDir)
    {
        try
        {
            var lines = File.ReadAllLines(OwnerPathIn(dataDir));
            if (lines.Length >= 2 && int.TryParse(lines[0], NumberStyles.Integer, CultureInfo.InvariantCulture, out var pid))
            {
                var since = lines.Length >= 3 && DateTimeOffset.TryParse(lines[2], CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out var at)
                    ? $", since {at.ToLocalTime():yyyy-MM-dd HH:mm:ss}"
                    : "";
                return $"ClusterML process {pid} ({lines[1]}{since})";
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // The holder is between taking the lock and naming itself: say what is certain.
        }
        return "another ClusterML process";
    }

    public void Dispose()
    {
        try
        {
            File.Delete(_owner);
        }
        catch (IOException)
        {
            // The next holder overwrites it.
        }
        _held.Dispose();
    }
}
