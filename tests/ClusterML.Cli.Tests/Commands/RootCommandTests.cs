using System.Diagnostics;

namespace ClusterML.Cli.Tests.Commands;

public sealed class RootCommandTests : IDisposable
{
    private readonly CliRun _cli = new();

    public void Dispose() => _cli.Dispose();

    [Theory]
    [InlineData("--help")]
    [InlineData("fd", "--help")]
    [InlineData("fd", "heat", "--help")]
    [InlineData("info", "--help")]
    public async Task Help_should_be_available_everywhere(params string[] args)
    {
        var (code, stdout, _) = await _cli.RunAsync(args);
        Assert.Equal(0, code);
        Assert.Contains("Usage:", stdout, StringComparison.Ordinal);
        Assert.Contains("--log-format", stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Version_should_print_the_product_version()
    {
        var output = new StringWriter();
        var code = await ClusterMLApp.RunAsync(["--version"], output, new StringWriter(), TestContext.Current.CancellationToken);
        Assert.Equal(0, code);
        Assert.StartsWith("0.1.0", output.ToString().Trim(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Unknown_commands_and_a_missing_subcommand_should_exit_2()
    {
        Assert.Equal(2, (await _cli.RunAsync("frobnicate")).ExitCode);
        var (code, _, stderr) = await _cli.RunAsync("fd");
        Assert.Equal(2, code);
        Assert.Contains("clusterml fd --help", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_misspelt_command_or_option_should_suggest_the_right_one()
    {
        var (code, _, stderr) = await _cli.RunAsync("campain", "status");
        Assert.Equal(2, code);
        Assert.Contains("unknown command 'campain'; did you mean 'campaign'?", stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("Required command was not provided", stderr, StringComparison.Ordinal);

        (code, _, stderr) = await _cli.RunAsync("fd", "heat", "--tend", "1");
        Assert.Equal(2, code);
        Assert.Contains("unknown option '--tend'; did you mean '--t-end'?", stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("'1'", stderr, StringComparison.Ordinal); // the misspelt option's value is not a second error

        (code, _, stderr) = await _cli.RunAsync("campaign", "reslts", "--id", "x");
        Assert.Equal(2, code);
        Assert.Contains("did you mean 'results'?", stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("--id", stderr, StringComparison.Ordinal); // the options of the command meant are not errors of their own

        (code, _, stderr) = await _cli.RunAsync("frobnicate");
        Assert.Equal(2, code);
        Assert.Contains("unknown command 'frobnicate'", stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("did you mean", stderr, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("campain", "campaign", 1)]
    [InlineData("tend", "tend", 0)]
    [InlineData("staus", "status", 1)]
    [InlineData("stauts", "status", 1)] // a swap of neighbours is one edit
    [InlineData("node", "info", 4)]
    public void The_edit_distance_should_count_insertions_deletions_substitutions_and_swaps(string a, string b, int expected) =>
        Assert.Equal(expected, ClusterML.Cli.Hosting.Suggestions.Distance(a, b));

    [Fact]
    public async Task Info_should_check_torch_on_the_cpu()
    {
        var (code, stdout, stderr) = await _cli.RunAsync("info");
        Assert.True(code == 0, stderr);
        Assert.Contains("is 12 (expected 12)", stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Info_with_cuda_on_a_machine_without_it_should_exit_2_with_a_clear_message()
    {
        VisibleSkip.When(TorchSharp.torch.cuda.is_available(), "this machine has CUDA");
        var (code, _, stderr) = await _cli.RunAsync("info", "--device", "cuda");
        Assert.Equal(2, code);
        Assert.Contains("--device: CUDA was requested but is not available", stderr, StringComparison.Ordinal);
    }

    /// <summary>
    /// libtorch prints "[W… optimizer.cpp:138] Warning: Optimizer::parameters() will be removed in PyTorch 1.6" straight to
    /// file descriptor 2 when L-BFGS starts, into the middle of the progress bar; it now goes through the logger (debug).
    /// </summary>
    [Fact]
    [Trait("Category", "Process")]
    public async Task Native_libtorch_warnings_should_go_through_the_logger_not_onto_the_console()
    {
        var dll = Path.Combine(AppContext.BaseDirectory, "clusterml.dll");
        async Task<(int Code, string Error)> Run(params string[] args)
        {
            var start = new ProcessStartInfo("dotnet") { RedirectStandardError = true, RedirectStandardOutput = true, WorkingDirectory = _cli.Root };
            foreach (var a in (string[])[dll, "pinn", "heat", "--epochs", "20", "--lbfgs-steps", "2", "--collocation", "200", "--data-dir", _cli.DataDir, .. args])
            {
                start.ArgumentList.Add(a);
            }
            using var process = Process.Start(start)!;
            var stdout = process.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
            var stderr = await process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
            await stdout;
            await process.WaitForExitAsync(TestContext.Current.CancellationToken);
            return (process.ExitCode, stderr);
        }
        var (code, error) = await Run("--out", _cli.Path("quiet"));
        Assert.True(code == 0, error);
        Assert.DoesNotContain("Optimizer::parameters", error, StringComparison.Ordinal);
        Assert.DoesNotContain("[W", error, StringComparison.Ordinal);
        Assert.Contains("pinn heat:", error, StringComparison.Ordinal); // the command's own log lines still arrive

        (code, error) = await Run("--out", _cli.Path("verbose"), "--verbose");
        Assert.True(code == 0, error);
        Assert.Contains("DBG] libtorch (optimizer.cpp:", error, StringComparison.Ordinal);
        Assert.Contains("Optimizer::parameters() will be removed", error, StringComparison.Ordinal);
    }

    [Fact]
    [Trait("Category", "Process")]
    public async Task The_real_executable_should_return_the_documented_exit_codes()
    {
        var dll = Path.Combine(AppContext.BaseDirectory, "clusterml.dll");
        async Task<int> Run(params string[] args)
        {
            var start = new ProcessStartInfo("dotnet") { RedirectStandardError = true, RedirectStandardOutput = true, WorkingDirectory = _cli.Root };
            foreach (var a in (string[])[dll, .. args, "--data-dir", _cli.DataDir])
            {
                start.ArgumentList.Add(a);
            }
            using var process = Process.Start(start)!;
            await process.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
            await process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
            await process.WaitForExitAsync(TestContext.Current.CancellationToken);
            return process.ExitCode;
        }
        Assert.Equal(0, await Run("fd", "heat", "--nx", "11", "--out", _cli.Path("p")));
        Assert.True(File.Exists(_cli.Path("p/heat.png")));
        Assert.Equal(2, await Run("fd", "heat", "--r", "0.7"));
        Assert.Equal(2, await Run("fd", "heat", "--nx", "1"));
    }
}
