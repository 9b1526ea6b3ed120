using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace ClusterML.Cli.Tests.Commands;

/// <summary>
/// Seeded mutations of valid inputs (a campaign YAML, a surrogate CSV, an extended-XYZ file, a nep.txt, fd heat options) run
/// through the real commands in this process. Whatever the mutation, a command must end with exit code 0 (the input is still
/// valid) or 2 (bad input, one clear line), never 1 or a stack trace, and within a per-case time limit. Deterministic: the
/// same seeds give the same cases; a failing case prints its input so it can be turned into a regression test.
/// </summary>
[Collection("Torch")]
public sealed partial class FuzzTests(ITestOutputHelper output) : IDisposable
{
    private static readonly TimeSpan CaseTimeout = TimeSpan.FromSeconds(30);
    private static readonly string[] NumberReplacements =
        ["NaN", "nan", "Inf", "-inf", "Infinity", "1e308", "-1e308", "1e999", "-1", "0", "-0", "1e30", "3e38", "1e20", "99999999999", "", "1e-320", "0x10", "1,5", "٣"];
    private static readonly string[] GarbageTokens = ["garbage", "123", "-", "\t0.5", "#", "\"", "=", "x=1", "é", "\u00a0", "\u200b", "{", "[1, 2]", "~", "null", "✓"];
    private readonly CliRun _cli = new();

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        _cli.Dispose();
    }

    [GeneratedRegex(@"-?\d+(\.\d+)?([eE][-+]?\d+)?")]
    private static partial Regex Number();

    [GeneratedRegex(@"   at |[A-Za-z]+Exception\b")]
    private static partial Regex Crash();

    /// <summary>One or two random edits of <paramref name="text"/>; which ones and where depend on <paramref name="random"/> only.</summary>
    private static (string Text, string Description) Mutate(string text, Random random)
    {
        var edits = new List<string>();
        var count = random.Next(3) == 0 ? 2 : 1;
        for (var e = 0; e < count; e++)
        {
            var lines = text.Split('\n').ToList();
            var k = random.Next(lines.Count);
            var kind = random.Next(12);
            switch (kind)
            {
                case 0:
                    lines.RemoveAt(k);
                    edits.Add($"delete line {k + 1}");
                    break;
                case 1:
                    lines.Insert(k, lines[k]);
                    edits.Add($"duplicate line {k + 1}");
                    break;
                case 2:
                    var j = random.Next(lines.Count);
                    (lines[k], lines[j]) = (lines[j], lines[k]);
                    edits.Add($"swap lines {k + 1} and {j + 1}");
                    break;
                case 3 when lines[k].Length > 0:
                    var at = random.Next(lines[k].Length);
                    var c = "x0.-+ e\t\"'{}:[]é\u00a0Å#"[random.Next(18)];
                    lines[k] = lines[k][..at] + c + lines[k][(at + 1)..];
                    edits.Add($"flip line {k + 1} char {at + 1} to U+{(int)c:X4}");
                    break;
                case 4:
                    var token = GarbageTokens[random.Next(GarbageTokens.Length)];
                    var where = lines[k].Length == 0 ? 0 : random.Next(lines[k].Length + 1);
                    lines[k] = lines[k][..where] + " " + token + " " + lines[k][where..];
                    edits.Add($"insert '{token}' in line {k + 1}");
                    break;
                case 5 or 6 or 7:
                    var numbers = lines.SelectMany((l, i) => Number().Matches(l).Select(m => (Line: i, Match: m))).ToArray();
                    if (numbers.Length == 0)
                    {
                        goto default;
                    }
                    var (line, match) = numbers[random.Next(numbers.Length)];
                    var replacement = NumberReplacements[random.Next(NumberReplacements.Length)];
                    lines[line] = lines[line][..match.Index] + replacement + lines[line][(match.Index + match.Length)..];
                    edits.Add($"line {line + 1}: '{match.Value}' → '{replacement}'");
                    break;
                case 8:
                    var cut = random.Next(text.Length + 1);
                    text = text[..cut];
                    edits.Add($"truncate at character {cut}");
                    continue;
                case 9:
                    lines[k] = lines[k].Replace(' ', '\t');
                    edits.Add($"tabs in line {k + 1}");
                    break;
                case 10:
                    lines[k] = random.Next(2) == 0 ? lines[k] + "\r" : "\uFEFF" + lines[k];
                    edits.Add($"CR/BOM at line {k + 1}");
                    break;
                default:
                    lines.Insert(k, random.Next(2) == 0 ? "" : "   ");
                    edits.Add($"blank line at {k + 1}");
                    break;
            }
            text = string.Join('\n', lines);
        }
        return (text, string.Join("; ", edits));
    }

    /// <summary>Runs the CLI in this process with a time limit; the command is cancelled when the limit passes.</summary>
    private async Task<(int Code, string Error, TimeSpan Took)> RunAsync(TimeSpan limit, params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        var clock = Stopwatch.StartNew();
        var run = ClusterMLApp.RunAsync([.. args, "--data-dir", _cli.DataDir], stdout, stderr, cancel.Token);
        if (await Task.WhenAny(run, Task.Delay(limit, TestContext.Current.CancellationToken)) != run)
        {
            await cancel.CancelAsync();
            await Task.WhenAny(run, Task.Delay(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken));
            return (-1, $"no exit within {limit.TotalSeconds} s", clock.Elapsed);
        }
        return (await run, stderr.ToString(), clock.Elapsed);
    }

    private sealed record Tally(string Kind)
    {
        public int Cases { get; set; }
        public int Ok { get; set; }
        public int BadInput { get; set; }
        public TimeSpan Took { get; set; }
        public List<string> Failures { get; } = [];
    }

    /// <summary>Runs <paramref name="cases"/> mutations of <paramref name="valid"/> (case 0 is the valid input itself) and checks each outcome.</summary>
    private async Task FuzzAsync(string kind, string valid, int cases, int seed, string fileName, Func<string, string[]> args, Func<string?>? outputOf = null)
    {
        var tally = new Tally(kind);
        var random = new Random(seed);
        for (var n = 0; n < cases; n++)
        {
            var (text, description) = n == 0 ? (valid, "unchanged") : Mutate(valid, random);
            var path = _cli.Path(fileName);
            File.WriteAllText(path, text, new UTF8Encoding(false));
            if (outputOf?.Invoke() is { } stale && (File.Exists(stale) || Directory.Exists(stale)))
            {
                if (Directory.Exists(stale))
                {
                    Directory.Delete(stale, recursive: true);
                }
                else
                {
                    File.Delete(stale);
                }
            }
            var (code, stderr, took) = await RunAsync(CaseTimeout, args(path));
            tally.Cases++;
            tally.Took += took;
            if (code == 0)
            {
                tally.Ok++;
            }
            else if (code == 2)
            {
                tally.BadInput++;
            }
            var problems = new List<string>();
            if (code is not (0 or 2))
            {
                problems.Add(code < 0 ? "hung" : $"exit code {code}");
            }
            if (Crash().IsMatch(stderr))
            {
                problems.Add("a stack trace or exception type on stderr");
            }
            // Exit 2 says why: a "Bad input" log line naming file, line and field, or the option parser's "error:" lines.
            if (code == 2 && !stderr.Contains(" ERR] Bad input: ", StringComparison.Ordinal) && !stderr.StartsWith("error: ", StringComparison.Ordinal))
            {
                problems.Add("exit 2 without a 'Bad input' or 'error:' line");
            }
            if (code == 2 && outputOf?.Invoke() is { } written && (File.Exists(written) || Directory.Exists(written)))
            {
                problems.Add("output written despite bad input");
            }
            if (n == 0 && code != 0)
            {
                problems.Add("the unmutated input must be valid");
            }
            if (problems.Count > 0)
            {
                tally.Failures.Add($"case {n} ({description}): {string.Join(", ", problems)}\n--- stderr ---\n{stderr}\n--- input ---\n{text}");
            }
        }
        output.WriteLine($"{kind}: {tally.Cases} cases, {tally.Ok} exit 0, {tally.BadInput} exit 2, {tally.Failures.Count} failures, {tally.Took.TotalSeconds:F1} s");
        foreach (var failure in tally.Failures.Take(5))
        {
            output.WriteLine(failure);
        }
        Assert.True(tally.Failures.Count == 0, $"{kind}: {tally.Failures.Count} of {tally.Cases} cases failed; first:\n{tally.Failures.FirstOrDefault()}");
    }

    /// <summary>Three periodic Si frames (4 atoms each, diamond-like, jittered) with energy, virial and forces.</summary>
    private static string ValidFrames()
    {
        var text = new StringBuilder();
        var random = new Random(11);
        for (var f = 0; f < 3; f++)
        {
            text.Append(CultureInfo.InvariantCulture, $"4\nlattice=\"5.43 0 0 0 5.43 0 0 0 {5.43 + (0.1 * f):R}\" energy={-20.5 - f:R} virial=\"1 0 0 0 1 0 0 0 1\" config_type=fuzz pbc=\"T T T\" properties=species:S:1:pos:R:3:force:R:3\n");
            double[][] sites = [[0, 0, 0], [1.36, 1.36, 1.36], [2.72, 2.72, 0], [0, 2.72, 2.72]];
            foreach (var s in sites)
            {
                var x = s.Select(v => Math.Round(v + (0.1 * (random.NextDouble() - 0.5)), 4)).ToArray();
                text.Append(CultureInfo.InvariantCulture, $"Si {x[0]:R} {x[1]:R} {x[2]:R} {0.1 * (random.NextDouble() - 0.5):F4} 0.0 -0.01\n");
            }
        }
        return text.ToString();
    }

    [Fact]
    public async Task Mutated_nep_txt_files_should_evaluate_or_exit_2()
    {
        var valid = File.ReadAllText(NepFixtures.TinyModel(_cli.Path("valid-nep.txt")));
        var frames = _cli.Path("frames.xyz");
        File.WriteAllText(frames, ValidFrames());
        var result = _cli.Path("eval.xyz");
        await FuzzAsync("nep.txt", valid, 120, seed: 101, "nep.txt", model => ["nep", "eval", "--model", model, "--input", frames, "--output", result], () => result);
    }

    [Fact]
    public async Task Mutated_extended_xyz_files_should_evaluate_or_exit_2()
    {
        var model = NepFixtures.TinyModel(_cli.Path("nep.txt"));
        var result = _cli.Path("eval.xyz");
        await FuzzAsync("extended XYZ", ValidFrames(), 120, seed: 202, "frames.xyz", input => ["nep", "eval", "--model", model, "--input", input, "--output", result, "--per-atom"], () => result);
    }

    [Fact]
    public async Task Mutated_surrogate_csv_files_should_train_or_exit_2()
    {
        var random = new Random(5);
        var rows = Enumerable.Range(0, 16).Select(_ =>
        {
            var (a, b) = (Math.Round(random.NextDouble(), 4), Math.Round(1 + (9 * random.NextDouble()), 3));
            return string.Create(CultureInfo.InvariantCulture, $"s{random.Next(100)},{a:R},{b:R},{Math.Round((2 * a) + b, 4):R}");
        });
        var valid = "id,a,b,y\n" + string.Join('\n', rows) + "\n";
        var outDir = _cli.Path("model");
        await FuzzAsync("surrogate CSV", valid, 60, seed: 303, "data.csv",
            data => ["surrogate", "train", "--data", data, "--target", "y", "--epochs", "2", "--ensemble", "1", "--layers", "1", "--width", "4", "--out", outDir],
            () => outDir);
    }

    [Fact]
    public async Task Mutated_campaign_yaml_should_plan_or_exit_2()
    {
        var valid = """
            # A tiny fd campaign: 4 trials of a 21-point grid to t = 0.05
            name: fuzz
            engine: fd
            seed: 3
            base:
              alpha: 0.1
              length: 1.0
              nx: 21
              t_end: 0.05
              scheme: explicit
              snapshots: 3
            space:
              r: { type: choice, values: [0.2, 0.4] }
              left: { type: uniform, low: 0.0, high: 0.5 }
            search:
              kind: grid
              points_per_axis: 2
            budget:
              max_trials: 4
              max_concurrent: 2
              wall_time: 5m
            retries: 0
            """.Replace("\r", "", StringComparison.Ordinal);
        await FuzzAsync("campaign YAML (--check)", valid, 120, seed: 404, "fuzz.yaml", spec => ["campaign", "run", spec, "--check"]);
    }

    [Fact]
    [Trait("Category", "Slow")]
    public async Task Mutated_campaign_yaml_that_passes_the_check_should_run_to_exit_0()
    {
        // The full run (an embedded cluster per case) for a few mutations that the check accepts: no trial may crash the command.
        var valid = "name: fuzzrun\nengine: fd\nbase:\n  nx: 11\n  t_end: 0.02\nspace:\n  r: { type: choice, values: [0.2, 0.45] }\n  right: { type: uniform, low: 0.5, high: 2.0 }\nsearch:\n  kind: grid\n  points_per_axis: 2\nbudget:\n  max_concurrent: 2\nretries: 0\n";
        var random = new Random(505);
        var accepted = new List<(string Text, string Description)>();
        while (accepted.Count < 3)
        {
            var (text, description) = Mutate(valid, random);
            File.WriteAllText(_cli.Path("probe.yaml"), text);
            if ((await RunAsync(CaseTimeout, "campaign", "run", _cli.Path("probe.yaml"), "--check")).Code == 0)
            {
                accepted.Add((text, description));
            }
        }
        var n = 0;
        foreach (var (text, description) in accepted)
        {
            var spec = _cli.Path($"run{n}.yaml");
            File.WriteAllText(spec, text);
            var (code, stderr, took) = await RunAsync(TimeSpan.FromSeconds(90), "campaign", "run", spec, "--id", $"fuzz-{n++}");
            output.WriteLine($"campaign run ({description}): exit {code} in {took.TotalSeconds:F1} s");
            Assert.True(code == 0 && !Crash().IsMatch(stderr), $"{description}: exit {code}\n{stderr}\n{text}");
        }
    }

    [Fact]
    public async Task Mutated_fd_heat_options_should_solve_or_exit_2()
    {
        var valid = "--nx\n21\n--t-end\n0.05\n--r\n0.25\n--alpha\n0.1\n--length\n1\n--left\n0\n--right\n1\n--snapshots\n3\n--heatmap-rows\n5\n--scheme\nexplicit";
        var outDir = _cli.Path("fd-out");
        await FuzzAsync("fd heat options", valid, 60, seed: 606, "args.txt",
            path => ["fd", "heat", .. File.ReadAllText(path).Split('\n').Where(a => a.Length > 0), "--out", outDir],
            () => outDir);
    }
}
