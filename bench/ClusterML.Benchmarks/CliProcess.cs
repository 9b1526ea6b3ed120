using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace ClusterML.Benchmarks;

/// <summary>The built <c>clusterml</c> program as a child process of a benchmark, and a free loopback port for a coordinator.</summary>
internal static class CliProcess
{
    /// <summary>Starts <c>clusterml ARGS</c> in <paramref name="workingDirectory"/>; its output goes to <paramref name="output"/> (or nowhere).</summary>
    public static Process Start(string workingDirectory, StringBuilder? output, params string[] args)
    {
        var start = new ProcessStartInfo("dotnet") { WorkingDirectory = workingDirectory, RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "clusterml.dll"));
        foreach (var a in args)
        {
            start.ArgumentList.Add(a);
        }
        start.Environment["CI"] = "true";
        var process = Process.Start(start)!;
        void Append(string? line)
        {
            if (line is not null && output is not null)
            {
                lock (output)
                {
                    output.AppendLine(line);
                }
            }
        }
        process.OutputDataReceived += (_, e) => Append(e.Data);
        process.ErrorDataReceived += (_, e) => Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
