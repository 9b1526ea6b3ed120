using System.Runtime.InteropServices;
using System.Text.RegularExpressions;
using Microsoft.Win32.SafeHandles;
using Serilog;

namespace ClusterML.Cli.Hosting;

/// <summary>
/// Native libraries (libtorch above all) write warnings straight to file descriptor 2, past Serilog, into the middle of a
/// progress bar or the live view ("[W… optimizer.cpp:138] Warning: Optimizer::parameters() will be removed…"). On Linux
/// and macOS the process's standard error becomes a pipe read by a background thread: libtorch's lines go through Serilog
/// (known noise at debug level, other warnings as warnings), anything else is copied to the real standard error unchanged.
/// .NET's own <see cref="Console.Error"/> writes to the real standard error directly. Set CLUSTERML_NATIVE_STDERR=raw to
/// leave file descriptor 2 alone.
/// </summary>
internal static partial class NativeErrorOutput
{
    private static int _original = -1;
    private static Thread? _reader;
    private static TextWriter? _stderr;

    /// <summary>The logger of the running command (set while one runs); lines read before that are copied through.</summary>
    public static ILogger? Logger { get; set; }

    /// <summary>Whether standard error was a terminal before <see cref="Capture"/> made it a pipe.</summary>
    public static bool ErrorIsTerminal { get; private set; } = !Console.IsErrorRedirected;

    /// <summary>Libtorch's warnings that say nothing to a user of ClusterML (deprecations inside TorchSharp's bindings).</summary>
    private static readonly string[] Noise = ["Optimizer::parameters() will be removed"];

    /// <summary>glog-style lines of c10: <c>[W1202 02:22:48.822136182 optimizer.cpp:138] Warning: text (function name)</c>.</summary>
    [GeneratedRegex(@"^\[(?<level>[IWEF])\d{4} [0-9:.]+ (?:\d+ )?(?<source>[^\]]+)\] (?:Warning: )?(?<text>.*)$")]
    private static partial Regex TorchLine();

    /// <summary>Routes file descriptor 2 through the pipe; returns the writer for .NET's standard error (the real one).</summary>
    public static TextWriter Capture()
    {
        ErrorIsTerminal = !Console.IsErrorRedirected;
        if (!(OperatingSystem.IsLinux() || OperatingSystem.IsMacOS()) || Environment.GetEnvironmentVariable("CLUSTERML_NATIVE_STDERR") == "raw")
        {
            return Console.Error;
        }
        var fds = new int[2];
        var original = dup(2);
        if (original < 0 || pipe(fds) != 0)
        {
            return Console.Error;
        }
        if (dup2(fds[1], 2) < 0)
        {
            close(fds[0]);
            close(fds[1]);
            close(original);
            return Console.Error;
        }
        close(fds[1]);
        _original = original;
        var duplicate = dup(original); // the writer owns its own descriptor; _original stays for Release
        _stderr = TextWriter.Synchronized(new StreamWriter(new FileStream(new SafeFileHandle(duplicate, ownsHandle: true), FileAccess.Write, 1), new System.Text.UTF8Encoding(false)) { AutoFlush = true });
        Console.SetError(_stderr);
        // The runtime prints an unhandled exception to file descriptor 2 as the process dies, faster than the reader
        // drains the pipe: print it to the real standard error first.
        AppDomain.CurrentDomain.UnhandledException += (_, e) => _stderr.WriteLine($"Unhandled exception: {e.ExceptionObject}");
        var read = new FileStream(new SafeFileHandle(fds[0], ownsHandle: true), FileAccess.Read, 1);
        _reader = new Thread(() => Pump(read)) { IsBackground = true, Name = "native-stderr" };
        _reader.Start();
        return _stderr;
    }

    /// <summary>Gives file descriptor 2 back (the pipe's writer closes, the reader drains what is left) before the process exits.</summary>
    public static void Release()
    {
        if (_original < 0)
        {
            return;
        }
        dup2(_original, 2);
        close(_original);
        _original = -1;
        _reader?.Join(TimeSpan.FromSeconds(2));
    }

    private static void Pump(Stream read)
    {
        using var reader = new StreamReader(read);
        while (reader.ReadLine() is { } line)
        {
            Route(line);
        }
    }

    /// <summary>One line that native code wrote to standard error.</summary>
    internal static void Route(string line)
    {
        var match = TorchLine().Match(line);
        var log = Logger;
        if (!match.Success || log is null)
        {
            (_stderr ?? Console.Error).WriteLine(line);
            return;
        }
        var text = match.Groups["text"].Value;
        var source = match.Groups["source"].Value;
        if (Noise.Any(n => text.Contains(n, StringComparison.Ordinal)))
        {
            log.Debug("libtorch ({Source}): {Text}", source, text);
        }
        else if (match.Groups["level"].Value is "E" or "F")
        {
            log.Error("libtorch ({Source}): {Text}", source, text);
        }
        else
        {
            log.Warning("libtorch ({Source}): {Text}", source, text);
        }
    }

    [DllImport("libc", SetLastError = true)]
    private static extern int dup(int fd);

    [DllImport("libc", SetLastError = true)]
    private static extern int dup2(int fd, int fd2);

    [DllImport("libc", SetLastError = true)]
    private static extern int pipe(int[] fds);

    [DllImport("libc", SetLastError = true)]
    private static extern int close(int fd);
}
