using System.Globalization;
using System.Text;
using System.Text.Json;
using ClusterML.Core.Files;
using ClusterML.Core.IO;

namespace ClusterML.Core.Results;

/// <summary>
/// One <c>nep train</c> run as its record (<c>fit.json</c>) says: where it writes its outputs, how far it is
/// (<paramref name="Status"/>: running, completed, failed or cancelled), what it fits and on how many frames.
/// </summary>
/// <param name="Id">The record's folder name under <see cref="NepFitRecords.FolderIn"/>: the --out folder's slug and the UTC start.</param>
/// <param name="OutDir">The full path of the fit's --out folder (nep.txt, loss.csv, energy/force/virial_train.out …).</param>
/// <param name="Status">running, completed, failed or cancelled.</param>
/// <param name="StartedAtMs">Unix milliseconds when the fit started (a restarted fit keeps its first start).</param>
/// <param name="EndedAtMs">Unix milliseconds when it ended; null while it runs.</param>
/// <param name="Optimizer">adam or snes.</param>
/// <param name="Species">The model's species in type order.</param>
/// <param name="Epochs">The planned epochs (Adam) or generations (SNES).</param>
/// <param name="TrainFrames">Training frames.</param>
/// <param name="TestFrames">Test frames, or null without --test.</param>
/// <param name="Distributed">True for <c>nep train --distributed</c> (see <see cref="NepFitRecords.Placement"/>).</param>
/// <param name="ProcessId">The process fitting; a running fit whose process is gone is reported as failed.</param>
/// <param name="Error">Why the fit failed, or null.</param>
public sealed record NepFitInfo(string Id, string OutDir, string Status, long StartedAtMs, long? EndedAtMs,
    string Optimizer, IReadOnlyList<string> Species, int Epochs, int TrainFrames, int? TestFrames, bool Distributed, int ProcessId, string? Error);

/// <summary>
/// One epoch (Adam) or generation (SNES) of a fit: the wall time since the start, the total loss and the RMSEs as
/// <c>NepEpoch</c> has them (energy and virial in eV/atom, force in eV/Å); test RMSEs only at epochs where the test frames
/// were evaluated, virial RMSEs only when the frames have virials.
/// </summary>
public sealed record NepFitPoint(int Epoch, double Seconds, double Loss, double EnergyTrain, double ForceTrain, double? VirialTrain,
    double? EnergyTest, double? ForceTest, double? VirialTest);

/// <summary>Where a distributed fit's logical shard <paramref name="Shard"/> lives: its worker node, frames and resident bytes.</summary>
public sealed record NepFitShard(string Node, int Shard, int Frames, long Bytes);

/// <summary>
/// What worker <paramref name="Node"/> did during epoch <paramref name="Epoch"/> of a distributed fit: its shard answers,
/// their compute time (shard-seconds, summed over its slots), its slowest shard, and the fit's wall time per step.
/// </summary>
public sealed record NepFitWorkerStep(int Epoch, string Node, int Answers, double ComputeSeconds, double MaxShardSeconds, double StepSeconds);

/// <summary>
/// The live record of every <c>nep train</c> run, kept in the data directory under <c>nep-fits/&lt;id&gt;/</c>:
/// <c>fit.json</c> (a <see cref="NepFitInfo"/>, snake_case, replaced atomically), <c>progress.csv</c> (one line appended and
/// flushed per epoch), and for distributed fits <c>placement.json</c> and <c>workers.csv</c>. The fit writes through a
/// <see cref="NepFitWriter"/> (<see cref="Begin"/>); the dashboard reads with the other methods, while the fit runs.
/// </summary>
public static class NepFitRecords
{
    /// <summary>The error of a running record whose process is gone.</summary>
    public const string ProcessEndedError = "the process ended without finishing the fit";

    internal const string FitFile = "fit.json";
    internal const string ProgressFile = "progress.csv";
    internal const string PlacementFile = "placement.json";
    internal const string WorkersFile = "workers.csv";
    internal const string ProgressHeader = "epoch,seconds,loss,rmse_e_train,rmse_f_train,rmse_v_train,rmse_e_test,rmse_f_test,rmse_v_test";
    internal const string WorkersHeader = "epoch,node,answers,compute_s,max_shard_s,step_s";

    internal static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        WriteIndented = true,
    };

    /// <summary><c>&lt;dataDir&gt;/nep-fits</c>: one folder per fit.</summary>
    public static string FolderIn(string dataDir) => Path.Combine(dataDir, "nep-fits");

    /// <summary>
    /// Every fit recorded in <paramref name="dataDir"/>, newest first. A record that says running but whose process is gone
    /// is reported as failed (<see cref="ProcessEndedError"/>); the file is not changed. Folders without a readable
    /// <c>fit.json</c> (one being created) are left out.
    /// </summary>
    public static IReadOnlyList<NepFitInfo> List(string dataDir)
    {
        var root = FolderIn(dataDir);
        if (!Directory.Exists(root))
        {
            return [];
        }
        var fits = new List<NepFitInfo>();
        foreach (var folder in Directory.EnumerateDirectories(root))
        {
            if (Read(folder) is { } info)
            {
                fits.Add(info);
            }
        }
        return [.. fits.OrderByDescending(f => f.StartedAtMs).ThenByDescending(f => f.Id, StringComparer.Ordinal)];
    }

    /// <summary>The fit <paramref name="id"/> (as <see cref="List"/> reports it), or null when there is none.</summary>
    public static NepFitInfo? Find(string dataDir, string id) => FolderOf(dataDir, id) is { } folder ? Read(folder) : null;

    /// <summary>Every epoch the fit <paramref name="id"/> has reported so far, in order (a half-written last line is skipped).</summary>
    public static IReadOnlyList<NepFitPoint> Progress(string dataDir, string id)
    {
        var points = new List<NepFitPoint>();
        foreach (var cells in Rows(dataDir, id, ProgressFile, 9))
        {
            if (Int(cells[0]) is { } epoch && Real(cells[1]) is { } seconds && Real(cells[2]) is { } loss && Real(cells[3]) is { } e && Real(cells[4]) is { } f
                && Optional(cells[5], out var v) && Optional(cells[6], out var eTest) && Optional(cells[7], out var fTest) && Optional(cells[8], out var vTest))
            {
                points.Add(new NepFitPoint(epoch, seconds, loss, e, f, v, eTest, fTest, vTest));
            }
        }
        return points;
    }

    /// <summary>Where the shards of the distributed fit <paramref name="id"/> live; empty when it is not distributed (or not yet placed).</summary>
    public static IReadOnlyList<NepFitShard> Placement(string dataDir, string id)
    {
        if (FolderOf(dataDir, id) is not { } folder)
        {
            return [];
        }
        try
        {
            return JsonSerializer.Deserialize<List<NepFitShard>>(ReadShared(Path.Combine(folder, PlacementFile)), Json) ?? [];
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or JsonException)
        {
            return [];
        }
    }

    /// <summary>The per-worker statistics of every epoch of the distributed fit <paramref name="id"/> so far; empty when it is not distributed.</summary>
    public static IReadOnlyList<NepFitWorkerStep> WorkerSteps(string dataDir, string id)
    {
        var steps = new List<NepFitWorkerStep>();
        foreach (var cells in Rows(dataDir, id, WorkersFile, 6))
        {
            if (Int(cells[0]) is { } epoch && cells[1].Length > 0 && Int(cells[2]) is { } answers && Real(cells[3]) is { } compute && Real(cells[4]) is { } slowest
                && Real(cells[5]) is { } step)
            {
                steps.Add(new NepFitWorkerStep(epoch, cells[1], answers, compute, slowest, step));
            }
        }
        return steps;
    }

    /// <summary>
    /// Starts the record of a new fit: creates <c>&lt;dataDir&gt;/nep-fits/&lt;id&gt;/</c> with <c>fit.json</c> (status running)
    /// and the header of <c>progress.csv</c>. The id is <paramref name="info"/>'s, or when empty the slug of the --out folder's
    /// name and the UTC start (<c>nep-20260102-030405</c>); -2, -3 … are appended when it is taken. Never throws for I/O: a
    /// record that cannot be written calls <paramref name="warn"/> once and the writer records nothing.
    /// </summary>
    public static NepFitWriter Begin(string dataDir, NepFitInfo info, Action<string>? warn = null)
    {
        ArgumentNullException.ThrowIfNull(info);
        var root = FolderIn(dataDir);
        var baseId = string.IsNullOrEmpty(info.Id) ? BaseId(info.OutDir, info.StartedAtMs) : info.Id;
        info = info with { OutDir = Path.GetFullPath(info.OutDir), Status = "running", EndedAtMs = null, Error = null };
        try
        {
            for (var n = 1; ; n++)
            {
                var id = n == 1 ? baseId : $"{baseId}-{n}";
                var folder = Path.Combine(root, id);
                Directory.CreateDirectory(folder);
                try
                {
                    // progress.csv, created exclusively, claims the id: two fits starting in the same second get two folders.
                    using var claim = new FileStream(Path.Combine(folder, ProgressFile), FileMode.CreateNew, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete);
                    claim.Write(Encoding.UTF8.GetBytes(ProgressHeader + "\n"));
                }
                catch (IOException) when (File.Exists(Path.Combine(folder, ProgressFile)))
                {
                    continue;
                }
                var writer = new NepFitWriter(folder, info with { Id = id }, warn, resumed: false);
                writer.WriteInfo();
                return writer;
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or NotSupportedException)
        {
            return NepFitWriter.Broken(info with { Id = baseId }, warn, e);
        }
    }

    /// <summary>
    /// Continues the record of a restarted fit (<c>nep train --restart</c>): the newest record whose OutDir is
    /// <paramref name="info"/>'s (compared as full paths) is running again under this process, keeping its id and start; the
    /// progress and worker rows from the first epoch reported from now on are dropped (they are computed again). Without
    /// such a record this is <see cref="Begin"/>.
    /// </summary>
    public static NepFitWriter Resume(string dataDir, NepFitInfo info, Action<string>? warn = null)
    {
        ArgumentNullException.ThrowIfNull(info);
        var outDir = Path.GetFullPath(info.OutDir);
        if (List(dataDir).FirstOrDefault(f => string.Equals(f.OutDir, outDir, StringComparison.Ordinal)) is not { } previous
            || FolderOf(dataDir, previous.Id) is not { } folder)
        {
            return Begin(dataDir, info, warn);
        }
        var writer = new NepFitWriter(folder, info with { Id = previous.Id, OutDir = outDir, StartedAtMs = previous.StartedAtMs, Status = "running", EndedAtMs = null, Error = null },
            warn, resumed: true) { Previous = previous };
        writer.WriteInfo();
        return writer;
    }

    /// <summary>The slug of <paramref name="outDir"/>'s folder name (lower-case letters, digits and dashes) and the UTC start, yyyyMMdd-HHmmss.</summary>
    internal static string BaseId(string outDir, long startedAtMs)
    {
        var name = Path.GetFileName(Path.TrimEndingDirectorySeparator(Path.GetFullPath(outDir)));
        var slug = new StringBuilder();
        foreach (var c in name.ToLowerInvariant())
        {
            if (char.IsAsciiLetterOrDigit(c))
            {
                slug.Append(c);
            }
            else if (slug.Length > 0 && slug[^1] != '-')
            {
                slug.Append('-');
            }
        }
        var text = slug.ToString().Trim('-');
        var started = DateTimeOffset.FromUnixTimeMilliseconds(startedAtMs).UtcDateTime;
        return $"{(text.Length > 0 ? text : "nep")}-{started.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture)}";
    }

    /// <summary>A double as the CSV files hold it: round-trip, invariant; empty for null.</summary>
    internal static string Cell(double? value) => value is { } v ? CsvTable.Format(v) : "";

    /// <summary>The folder of fit <paramref name="id"/>, or null when the id is no plain folder name or has no folder.</summary>
    private static string? FolderOf(string dataDir, string id)
    {
        if (!ArtifactLayout.IsSafeId(id))
        {
            return null;
        }
        var folder = Path.Combine(FolderIn(dataDir), id);
        return Directory.Exists(folder) ? folder : null;
    }

    /// <summary>The record in <paramref name="folder"/>, a running one whose process is gone reported as failed; null when unreadable.</summary>
    private static NepFitInfo? Read(string folder)
    {
        NepFitInfo? info;
        try
        {
            info = JsonSerializer.Deserialize<NepFitInfo>(ReadShared(Path.Combine(folder, FitFile)), Json);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or JsonException)
        {
            return null;
        }
        if (info is null || string.IsNullOrEmpty(info.Id))
        {
            return null;
        }
        if (info.Status == "running" && !Processes.IsAlive(info.ProcessId))
        {
            return info with { Status = "failed", Error = ProcessEndedError };
        }
        return info;
    }

    /// <summary>The complete data lines of a CSV file of fit <paramref name="id"/>, split into cells (lines of another width are skipped).</summary>
    private static IEnumerable<string[]> Rows(string dataDir, string id, string file, int width)
    {
        if (FolderOf(dataDir, id) is not { } folder)
        {
            return [];
        }
        string text;
        try
        {
            text = ReadShared(Path.Combine(folder, file));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return [];
        }
        return CompleteLines(text).Skip(1).Select(l => l.Split(',')).Where(c => c.Length == width);
    }

    /// <summary>The lines of <paramref name="text"/> that end in a newline: a line still being appended is not one of them.</summary>
    internal static IEnumerable<string> CompleteLines(string text)
    {
        var end = text.LastIndexOf('\n');
        return end < 0 ? [] : text[..end].Split('\n').Select(l => l.TrimEnd('\r'));
    }

    /// <summary>Reads a file that its writer may be appending to or replacing.</summary>
    private static string ReadShared(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        using var reader = new StreamReader(stream, Encoding.UTF8);
        return reader.ReadToEnd();
    }

    private static int? Int(string cell) => int.TryParse(cell, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) ? value : null;

    private static double? Real(string cell) => double.TryParse(cell, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) ? value : null;

    private static bool Optional(string cell, out double? value)
    {
        value = cell.Length == 0 ? null : Real(cell);
        return cell.Length == 0 || value is not null;
    }
}

/// <summary>
/// The writing side of one fit's record (<see cref="NepFitRecords.Begin"/>): appends epochs and worker steps, replaces the
/// placement and, at the end, the status. Recording never fails the fit: the first I/O error is reported once through the
/// warning callback and the writer records nothing more. Thread-safe.
/// </summary>
public sealed class NepFitWriter : IDisposable
{
    private readonly Lock _gate = new();
    private readonly string? _folder;
    private readonly Action<string>? _warn;
    private NepFitInfo _info;
    private bool _broken;
    private bool _ended;
    private bool _trimPending;

    internal NepFitWriter(string? folder, NepFitInfo info, Action<string>? warn, bool resumed)
    {
        _folder = folder;
        _info = info;
        _warn = warn;
        _trimPending = resumed;
        _broken = folder is null;
    }

    /// <summary>The fit's id: its folder name under <see cref="NepFitRecords.FolderIn"/>.</summary>
    public string Id => _info.Id;

    /// <summary>The record's folder (null when it could not be created).</summary>
    public string? Folder => _folder;

    /// <summary>True while the record is written (false after an I/O error stopped it).</summary>
    public bool Recording
    {
        get
        {
            lock (_gate)
            {
                return !_broken;
            }
        }
    }

    /// <summary>A writer that records nothing, for a record that could not be created (the warning is given here).</summary>
    internal static NepFitWriter Broken(NepFitInfo info, Action<string>? warn, Exception error)
    {
        warn?.Invoke($"the NEP fit record could not be written ({error.Message}); the fit goes on without it");
        return new NepFitWriter(null, info, warn, resumed: false);
    }

    /// <summary>Appends <paramref name="point"/> to <c>progress.csv</c> and flushes it (after a restart, first drops the rows from its epoch on).</summary>
    public void Epoch(NepFitPoint point)
    {
        ArgumentNullException.ThrowIfNull(point);
        var line = string.Join(',', point.Epoch.ToString(CultureInfo.InvariantCulture), NepFitRecords.Cell(point.Seconds), NepFitRecords.Cell(point.Loss),
            NepFitRecords.Cell(point.EnergyTrain), NepFitRecords.Cell(point.ForceTrain), NepFitRecords.Cell(point.VirialTrain),
            NepFitRecords.Cell(point.EnergyTest), NepFitRecords.Cell(point.ForceTest), NepFitRecords.Cell(point.VirialTest));
        Write(folder =>
        {
            TrimAfterRestart(folder, point.Epoch);
            Append(Path.Combine(folder, NepFitRecords.ProgressFile), NepFitRecords.ProgressHeader, line);
        });
    }

    /// <summary>Replaces <c>placement.json</c> with where the shards of a distributed fit live.</summary>
    public void Placement(IReadOnlyList<NepFitShard> shards)
    {
        ArgumentNullException.ThrowIfNull(shards);
        var json = JsonSerializer.Serialize(shards, NepFitRecords.Json);
        Write(folder => AtomicFile.Write(Path.Combine(folder, NepFitRecords.PlacementFile), temp => File.WriteAllText(temp, json)));
    }

    /// <summary>Appends one epoch's worker statistics to <c>workers.csv</c> (created with its header on first use) and flushes it.</summary>
    public void WorkerSteps(IReadOnlyList<NepFitWorkerStep> steps)
    {
        ArgumentNullException.ThrowIfNull(steps);
        if (steps.Count == 0)
        {
            return;
        }
        var lines = string.Join('\n', steps.Select(s => string.Join(',', s.Epoch.ToString(CultureInfo.InvariantCulture), s.Node.Replace(',', ';'),
            s.Answers.ToString(CultureInfo.InvariantCulture), NepFitRecords.Cell(s.ComputeSeconds), NepFitRecords.Cell(s.MaxShardSeconds), NepFitRecords.Cell(s.StepSeconds))));
        Write(folder =>
        {
            TrimAfterRestart(folder, steps.Min(s => s.Epoch));
            Append(Path.Combine(folder, NepFitRecords.WorkersFile), NepFitRecords.WorkersHeader, lines);
        });
    }

    /// <summary>Ends the record: <paramref name="status"/> (completed, failed or cancelled), the end time and <paramref name="error"/> in <c>fit.json</c>.</summary>
    public void End(string status, string? error = null)
    {
        lock (_gate)
        {
            _ended = true;
            _info = _info with { Status = status, EndedAtMs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), Error = error };
        }
        WriteInfo();
    }

    /// <summary>For a record continued by <see cref="NepFitRecords.Resume"/>: what it said before (null for a new one).</summary>
    public NepFitInfo? Previous { get; internal init; }

    /// <summary>
    /// Puts back what a resumed record said before (a restart refused before it trained, e.g. with other settings, changes
    /// nothing about the fit that ran). A new record ends as failed with <paramref name="error"/>.
    /// </summary>
    public void Abandon(string error)
    {
        if (Previous is not { } previous)
        {
            End("failed", error);
            return;
        }
        lock (_gate)
        {
            _ended = true;
            _trimPending = false;
            _info = previous;
        }
        WriteInfo();
    }

    /// <summary>A record disposed without <see cref="End"/> (the fit threw past its caller) ends as failed.</summary>
    public void Dispose()
    {
        bool ended;
        lock (_gate)
        {
            ended = _ended;
        }
        if (!ended)
        {
            End("failed", "the fit stopped without reporting how it ended");
        }
    }

    /// <summary>Replaces <c>fit.json</c> (temporary file and rename) with the current record.</summary>
    internal void WriteInfo()
    {
        NepFitInfo info;
        lock (_gate)
        {
            info = _info;
        }
        var json = JsonSerializer.Serialize(info, NepFitRecords.Json);
        Write(folder => AtomicFile.Write(Path.Combine(folder, NepFitRecords.FitFile), temp => File.WriteAllText(temp, json)));
    }

    /// <summary>Runs <paramref name="write"/> unless an earlier error stopped the record; an I/O error warns once and stops it.</summary>
    private void Write(Action<string> write)
    {
        lock (_gate)
        {
            if (_broken || _folder is null)
            {
                return;
            }
            try
            {
                write(_folder);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or NotSupportedException)
            {
                _broken = true;
                _warn?.Invoke($"recording NEP fit {_info.Id} in {_folder} failed ({e.Message}); the fit goes on without its record");
            }
        }
    }

    /// <summary>
    /// After a restart, the first epoch reported is computed again from the checkpoint: the rows of progress.csv and
    /// workers.csv from that epoch on (written before the previous process stopped) are dropped, each file replaced atomically.
    /// </summary>
    private void TrimAfterRestart(string folder, int firstEpoch)
    {
        if (!_trimPending)
        {
            return;
        }
        _trimPending = false;
        foreach (var (file, header) in new[] { (NepFitRecords.ProgressFile, NepFitRecords.ProgressHeader), (NepFitRecords.WorkersFile, NepFitRecords.WorkersHeader) })
        {
            var path = Path.Combine(folder, file);
            if (!File.Exists(path))
            {
                continue;
            }
            var kept = NepFitRecords.CompleteLines(File.ReadAllText(path)).Skip(1)
                .Where(l => int.TryParse(l.AsSpan(0, Math.Max(0, l.IndexOf(','))), NumberStyles.Integer, CultureInfo.InvariantCulture, out var epoch) && epoch < firstEpoch);
            var text = string.Concat(new[] { header }.Concat(kept).Select(l => l + "\n"));
            AtomicFile.Write(path, temp => File.WriteAllText(temp, text));
        }
    }

    /// <summary>Appends <paramref name="lines"/> and a newline in one write, flushed (the header first when the file is new).</summary>
    private static void Append(string path, string header, string lines)
    {
        using var stream = new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete);
        var text = (stream.Position == 0 ? header + "\n" : "") + lines + "\n";
        stream.Write(Encoding.UTF8.GetBytes(text));
        stream.Flush(flushToDisk: false);
    }
}
