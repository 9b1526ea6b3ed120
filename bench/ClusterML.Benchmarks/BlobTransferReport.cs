using System.Diagnostics;
using System.Globalization;
using Akka.Actor;
using Akka.Cluster;
using ClusterML.Cli.Hosting;
using ClusterML.Cluster.Files;
using ClusterML.Core.Files;
using ClusterML.Core.Messages;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Serilog;

namespace ClusterML.Benchmarks;

/// <summary>
/// A large input through the cluster: two processes of this program on loopback, a serving node that holds a file (default
/// 2 GiB) as a blob and a fetching node that streams it into its blob store (hash and size checked), against <c>cp</c> of the
/// same file measured in the same run. The driver samples both processes' resident memory (VmRSS) every 20 ms and reports
/// the peak during the transfer above each one's idle size just before it.
/// Run with <c>dotnet run -c Release --project bench/ClusterML.Benchmarks -- blob-transfer [GiB]</c>.
/// </summary>
public static class BlobTransferReport
{
    public static void Run(string[] args)
    {
        var gib = args.Length > 0 ? double.Parse(args[0], CultureInfo.InvariantCulture) : 2.0;
        var folder = Directory.CreateTempSubdirectory("clusterml-blob-transfer-").FullName;
        var processes = new List<Process>();
        try
        {
            var source = Path.Combine(folder, "big.bin");
            var bytes = (long)(gib * (1L << 30));
            WriteFile(source, bytes);
            var (sha256, size) = BlobStore.HashFileAsync(source).GetAwaiter().GetResult();

            // Baseline: cp of the same file (page cache warm for both, as the file was just written and hashed).
            var copy = Stopwatch.StartNew();
            using (var cp = Process.Start("cp", [source, Path.Combine(folder, "copy.bin")]))
            {
                cp.WaitForExit();
            }
            var cpSeconds = copy.Elapsed.TotalSeconds;
            File.Delete(Path.Combine(folder, "copy.bin"));

            var server = Start(folder, processes, "blob-node", "serve", Path.Combine(folder, "server"), source, sha256);
            var address = server.Lines.Take();
            var fetcher = Start(folder, processes, "blob-node", "fetch", Path.Combine(folder, "fetcher"), address, sha256, size.ToString(CultureInfo.InvariantCulture));
            if (fetcher.Lines.Take() != "ready")
            {
                throw new InvalidOperationException("the fetching node did not start");
            }
            Thread.Sleep(1000);
            var idle = (Server: Rss(server.Process), Fetcher: Rss(fetcher.Process));
            var peak = idle;
            var cpuBefore = (Server: server.Process.TotalProcessorTime, Fetcher: fetcher.Process.TotalProcessorTime);
            fetcher.Process.StandardInput.WriteLine("go");
            string? done = null;
            while (done is null)
            {
                peak = (Math.Max(peak.Server, Rss(server.Process)), Math.Max(peak.Fetcher, Rss(fetcher.Process)));
                fetcher.Lines.TryTake(out done, 20);
            }
            var seconds = double.Parse(done.Split(' ')[1], CultureInfo.InvariantCulture);
            var rawSeconds = double.Parse(done.Split(' ')[2], CultureInfo.InvariantCulture);
            server.Process.Refresh();
            var cpu = (Server: (server.Process.TotalProcessorTime - cpuBefore.Server).TotalSeconds, Fetcher: (fetcher.Process.TotalProcessorTime - cpuBefore.Fetcher).TotalSeconds);
            var mb = size / 1e6;
            Console.WriteLine("| case | size | cp s | cp MB/s | cluster s | cluster MB/s | ÷ cp | serving peak − idle | fetching peak − idle |");
            Console.WriteLine("|---|---:|---:|---:|---:|---:|---:|---:|---:|");
            Console.WriteLine($"| blob fetch over loopback (stream refs, 64 KiB chunks, SHA-256 checked) | {Bytes.Show(size)} | {cpSeconds:F2} | {mb / cpSeconds:F0} | {seconds:F2} | {mb / seconds:F0} | {cpSeconds / seconds:F2} | {(peak.Server - idle.Server) / 1e6:F0} MB | {(peak.Fetcher - idle.Fetcher) / 1e6:F0} MB |");
            Console.WriteLine($"| reference: Akka.Remote alone, 64 KiB request/reply (64 in flight) | {Bytes.Show(size)} | | | {rawSeconds:F2} | {mb / rawSeconds:F0} | {cpSeconds / rawSeconds:F2} | | |");
            Console.WriteLine($"idle RSS: serving {idle.Server / 1e6:F0} MB, fetching {idle.Fetcher / 1e6:F0} MB; CPU during the transfer: serving {cpu.Server:F1} s, fetching {cpu.Fetcher:F1} s");
        }
        finally
        {
            foreach (var process in processes)
            {
                if (!process.HasExited)
                {
                    process.Kill(entireProcessTree: true);
                }
                process.Dispose();
            }
            Directory.Delete(folder, recursive: true);
        }
    }

    /// <summary>A child process: <c>serve DIR FILE SHA256</c> (print the address, serve until killed) or <c>fetch DIR SEED SHA256 SIZE</c>.</summary>
    public static void Node(string[] args)
    {
        using var log = new LoggerConfiguration().MinimumLevel.Warning().WriteTo.Console(standardErrorFromLevel: Serilog.Events.LogEventLevel.Verbose).CreateLogger();
        var serve = args[0] == "serve";
        var dataDir = args[1];
        var options = new ClusterHostOptions(["worker"], "127.0.0.1", 0, serve ? [] : [args[2]], 1, dataDir, null);
        var store = new BlobStore(ClusterHostOptions.BlobsPathIn(dataDir), 1L << 40);
        var (host, _) = ClusterHost.Build(options, log, [], store);
        host.Start();
        var system = host.Services.GetRequiredService<ActorSystem>();
        var up = new ManualResetEventSlim();
        Akka.Cluster.Cluster.Get(system).RegisterOnMemberUp(up.Set);
        up.Wait(TimeSpan.FromSeconds(30));
        if (serve)
        {
            using var exposed = store.Expose(args[3], args[2]);
            system.ActorOf(Props.Create(() => new Echo()), "echo");
            Console.WriteLine(Akka.Cluster.Cluster.Get(system).SelfAddress.ToString());
            Thread.Sleep(Timeout.Infinite);
        }
        var files = new NodeFiles(system, store, dataDir);
        var blob = new BlobRef(args[3], "big.bin", long.Parse(args[4], CultureInfo.InvariantCulture));
        GC.Collect();
        Console.WriteLine("ready");
        Console.ReadLine();
        var clock = Stopwatch.StartNew();
        var (_, lease) = files.AcquireAsync(blob, [Address.Parse(args[2])], CancellationToken.None).GetAwaiter().GetResult();
        var blobSeconds = clock.Elapsed.TotalSeconds;
        var rawSeconds = RawRemoting(system, Address.Parse(args[2]), (int)(blob.Size / NodeFiles.ChunkSize));
        Console.WriteLine($"done {blobSeconds.ToString("R", CultureInfo.InvariantCulture)} {rawSeconds.ToString("R", CultureInfo.InvariantCulture)}");
        lease.Dispose();
        host.StopAsync().GetAwaiter().GetResult();
    }

    /// <summary>
    /// The transport alone, for reference: <paramref name="count"/> request/reply pairs with the serving node's echo actor, each
    /// reply one <see cref="NodeFiles.ChunkSize"/> chunk (64 requests in flight), no streams, files or hashes. Returns seconds.
    /// </summary>
    private static double RawRemoting(ActorSystem system, Address server, int count)
    {
        var echo = system.ActorSelection(new RootActorPath(server) / "user" / "echo").ResolveOne(TimeSpan.FromSeconds(10)).GetAwaiter().GetResult();
        var clock = Stopwatch.StartNew();
        using var window = new SemaphoreSlim(64);
        var replies = new List<Task>(count);
        for (var i = 0; i < count; i++)
        {
            window.Wait();
            replies.Add(echo.Ask<BlobChunk>(new FetchBlob("echo"), TimeSpan.FromSeconds(30)).ContinueWith(_ => window.Release(), TaskScheduler.Default));
        }
        Task.WaitAll([.. replies]);
        return clock.Elapsed.TotalSeconds;
    }

    /// <summary>Answers every request with one chunk of zeros (the raw-remoting reference).</summary>
    private sealed class Echo : ReceiveActor
    {
        public Echo()
        {
            var chunk = new BlobChunk(new byte[NodeFiles.ChunkSize]);
            Receive<FetchBlob>(_ => Sender.Tell(chunk));
        }
    }

    private static void WriteFile(string path, long bytes)
    {
        var block = new byte[1 << 20];
        var random = new Random(1);
        using var file = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 20);
        for (long written = 0; written < bytes; written += block.Length)
        {
            random.NextBytes(block.AsSpan(0, 4096)); // every MiB differs; the rest of the block is left as it was
            file.Write(block, 0, (int)Math.Min(block.Length, bytes - written));
        }
    }

    private static long Rss(Process process)
    {
        try
        {
            var line = File.ReadLines($"/proc/{process.Id}/status").First(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
            return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) * 1024;
        }
        catch (IOException)
        {
            return 0;
        }
    }

    private sealed record Child(Process Process, System.Collections.Concurrent.BlockingCollection<string> Lines);

    private static Child Start(string folder, List<Process> processes, params string[] args)
    {
        var start = new ProcessStartInfo("dotnet") { WorkingDirectory = folder, RedirectStandardOutput = true, RedirectStandardInput = true, RedirectStandardError = true };
        start.ArgumentList.Add(typeof(BlobTransferReport).Assembly.Location);
        foreach (var a in args)
        {
            start.ArgumentList.Add(a);
        }
        var process = Process.Start(start)!;
        processes.Add(process);
        var lines = new System.Collections.Concurrent.BlockingCollection<string>();
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is { } line)
            {
                lines.Add(line);
            }
        };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is { } line)
            {
                Console.Error.WriteLine(line);
            }
        };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return new Child(process, lines);
    }
}
