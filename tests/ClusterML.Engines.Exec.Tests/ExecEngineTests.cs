using System.Collections.Immutable;
using System.Diagnostics;
using ClusterML.Core.Engines;
using ClusterML.Core.Specs;
using ClusterML.Core.Validation;

namespace ClusterML.Engines.Exec.Tests;

public sealed class ExecEngineTests : IDisposable
{
    private const string Metric = "echo clusterml-metric loss=1 step=1";
    private readonly TempFolder _folder = new();
    private readonly IEngine _engine = new ExecEngine();

    public void Dispose() => _folder.Dispose();

    private string TrialDir => _folder.File("trial");

    private static ExecTrialSpec Sh(string script, params (string Name, string Value)[] parameters) =>
        new(["/bin/sh", "-c", script], Parameters: parameters.ToImmutableDictionary(p => p.Name, p => p.Value), TimeoutSeconds: 20);

    private TrainingOutcome Run(ExecTrialSpec spec, IProgress<TrainingProgress>? progress = null, CancellationToken token = default, int seed = 7) =>
        _engine.Train(spec, new RunContext(seed, Progress: progress, ArtifactDirectory: TrialDir), token);

    private string Read(string name) => File.ReadAllText(Path.Combine(TrialDir, name));

    [Fact]
    public void Arguments_should_be_substituted_one_each_with_literal_braces()
    {
        var spec = new ExecTrialSpec(["/bin/sh", "-c", "printf '%s\\n' \"$@\" > args.txt; " + Metric, "sh", "--lr={lr}", "{{lr}}", "{trial_dir}", "{seed}", "a b"],
            Parameters: ImmutableDictionary<string, string>.Empty.Add("lr", "0.25"));
        Run(spec, seed: 42);
        Assert.Equal(["--lr=0.25", "{lr}", TrialDir, "42", "a b"], File.ReadAllLines(Path.Combine(TrialDir, "args.txt")));
    }

    private const string Hostile = "x; touch pwned1; $(touch pwned2) `touch pwned3` ' \" \\ && touch pwned4 | touch pwned5";

    [Fact]
    public void A_hostile_value_should_be_one_argument_and_run_nothing_without_a_shell()
    {
        Run(Sh("printf %s \"$1\" > got.txt; " + Metric, ("v", Hostile)) with { Command = ["/bin/sh", "-c", "printf %s \"$1\" > got.txt; " + Metric, "sh", "{v}"] });
        Assert.Equal(Hostile, Read("got.txt"));
        Assert.Empty(Directory.EnumerateFiles(TrialDir, "pwned*"));
    }

    [Fact]
    public void A_hostile_value_should_be_one_quoted_word_and_run_nothing_with_a_shell()
    {
        var spec = new ExecTrialSpec(["printf %s {v} > got.txt;", Metric], Shell: true,
            Parameters: ImmutableDictionary<string, string>.Empty.Add("v", Hostile));
        Run(spec);
        Assert.Equal(Hostile, Read("got.txt"));
        Assert.Empty(Directory.EnumerateFiles(TrialDir, "pwned*"));
    }

    [Fact]
    public void The_template_text_should_be_shell_code_with_a_shell()
    {
        var spec = new ExecTrialSpec(["for i in 1 2 3; do echo clusterml-metric loss=$i step=$i; done | tail -n 1 > last.txt; cat last.txt"], Shell: true);
        Assert.Equal(3, Run(spec).FinalLoss);
        Assert.Equal("clusterml-metric loss=3 step=3\n", Read("last.txt"));
    }

    [Fact]
    public void Metric_lines_should_be_reported_in_order_each_step_and_malformed_ones_ignored()
    {
        var reports = new List<TrainingProgress>();
        var script = string.Join('\n',
            "echo starting",
            "echo 'clusterml-metric loss=0.5 acc=0.1 step=1'",
            "echo 'clusterml-metric loss=abc step=2'",
            "echo 'clusterml-metric loss'",
            "echo 'clusterml-metricloss=9 step=2'",
            "echo 'clusterml-metric loss=0.25 acc=0.2 step=2'",
            "echo 'clusterml-metric acc=0.3 step=3'",
            "echo 'clusterml-metric loss=0.125 step=4'");
        var outcome = Run(Sh(script), new Sync(reports.Add));
        Assert.Equal([1, 2, 3, 4], reports.Select(r => r.Epoch));
        Assert.All(reports, r => Assert.Equal(ExecEngine.Stage, r.Stage));
        Assert.Equal([0.5, 0.25, 0.3, 0.125], reports.Select(r => r.TrainLoss));
        Assert.Equal(new Dictionary<string, double> { ["loss"] = 0.25, ["acc"] = 0.2 }, reports[1].Metrics!);
        Assert.Equal(0.125, outcome.FinalLoss);
        Assert.Equal([0.5, 0.25, 0.125], outcome.LossCurve);
        Assert.Equal(new Dictionary<string, double> { ["loss"] = 0.125, ["acc"] = 0.3 }, outcome.Metrics!);
        Assert.Empty(outcome.Checkpoint);
        Assert.Contains("clusterml-metric loss=abc step=2", Read(ExecEngine.StdoutFile), StringComparison.Ordinal);
    }

    [Fact]
    public void Progress_should_arrive_while_the_program_still_runs()
    {
        // The program waits for a file the progress handler writes: reported only at the end, it would time out.
        var reports = new List<TrainingProgress>();
        var spec = Sh("echo 'clusterml-metric loss=2 step=1'; while [ ! -f go ]; do sleep 0.02; done; echo 'clusterml-metric loss=1 step=2'") with { TimeoutSeconds = 10 };
        var outcome = Run(spec, new Sync(r =>
        {
            reports.Add(r);
            File.WriteAllText(Path.Combine(TrialDir, "go"), "");
        }));
        Assert.Equal([1, 2], reports.Select(r => r.Epoch));
        Assert.Equal(1, outcome.FinalLoss);
    }

    [Fact]
    public void Without_a_loss_metric_the_first_metric_reported_should_be_the_loss_and_a_named_loss_should_win()
    {
        const string Script = "echo 'clusterml-metric energy=-3 force=0.5 step=1'; echo 'clusterml-metric force=0.25 energy=-4 step=2'";
        var first = Run(Sh(Script));
        Assert.Equal(-4, first.FinalLoss);
        Assert.Equal([-3.0, -4.0], first.LossCurve);
        var named = Run(Sh(Script) with { Loss = "force" });
        Assert.Equal(0.25, named.FinalLoss);
        Assert.Equal([0.5, 0.25], named.LossCurve);
        Assert.Contains("'missing'", Assert.Throws<ExecTrialException>(() => Run(Sh(Script) with { Loss = "missing" })).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_metrics_file_should_override_stdout_metrics_and_be_an_artifact()
    {
        var spec = Sh("echo 'clusterml-metric loss=5 acc=0.5 step=1'; echo '{{\"loss\": 0.25, \"extra\": 3, \"label\": \"run\"}}' > out/m.json")
            with { MetricsFile = "out/m.json", Command = ["/bin/sh", "-c", "mkdir -p out; echo 'clusterml-metric loss=5 acc=0.5 step=1'; echo '{{\"loss\": 0.25, \"extra\": 3, \"label\": \"run\"}}' > out/m.json"] };
        var outcome = Run(spec);
        Assert.Equal(0.25, outcome.FinalLoss);
        Assert.Equal(new Dictionary<string, double> { ["loss"] = 0.25, ["acc"] = 0.5, ["extra"] = 3 }, outcome.Metrics!);
        Assert.Equal([ExecEngine.StdoutFile, "out/m.json"], outcome.Artifacts!); // stderr was empty
    }

    [Fact]
    public void A_metrics_file_alone_should_be_enough()
    {
        var outcome = Run(Sh("echo '{{\"rmse\": 0.5}}' > m.json") with { MetricsFile = "m.json" });
        Assert.Equal(0.5, outcome.FinalLoss);
        Assert.Empty(outcome.LossCurve);
    }

    [Fact]
    public void A_non_zero_exit_should_fail_retryably_with_the_code_and_the_tail_of_stderr_and_keep_both_logs()
    {
        var spec = Sh("echo 'clusterml-metric loss=1 step=1'; echo out-line; for i in $(seq 1 30); do echo err-line-$i >&2; done; exit 3");
        var error = Assert.Throws<ExecTrialException>(() => Run(spec));
        Assert.IsNotType<InvalidInputException>(error.GetBaseException());
        Assert.Equal(3, error.ExitCode);
        Assert.Contains("code 3", error.Message, StringComparison.Ordinal);
        Assert.Contains("err-line-30", error.Message, StringComparison.Ordinal);
        Assert.Contains("err-line-11\n", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("err-line-10\n", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("out-line", error.Message, StringComparison.Ordinal);
        Assert.Contains("out-line", Read(ExecEngine.StdoutFile), StringComparison.Ordinal);
        Assert.Equal(30, File.ReadAllLines(Path.Combine(TrialDir, ExecEngine.StderrFile)).Length);
    }

    [Fact]
    public void A_failure_with_an_empty_stderr_should_show_the_tail_of_stdout_and_a_signal_should_be_named()
    {
        var error = Assert.Throws<ExecTrialException>(() => Run(Sh("echo only-stdout; exit 1")));
        Assert.Contains("only-stdout", error.Message, StringComparison.Ordinal);
        var killed = Assert.Throws<ExecTrialException>(() => Run(Sh("kill -9 $$")));
        Assert.Equal(137, killed.ExitCode);
        Assert.Contains("signal 9", killed.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_successful_run_without_metrics_should_fail_naming_the_channels_checked_when_metrics_were_asked_for()
    {
        var error = Assert.Throws<ExecTrialException>(() => Run(new ExecTrialSpec(["/bin/true"], MetricsFile: "results.json")));
        Assert.Contains(ExecMetricLine.Marker, error.Message, StringComparison.Ordinal);
        Assert.Contains("results.json", error.Message, StringComparison.Ordinal);
        var named = Assert.Throws<ExecTrialException>(() => Run(new ExecTrialSpec(["/bin/true"], Loss: "energy")));
        Assert.Contains("loss is set", named.Message, StringComparison.Ordinal);

        // A run that was asked for nothing (a sweep that only runs the program) completes without a loss.
        var plain = Run(new ExecTrialSpec(["/bin/true"]));
        Assert.True(double.IsNaN(plain.FinalLoss));
        Assert.Empty(plain.Metrics!);
        Assert.Empty(plain.Artifacts!); // empty stdout and stderr are not kept
    }

    [Fact]
    public void A_quiet_program_should_make_no_output_files_and_a_reused_folder_should_not_report_an_earlier_runs_output()
    {
        var loud = Run(Sh("echo out-line; echo err-line >&2"));
        Assert.Equal([ExecEngine.StdoutFile, ExecEngine.StderrFile], loud.Artifacts!);

        // The same folder again with a program that writes nothing: the earlier files are gone, none is made.
        var quiet = Run(new ExecTrialSpec(["/bin/true"]));
        Assert.Empty(quiet.Artifacts!);
        Assert.False(File.Exists(Path.Combine(TrialDir, ExecEngine.StdoutFile)));
        Assert.False(File.Exists(Path.Combine(TrialDir, ExecEngine.StderrFile)));

        // One empty line is output: the file is made and kept.
        var blank = Run(Sh("echo"));
        Assert.Equal([ExecEngine.StdoutFile], blank.Artifacts!);
        Assert.Equal("\n", Read(ExecEngine.StdoutFile));
    }

    [Fact]
    public void A_timeout_should_kill_the_program_well_before_it_ends()
    {
        var clock = Stopwatch.StartNew();
        var error = Assert.Throws<TimeoutException>(() => Run(new ExecTrialSpec(["sleep", "30"], TimeoutSeconds: 0.5)));
        Assert.Contains("timed out after 0.5 s", error.Message, StringComparison.Ordinal);
        Assert.InRange(clock.Elapsed.TotalSeconds, 0.4, 10);
    }

    [Fact]
    public void Cancelling_should_kill_the_whole_process_tree()
    {
        using var cancel = new CancellationTokenSource();
        var spec = Sh("sleep 30 & echo $! > child.pid; echo 'clusterml-metric loss=1 step=1'; wait") with { TimeoutSeconds = 25 };
        var clock = Stopwatch.StartNew();
        Assert.ThrowsAny<OperationCanceledException>(() => Run(spec, new Sync(_ => cancel.Cancel()), cancel.Token));
        Assert.InRange(clock.Elapsed.TotalSeconds, 0, 10);
        var child = int.Parse(Read("child.pid").Trim(), System.Globalization.CultureInfo.InvariantCulture);
        try
        {
            var deadline = Stopwatch.StartNew();
            while (Alive(child) && deadline.Elapsed < TimeSpan.FromSeconds(5))
            {
                Thread.Sleep(50);
            }
            Assert.False(Alive(child), $"the child sleep (pid {child}) is still running");
        }
        finally
        {
            if (Alive(child))
            {
                using var leftover = Process.GetProcessById(child);
                leftover.Kill();
            }
        }
    }

    [Fact]
    public void A_background_child_holding_stdout_should_not_hold_up_the_trial()
    {
        var clock = Stopwatch.StartNew();
        var outcome = Run(Sh("sleep 8 & echo 'clusterml-metric loss=0.5 step=1'"));
        Assert.Equal(0.5, outcome.FinalLoss);
        Assert.InRange(clock.Elapsed.TotalSeconds, 0, 7); // the 2 s grace for the readers, not the child's 8 s
    }

    [Fact]
    public void A_cancelled_token_should_stop_before_starting_anything()
    {
        using var cancel = new CancellationTokenSource();
        cancel.Cancel();
        Assert.ThrowsAny<OperationCanceledException>(() => Run(Sh("touch started; " + Metric), token: cancel.Token));
        Assert.False(File.Exists(Path.Combine(TrialDir, "started")));
    }

    [Fact]
    public void The_environment_should_hold_the_parent_s_the_trial_s_the_parameters_and_the_spec_s()
    {
        var spec = Sh("printf '%s|%s|%s|%s|%s' \"$GREETING\" \"$CLUSTERML_PARAM_LEARNING_RATE\" \"$CLUSTERML_SEED\" \"$CLUSTERML_TRIAL_DIR\" \"${{PATH:+has-path}}\" > env.txt; " + Metric,
            ("learning-rate", "0.5")) with { Environment = ImmutableDictionary<string, string>.Empty.Add("GREETING", "hi {learning-rate} {{x}}") };
        Run(spec, seed: 11);
        Assert.Equal($"hi 0.5 {{x}}|0.5|11|{TrialDir}|has-path", Read("env.txt"));
    }

    [Fact]
    public void An_input_should_be_in_the_folder_under_its_original_name_and_removed_afterwards()
    {
        var local = _folder.Write("blobs/9f86d081884c7d65", "units metal\n");
        var spec = Sh("cat in.lmp > seen.txt; printf %s \"$1\" > path.txt; " + Metric) with
        {
            Command = ["/bin/sh", "-c", "cat in.lmp > seen.txt; printf %s \"$1\" > path.txt; " + Metric, "sh", "{inputs.structure}"],
            Inputs = [new ExecInput("structure", local, "in.lmp")],
        };
        Run(spec);
        Assert.Equal("units metal\n", Read("seen.txt"));
        Assert.Equal(Path.Combine(TrialDir, "in.lmp"), Read("path.txt"));
        Assert.False(File.Exists(Path.Combine(TrialDir, "in.lmp")));
        Assert.Equal("units metal\n", File.ReadAllText(local));
    }

    [Theory]
    [InlineData("./sim.sh")]
    [InlineData("sim.sh")]
    public void A_relative_program_shipped_as_an_input_should_run_from_the_folder(string program)
    {
        var script = _folder.Write("blobs/abc", "#!/bin/sh\necho \"clusterml-metric loss=$1 step=1\"\n");
        var outcome = Run(new ExecTrialSpec([program, "{x}"], Inputs: [new ExecInput("sim", script, "sim.sh")],
            Parameters: ImmutableDictionary<string, string>.Empty.Add("x", "2.5")));
        Assert.Equal(2.5, outcome.FinalLoss);
    }

    [Fact]
    public void Outputs_should_be_globbed_and_returned_as_artifacts()
    {
        var spec = Sh("mkdir -p out/deep; touch out/b.csv out/a.csv out/deep/c.csv out/x.txt other.csv; " + Metric) with { Outputs = ["out/**/*.csv"] };
        var outcome = Run(spec);
        Assert.Equal([ExecEngine.StdoutFile, "out/a.csv", "out/b.csv", "out/deep/c.csv"], outcome.Artifacts!);
    }

    [Fact]
    public void Without_an_artifact_folder_the_run_should_use_a_temporary_folder_and_remove_it()
    {
        var marker = _folder.File("where.txt");
        var outcome = _engine.Train(Sh("pwd > \"$1\"; " + Metric) with { Command = ["/bin/sh", "-c", "pwd > \"$1\"; " + Metric, "sh", marker] },
            new RunContext(1), CancellationToken.None);
        var used = File.ReadAllText(marker).Trim();
        Assert.NotEqual(Path.GetFullPath(_folder.Path), used);
        Assert.False(Directory.Exists(used));
        Assert.Empty(outcome.Artifacts!);
    }

    [Fact]
    public void Large_output_on_both_streams_should_not_deadlock()
    {
        var spec = Sh("i=0; while [ $i -lt 4 ]; do seq 1 50000; seq 1 50000 >&2; i=$((i+1)); done; " + Metric);
        Run(spec);
        Assert.Equal(200_001, File.ReadAllLines(Path.Combine(TrialDir, ExecEngine.StdoutFile)).Length);
        Assert.Equal(200_000, File.ReadAllLines(Path.Combine(TrialDir, ExecEngine.StderrFile)).Length);
    }

    [Fact]
    public void Check_should_refuse_a_spec_without_a_command_or_with_an_unknown_placeholder()
    {
        Assert.Equal("command", Assert.Throws<InvalidInputException>(() => _engine.Check(new ExecTrialSpec([]))).Field);
        Assert.Equal("command", Assert.Throws<InvalidInputException>(() => _engine.Check(new ExecTrialSpec(["echo", "{nope}"]))).Field);
        Assert.Equal("inputs.x", Assert.Throws<InvalidInputException>(() => _engine.Check(new ExecTrialSpec(["true"], Inputs: [new ExecInput("x", "/a", "../escape")]))).Field);
        Assert.Equal("metrics_file", Assert.Throws<InvalidInputException>(() => _engine.Check(new ExecTrialSpec(["true"], MetricsFile: "/tmp/m.json"))).Field);
        _engine.Check(new ExecTrialSpec(["some-program-not-on-this-machine", "{seed}"]));
        Assert.True(_engine.Accepts(new ExecTrialSpec(["true"])));
        Assert.False(_engine.Accepts(new OtherSpec()));
    }

    private static bool Alive(int pid)
    {
        // A zombie (state Z) has ended; only its parent has yet to collect it.
        var stat = $"/proc/{pid}/stat";
        try
        {
            var text = File.ReadAllText(stat);
            return text[(text.LastIndexOf(')') + 2)..][0] != 'Z';
        }
        catch (IOException)
        {
            return false;
        }
    }

    private sealed class Sync(Action<TrainingProgress> report) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress value) => report(value);
    }

    private sealed record OtherSpec : ClusterML.Core.Specs.ITrialSpec;
}
