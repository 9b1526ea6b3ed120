namespace ClusterML.Core.IO;

/// <summary>Questions about other processes on this machine.</summary>
public static class Processes
{
    /// <summary>
    /// True while a process with id <paramref name="pid"/> runs (lock files and temporary files name their writer by it). A
    /// zombie (killed, not yet reaped by its parent, as under a container's init that does not reap) does not run: its locks
    /// are stale.
    /// </summary>
    public static bool IsAlive(int pid)
    {
        try
        {
            using var process = System.Diagnostics.Process.GetProcessById(pid);
            return !process.HasExited && !IsZombie(pid);
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    /// <summary>Linux: the state field of /proc/PID/stat (after the parenthesised command name) is Z or X.</summary>
    private static bool IsZombie(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var close = stat.LastIndexOf(')');
            return close >= 0 && close + 2 < stat.Length && stat[close + 2] is 'Z' or 'X';
        }
        catch (IOException)
        {
            return false; // no /proc (not Linux) or the process just went: HasExited answers
        }
        catch (UnauthorizedAccessException)
        {
            return false;
        }
    }
}
