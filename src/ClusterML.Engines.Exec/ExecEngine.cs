using System.Collections.Immutable;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using ClusterML.Core.Engines;
using ClusterML.Core.Specs;
using ClusterML.Core.Validation;
using Microsoft.Extensions.FileSystemGlobbing;

namespace ClusterML.Engines.Exec;

/// <summary>
/// Runs any program as a trial (<see cref="ExecTrialSpec"/>). The working folder is <see cref="RunContext.ArtifactDirectory"/>
/// when given, else a fresh temporary folder removed afterwards. Inputs are copied into it under their original names (a
/// copy, not a link: the program may change its copy without touching the worker's blob store) and removed after the run
/// unless an output pattern names them. The environment is this process's plus <c>CLUSTERML_TRIAL_DIR</c>,
/// <c>CLUSTERML_SEED</c>, <c>CLUSTERML_PARAM_NAME</c> per parameter (upper case, other characters as <c>_</c>), then the
/// spec's. stdout and stderr go to <c>stdout.txt</c> and <c>stderr.txt</c> (made only when the program writes there); every metric line on stdout
/// (<see cref="ExecMetricLine"/>) is reported at once as progress (stage <c>exec</c>, epoch = step, total unknown = 0), so
/// ASHA can stop the trial; stopping kills the whole process tree. Deterministic only as far as the program is.
/// Thread-safe: holds no state between calls.
/// </summary>
public sealed class ExecEngine : Engine<ExecTrialSpec>, IEngine
{
    /// <summary>
    /// The <c>exec</c> engine: settings as <see cref="ExecSettings"/> reads them; every setting it does not know is a parameter
    /// of the program, so none is refused as unknown.
    /// </summary>
    public static EngineRegistration Registration { get; } = new EngineRegistration<ExecTrialSpec>(
        "exec", "any program: hyperparameters substituted into its command line, metrics read from its output",
        s => ExecSettings.Read(s.TakeAll(), s.SpecPath), () => new ExecEngine());

    /// <summary>The file that receives the program's standard output.</summary>
    public const string StdoutFile = "stdout.txt";

    /// <summary>The file that receives the program's standard error.</summary>
    public const string StderrFile = "stderr.txt";

    /// <summary>The progress stage of exec trials.</summary>
    public const string Stage = "exec";

    private const int TailLines = 20;

    /// <summary>How long the output readers may lag behind the program's exit (a background child can hold the pipes open).</summary>
    private static readonly TimeSpan DrainGrace = TimeSpan.FromSeconds(2);

    /// <summary>Structural checks: a program to run, well-formed templates, relative output patterns, a positive timeout.</summary>
    void IEngine.Check(ITrialSpec spec)
    {
        if (spec is ExecTrialSpec exec)
        {
            Validate(exec);
        }
    }

    private static void Validate(ExecTrialSpec spec)
    {
        if (spec.Command.IsDefaultOrEmpty || spec.Command[0].Trim().Length == 0)
        {
            throw new InvalidInputException("command", "is required: the program and its arguments");
        }
        var values = PlaceholderValues(spec, "/", 0);
        foreach (var template in spec.Command)
        {
            try
            {
                ExecTemplate.Substitute(template, values);
            }
            catch (Exception e) when (e is FormatException or KeyNotFoundException)
            {
                throw new InvalidInputException("command", $"in '{template}': {e.Message}");
            }
        }
        foreach (var (name, template) in spec.EnvironmentOrEmpty)
        {
            try
            {
                ExecTemplate.Substitute(template, values);
            }
            catch (Exception e) when (e is FormatException or KeyNotFoundException)
            {
                throw new InvalidInputException($"env.{name}", $"in '{template}': {e.Message}");
            }
        }
        foreach (var input in spec.InputsOrEmpty)
        {
            // The name comes over the wire: it must not place the copy outside the trial folder.
            if (input.FileName.Length == 0 || input.FileName is "." or ".." || input.FileName.IndexOfAny(['/', '\\', '\0']) >= 0
                || input.FileName is StdoutFile or StderrFile)
            {
                throw new InvalidInputException($"inputs.{input.Name}", $"'{input.FileName}' is not a file name for the trial folder");
            }
        }
        if (spec.TimeoutSeconds is { } t && !(t > 0))
        {
            throw new InvalidInputException("timeout", $"must be more than 0 s (got {t.ToString(CultureInfo.InvariantCulture)})");
        }
        foreach (var (key, pattern) in spec.OutputsOrEmpty.Select(o => ("outputs", o)).Append(("metrics_file", spec.MetricsFile ?? "metrics.json")))
        {
            if (pattern.Length == 0 || Path.IsPathRooted(pattern) || pattern.Replace('\\', '/').Split('/').Contains(".."))
            {
                throw new InvalidInputException(key, $"'{pattern}' must be relative to the trial folder and inside it");
            }
        }
    }

    protected override TrainingOutcome Train(ExecTrialSpec spec, RunContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(context);
        Validate(spec);
        cancellationToken.ThrowIfCancellationRequested();
        var temporary = context.ArtifactDirectory is null;
        var folder = temporary ? Directory.CreateTempSubdirectory("clusterml-exec-").FullName : Path.GetFullPath(context.ArtifactDirectory!);
        Directory.CreateDirectory(folder);
        var staged = new List<string>();
        try
        {
            foreach (var input in spec.InputsOrEmpty)
            {
                var copy = Path.Combine(folder, input.FileName);
                if (!string.Equals(Path.GetFullPath(input.Path), copy, StringComparison.Ordinal))
                {
                    File.Copy(input.Path, copy, overwrite: true);
                    staged.Add(copy);
                }
            }
            var outcome = Run(spec, context, folder, cancellationToken);
            return temporary ? outcome with { Artifacts = [] } : outcome;
        }
        finally
        {
            if (temporary)
            {
                TryDelete(() => Directory.Delete(folder, recursive: true));
            }
            else
            {
                var kept = Glob(folder, spec.OutputsOrEmpty).Select(f => Path.Combine(folder, f)).ToHashSet(StringComparer.Ordinal);
                foreach (var copy in staged.Where(c => !kept.Contains(c)))
                {
                    TryDelete(() => File.Delete(copy));
                }
            }
        }
    }

    private static TrainingOutcome Run(ExecTrialSpec spec, RunContext context, string folder, CancellationToken cancellationToken)
    {
        var values = PlaceholderValues(spec, folder, context.Seed);
        var start = new ProcessStartInfo
        {
            WorkingDirectory = folder,
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
        };
        if (spec.Shell)
        {
            start.FileName = "/bin/sh";
            start.ArgumentList.Add("-c");
            start.ArgumentList.Add(string.Join(' ', spec.Command.Select(t => ExecTemplate.Substitute(t, values, ExecTemplate.ShellQuote))));
            MakeExecutable(folder, spec.Command[0].Split(' ', 2)[0]);
        }
        else
        {
            var arguments = spec.Command.Select(t => ExecTemplate.Substitute(t, values)).ToArray();
            start.FileName = MakeExecutable(folder, arguments[0]) ?? arguments[0];
            foreach (var argument in arguments.Skip(1))
            {
                start.ArgumentList.Add(argument);
            }
        }
        foreach (var (name, value) in spec.ParametersOrEmpty)
        {
            start.Environment["CLUSTERML_PARAM_" + EnvironmentName(name)] = value;
        }
        start.Environment["CLUSTERML_TRIAL_DIR"] = folder;
        start.Environment["CLUSTERML_SEED"] = context.Seed.ToString(CultureInfo.InvariantCulture);
        foreach (var (name, template) in spec.EnvironmentOrEmpty)
        {
            start.Environment[name] = ExecTemplate.Substitute(template, values);
        }

        var metrics = new MetricsLog(spec.Loss, context.Progress);
        foreach (var stale in new[] { StdoutFile, StderrFile })
        {
            File.Delete(Path.Combine(folder, stale)); // a reused folder's earlier output is not this run's (the files are made lazily)
        }
        using var process = new Process { StartInfo = start };
        try
        {
            process.Start();
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new ExecTrialException($"cannot start {start.FileName}: {e.Message}", null, e);
        }
        process.StandardInput.Close();
        using var stopReading = new CancellationTokenSource();
        var stdoutTail = new Queue<string>();
        var stderrTail = new Queue<string>();
        var stdout = Task.Run(() => Pump(process.StandardOutput, Path.Combine(folder, StdoutFile), stdoutTail, metrics.Add, stopReading.Token));
        var stderr = Task.Run(() => Pump(process.StandardError, Path.Combine(folder, StderrFile), stderrTail, null, stopReading.Token));

        var timeout = spec.TimeoutSeconds is { } seconds ? TimeSpan.FromSeconds(seconds) : Timeout.InfiniteTimeSpan;
        using var timer = new CancellationTokenSource(timeout);
        using var either = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timer.Token);
        var ended = false;
        try
        {
            process.WaitForExitAsync(either.Token).GetAwaiter().GetResult();
            ended = true;
        }
        catch (OperationCanceledException)
        {
            KillTree(process);
        }
        finally
        {
            if (!ended)
            {
                process.WaitForExit();
            }
            if (!Task.WaitAll([stdout, stderr], DrainGrace))
            {
                stopReading.Cancel();
                Task.WaitAll([stdout, stderr], DrainGrace);
            }
        }
        if (!ended)
        {
            cancellationToken.ThrowIfCancellationRequested();
            throw new TimeoutException($"the program timed out after {Show(timeout)} and was killed with its child processes{Tail(stderrTail, stdoutTail)}");
        }
        if (process.ExitCode != 0)
        {
            var signal = OperatingSystem.IsWindows() || process.ExitCode <= 128 ? "" : $" (signal {process.ExitCode - 128} if a signal ended it)";
            throw new ExecTrialException($"the program exited with code {process.ExitCode}{signal}{Tail(stderrTail, stdoutTail)}", process.ExitCode);
        }

        var final = metrics.Final();
        if (spec.MetricsFile is { } file && File.Exists(Path.Combine(folder, file)))
        {
            foreach (var (name, value) in ReadMetricsFile(Path.Combine(folder, file)))
            {
                final.Set(name, value);
            }
        }
        // The program's output is kept when there is any: an empty file says nothing, and a trial whose only file is its log
        // lands in the results store instead of a folder of its own (10⁵ trials of a quiet program make no 10⁵ folders).
        var artifacts = new[] { StdoutFile, StderrFile }.Where(f => File.Exists(Path.Combine(folder, f))).ToList();
        if (spec.MetricsFile is { } mf && File.Exists(Path.Combine(folder, mf)))
        {
            artifacts.Add(mf.Replace('\\', '/'));
        }
        artifacts.AddRange(Glob(folder, spec.OutputsOrEmpty).Where(a => !artifacts.Contains(a)));
        if (final.Count == 0)
        {
            if (spec.MetricsFile is null && spec.Loss is null)
            {
                // Nothing asked for metrics: a sweep that only runs the program (and collects its files) completes without a loss.
                return new TrainingOutcome(double.NaN, [], [], new Dictionary<string, double>(), artifacts);
            }
            throw new ExecTrialException($"the program reported no metrics: no '{ExecMetricLine.Marker} name=value' line on stdout"
                + (spec.MetricsFile is { } f ? $" and no metrics file {f} in the trial folder" : " (loss is set, so a metric is expected)"), 0);
        }
        var lossName = metrics.LossName(final.Names);
        if (!final.TryGet(lossName, out var loss))
        {
            throw new ExecTrialException($"the loss metric '{lossName}' was not reported (reported: {string.Join(", ", final.Names)})", 0);
        }

        return new TrainingOutcome(loss, metrics.Curve(lossName), [], final.ToDictionary(), artifacts);
    }

    /// <summary>Values of every placeholder: parameters, <c>trial_dir</c>, <c>seed</c>, <c>inputs.NAME</c> (the copy in the folder).</summary>
    private static Dictionary<string, string> PlaceholderValues(ExecTrialSpec spec, string folder, int seed)
    {
        var values = new Dictionary<string, string>(spec.ParametersOrEmpty, StringComparer.Ordinal)
        {
            [ExecTemplate.TrialDir] = folder,
            [ExecTemplate.Seed] = seed.ToString(CultureInfo.InvariantCulture),
        };
        foreach (var input in spec.InputsOrEmpty)
        {
            values[ExecTemplate.InputPrefix + input.Name] = Path.Combine(folder, input.FileName);
        }
        return values;
    }

    /// <summary>
    /// The full path of <paramref name="program"/> when it is a relative path to a file in the folder (made executable: a copied
    /// input loses nothing but may never have had the bit), else null (a program found on PATH or an absolute path).
    /// </summary>
    private static string? MakeExecutable(string folder, string program)
    {
        if (program.Length == 0 || Path.IsPathRooted(program))
        {
            return null;
        }
        var path = Path.Combine(folder, program);
        if (!File.Exists(path))
        {
            return null;
        }
        if (!OperatingSystem.IsWindows())
        {
            var mode = File.GetUnixFileMode(path);
            if ((mode & UnixFileMode.UserExecute) == 0)
            {
                File.SetUnixFileMode(path, mode | UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute);
            }
        }
        return path;
    }

    private static string EnvironmentName(string name) =>
        string.Concat(name.Select(c => char.IsAsciiLetterOrDigit(c) ? char.ToUpperInvariant(c) : '_'));

    /// <summary>
    /// Copies one stream of the program to <paramref name="path"/> line by line, keeping the last lines. The file is created
    /// with the first line: a quiet program makes no file (creating and deleting two empty files per run was the largest
    /// cost of a thousand tiny trials, ext4's inode allocation looking through recently deleted inodes).
    /// </summary>
    private static async Task Pump(StreamReader reader, string path, Queue<string> tail, Action<string>? line, CancellationToken token)
    {
        StreamWriter? writer = null;
        try
        {
            while (await reader.ReadLineAsync(token).ConfigureAwait(false) is { } text)
            {
                writer ??= new StreamWriter(path, append: false, new UTF8Encoding(false));
                await writer.WriteLineAsync(text).ConfigureAwait(false);
                lock (tail)
                {
                    tail.Enqueue(text);
                    if (tail.Count > TailLines)
                    {
                        tail.Dequeue();
                    }
                }
                line?.Invoke(text);
            }
        }
        catch (OperationCanceledException)
        {
            // A child the program left running holds the pipe open; what it writes later is not the trial's.
        }
        finally
        {
            if (writer is not null)
            {
                await writer.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    private static void KillTree(Process process)
    {
        try
        {
            process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // It exited between the wait and the kill.
        }
    }

    private static IReadOnlyList<KeyValuePair<string, double>> ReadMetricsFile(string path)
    {
        try
        {
            using var document = JsonDocument.Parse(File.ReadAllBytes(path));
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                throw new ExecTrialException($"the metrics file {Path.GetFileName(path)} must hold a JSON object of name: number, not {document.RootElement.ValueKind}", 0);
            }
            // Numbers only: a flat object may carry text (a run label) that is no metric.
            return [.. document.RootElement.EnumerateObject()
                .Where(p => p.Value.ValueKind == JsonValueKind.Number)
                .Select(p => new KeyValuePair<string, double>(p.Name, p.Value.GetDouble()))];
        }
        catch (JsonException e)
        {
            throw new ExecTrialException($"the metrics file {Path.GetFileName(path)} is not valid JSON: {e.Message}", 0, e);
        }
    }

    private static IReadOnlyList<string> Glob(string folder, IReadOnlyList<string> patterns)
    {
        if (patterns.Count == 0)
        {
            return [];
        }
        var matcher = new Matcher(StringComparison.Ordinal);
        matcher.AddIncludePatterns(patterns);
        return [.. matcher.GetResultsInFullPath(folder).Select(p => Path.GetRelativePath(folder, p).Replace('\\', '/')).Order(StringComparer.Ordinal)];
    }

    private static string Tail(Queue<string> stderr, Queue<string> stdout)
    {
        var (name, lines) = stderr.Count > 0 ? (StderrFile, stderr) : (StdoutFile, stdout);
        lock (lines)
        {
            return lines.Count == 0 ? "; it wrote nothing" : $"; last lines of {name}:\n" + string.Join('\n', lines);
        }
    }

    private static string Show(TimeSpan span) =>
        span.TotalSeconds < 120 ? $"{span.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture)} s" : span.ToString(@"d\.hh\:mm\:ss", CultureInfo.InvariantCulture);

    private static void TryDelete(Action delete)
    {
        try
        {
            delete();
        }
        catch (IOException)
        {
            // Left for the OS's temp cleaning: a program may keep a file open after it exited (a daemon it started).
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    /// <summary>Metric lines as they arrive (from the stdout reader, one thread), reported as progress in order.</summary>
    private sealed class MetricsLog(string? loss, IProgress<TrainingProgress>? progress)
    {
        private readonly List<(int Step, ExecMetricLine Line)> _lines = [];
        private readonly FinalMetrics _last = new();
        private int _step;

        public void Add(string text)
        {
            if (ExecMetricLine.TryParse(text) is not { } line)
            {
                return;
            }
            var step = line.Step ?? _step + 1;
            lock (_lines)
            {
                _step = step;
                _lines.Add((step, line));
                foreach (var (name, value) in line.Metrics)
                {
                    _last.Set(name, value);
                }
            }
            var lossName = LossName(line.Metrics.Select(m => m.Key));
            var trainLoss = line.Metrics.FirstOrDefault(m => m.Key == lossName, line.Metrics[0]).Value;
            progress?.Report(new TrainingProgress(Stage, step, 0, trainLoss, null, line.Metrics.ToImmutableDictionary()));
        }

        /// <summary>The loss metric: the spec's, else <c>loss</c> when reported, else the first name reported.</summary>
        public string LossName(IEnumerable<string> reported)
        {
            if (loss is not null)
            {
                return loss;
            }
            var names = reported.ToList();
            return names.Contains("loss") ? "loss" : names.FirstOrDefault() ?? "loss";
        }

        public FinalMetrics Final()
        {
            lock (_lines)
            {
                return _last.Copy();
            }
        }

        public IReadOnlyList<double> Curve(string lossName)
        {
            lock (_lines)
            {
                return [.. _lines.SelectMany(l => l.Line.Metrics.Where(m => m.Key == lossName).Select(m => m.Value))];
            }
        }
    }

    /// <summary>Last value per metric, names in the order first reported.</summary>
    private sealed class FinalMetrics
    {
        private readonly List<string> _names = [];
        private readonly Dictionary<string, double> _values = new(StringComparer.Ordinal);

        public int Count => _names.Count;

        public IReadOnlyList<string> Names => _names;

        public void Set(string name, double value)
        {
            if (_values.TryAdd(name, value))
            {
                _names.Add(name);
            }
            else
            {
                _values[name] = value;
            }
        }

        public bool TryGet(string name, out double value) => _values.TryGetValue(name, out value);

        public FinalMetrics Copy()
        {
            var copy = new FinalMetrics();
            foreach (var name in _names)
            {
                copy.Set(name, _values[name]);
            }
            return copy;
        }

        public IReadOnlyDictionary<string, double> ToDictionary() => _names.ToImmutableDictionary(n => n, n => _values[n], StringComparer.Ordinal);
    }
}
