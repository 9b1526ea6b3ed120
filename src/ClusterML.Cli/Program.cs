using ClusterML.Cli;

// Commands block pool threads on purpose (a fit coordinator waits for its shards; engines run long tensor work), and the
// actors run on the same pool: start it wide enough that nobody waits for the pool to grow (it adds ~2 threads a second).
ThreadPool.GetMinThreads(out var workers, out var io);
ThreadPool.SetMinThreads(Math.Max(workers, 8 * Environment.ProcessorCount), io);
// Native libraries' warnings (libtorch) go through the command's logger instead of into the progress bar.
var error = ClusterML.Cli.Hosting.NativeErrorOutput.Capture();
try
{
    return await ClusterMLApp.RunAsync(args, Console.Out, error);
}
finally
{
    ClusterML.Cli.Hosting.NativeErrorOutput.Release();
}
