using Spectre.Console;

namespace ClusterML.Cli.Hosting;

/// <summary>
/// Runs long synchronous work off the calling thread and shows its progress: a Spectre.Console bar on an interactive
/// terminal (standard error), otherwise one log line per tenth of the work.
/// </summary>
internal static class ProgressDisplay
{
    private static readonly TimeSpan PlainLogInterval = TimeSpan.FromSeconds(3);

    public static async Task<T> RunAsync<T>(CommandContext context, string title, Func<IProgress<double>, T> work)
    {
        if (context.Interactive)
        {
            var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) });
            return await console.Progress()
                .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn(), new RemainingTimeColumn())
                .StartAsync(async progress =>
                {
                    var task = progress.AddTask(title, maxValue: 1.0);
                    var result = await Task.Run(() => work(new Sink(value => task.Value = value)));
                    task.Value = 1.0;
                    return result;
                });
        }
        // Plain lines for logs and pipes: one per tenth of the work, at most one every few seconds, none for quick work.
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var lastTenth = 0;
        var lastLog = TimeSpan.Zero;
        return await Task.Run(() => work(new Sink(value =>
        {
            var tenth = (int)Math.Floor(value * 10);
            if (tenth > lastTenth && clock.Elapsed - lastLog >= PlainLogInterval)
            {
                lastTenth = tenth;
                lastLog = clock.Elapsed;
                context.Log.Information("{Title}: {Percent}% after {Seconds:F0} s", title, tenth * 10, clock.Elapsed.TotalSeconds);
            }
        })));
    }

    /// <summary>Reports synchronously on the worker thread (unlike <see cref="Progress{T}"/>, which posts to the thread pool).</summary>
    private sealed class Sink(Action<double> report) : IProgress<double>
    {
        public void Report(double value) => report(value);
    }
}
