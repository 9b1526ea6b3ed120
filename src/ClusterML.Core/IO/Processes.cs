namespace ClusterML.Core.IO;

/// <summary>Questions about other processes on this machine.</summary>
public static class Processes
{
    /// <summary>True while a process with id <paramref name="pid"/> runs (lock files and temporary files name their writer by it).</summary>
    public static bool IsAlive(int pid)
    {
        try
        {
            using var process = System.Diagnostics.Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }
}
