using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace ClusterML.Cli.Tests;

/// <summary>A real <c>clusterml</c> process (the built clusterml.dll) with its output collected; killed on dispose.</summary>
public sealed class ClusterProcess : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    public ClusterProcess(string workingDirectory, params string[] args)
        : this(workingDirectory, new Dictionary<string, string>(), args)
    {
    }

    public ClusterProcess(string workingDirectory, IReadOnlyDictionary<string, string> environment, params string[] args)
        : this(workingDirectory, environment, [], args)
    {
    }

    private ClusterProcess(string workingDirectory, IReadOnlyDictionary<string, string> environment, string[] wrapper, string[] args)
    {
        var start = new ProcessStartInfo(wrapper.Length > 0 ? wrapper[0] : "dotnet") { RedirectStandardError = true, RedirectStandardOutput = true, WorkingDirectory = workingDirectory };
        foreach (var w in wrapper.Skip(1))
        {
            start.ArgumentList.Add(w);
        }
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "clusterml.dll"));
        foreach (var a in args)
        {
            start.ArgumentList.Add(a);
        }
        start.Environment["CI"] = "true";
        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }
        _process = new Process { StartInfo = start };
        _process.OutputDataReceived += (_, e) => Append(e.Data);
        _process.ErrorDataReceived += (_, e) => Append(e.Data);
        _process.Start();
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    /// <summary>
    /// A clusterml process in its own mount namespace where <paramref name="hidden"/> is covered by an empty tmpfs, so it
    /// cannot read anything in that folder (it exits with 3 before starting if the folder's <paramref name="probe"/> file is
    /// still visible). Needs root and <c>unshare</c> (util-linux); <see cref="CanHideFolders"/> says whether this machine can.
    /// </summary>
    public static ClusterProcess Hiding(string hidden, string probe, string workingDirectory, params string[] args) =>
        new(workingDirectory, new Dictionary<string, string>(),
            ["unshare", "--mount", "--", "sh", "-c", "mount -t tmpfs none \"$0\" && test ! -e \"$1\" || exit 3; shift; exec dotnet \"$@\"", hidden, probe], args);

    /// <summary>
    /// A clusterml process in the network namespace <paramref name="networkNamespace"/> (<c>ip netns exec NAME dotnet …</c>,
    /// which execs, so <see cref="KillHard"/> reaches the node itself). Needs root; the caller creates and deletes the namespace.
    /// </summary>
    public static ClusterProcess InNetworkNamespace(string networkNamespace, string workingDirectory, params string[] args) =>
        new(workingDirectory, new Dictionary<string, string>(), ["ip", "netns", "exec", networkNamespace, "dotnet"], args);

    /// <summary>True when <c>unshare --mount</c> with a tmpfs mount works here (root with CAP_SYS_ADMIN).</summary>
    public static bool CanHideFolders()
    {
        try
        {
            using var probe = Process.Start(new ProcessStartInfo("unshare", ["--mount", "--", "sh", "-c", "mount -t tmpfs none /mnt"]) { RedirectStandardError = true });
            probe!.WaitForExit(10_000);
            return probe.ExitCode == 0;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return false;
        }
    }

    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    public bool HasExited => _process.HasExited;

    /// <summary>The process's id (what lock files name).</summary>
    public int Id => _process.Id;

    public int ExitCode => _process.ExitCode;

    /// <summary>SIGKILL: no shutdown, no hand-off.</summary>
    public void KillHard() => _process.Kill(entireProcessTree: true);

    /// <summary>Sends SIGTERM (what systemd, Slurm and Kubernetes send first): the process should leave cleanly.</summary>
    public void Terminate()
    {
        using var kill = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("kill", ["-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)])
            { UseShellExecute = false })!;
        kill.WaitForExit(10_000);
    }

    public async Task<bool> WaitForExitAsync(TimeSpan timeout)
    {
        using var cancel = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(cancel.Token);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit(10_000);
        }
        _process.Dispose();
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }
        lock (_output)
        {
            _output.AppendLine(line);
        }
    }

    /// <summary>Trial ids a node's verbose log says it started (queued for a slot).</summary>
    public static IEnumerable<string> Queued(string output) =>
        System.Text.RegularExpressions.Regex.Matches(output, @"Trial (t\d+) of campaign \S+ attempt \d+ queued").Select(m => m.Groups[1].Value).Distinct();

    /// <summary>Polls <paramref name="condition"/> every 200 ms; fails with <paramref name="describe"/>'s text after <paramref name="timeout"/>.</summary>
    public static Task WaitUntilAsync(Func<bool> condition, TimeSpan timeout, Func<string> describe) =>
        WaitUntilAsync(() => Task.FromResult(condition()), timeout, describe);

    /// <summary>Waits (checking every 200 ms) until <paramref name="condition"/> holds; fails with <paramref name="describe"/> after <paramref name="timeout"/>.</summary>
    public static async Task WaitUntilAsync(Func<Task<bool>> condition, TimeSpan timeout, Func<string> describe)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, describe());
            await Task.Delay(200);
        }
    }
}
