using System.Diagnostics;
using ClusterML.Core.IO;

namespace ClusterML.Core.Tests.IO;

public sealed class ProcessesTests
{
    [Fact]
    public void A_running_process_should_be_alive_and_a_finished_one_not()
    {
        Assert.True(Processes.IsAlive(Environment.ProcessId));
        using var done = Process.Start(new ProcessStartInfo("true") { UseShellExecute = false })!;
        done.WaitForExit();
        Assert.False(Processes.IsAlive(done.Id));
    }

    /// <summary>
    /// A killed process that its parent has not reaped stays in the process table as a zombie (in containers whose init does
    /// not reap, for good): its lock files are stale, so `campaign resume` must not take it for a live driver.
    /// </summary>
    [Fact]
    public void A_zombie_should_not_be_alive()
    {
        if (!OperatingSystem.IsLinux() || !File.Exists("/bin/bash"))
        {
            VisibleSkip.Because("needs Linux and bash");
        }
        // The background child exits after the shell has become `sleep` (exec), which never waits for children: it stays a
        // zombie. (A child that exits before the exec is reaped by bash itself.)
        using var parent = Process.Start(new ProcessStartInfo("/bin/bash", ["-c", "sleep 0.5 & echo $!; exec sleep 8"]) { RedirectStandardOutput = true, UseShellExecute = false })!;
        try
        {
            var child = int.Parse(parent.StandardOutput.ReadLine()!, System.Globalization.CultureInfo.InvariantCulture);
            var deadline = DateTime.UtcNow.AddSeconds(5);
            while (!File.ReadAllText($"/proc/{child}/stat").Contains(") Z", StringComparison.Ordinal) && DateTime.UtcNow < deadline)
            {
                Thread.Sleep(20);
            }
            Assert.Contains(") Z", File.ReadAllText($"/proc/{child}/stat"), StringComparison.Ordinal);
            Assert.False(Processes.IsAlive(child));
            Assert.True(Processes.IsAlive(parent.Id));
        }
        finally
        {
            parent.Kill();
            parent.WaitForExit();
        }
    }
}
