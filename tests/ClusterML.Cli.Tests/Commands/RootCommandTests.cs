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
    public async Task Info_should_check_torch_on_the_cpu()
    {
        var (code, stdout, stderr) = await _cli.RunAsync("info");
        Assert.True(code == 0, stderr);
        Assert.Contains("is 12 (expected 12)", stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Info_with_cuda_on_a_machine_without_it_should_exit_2_with_a_clear_message()
    {
        Assert.SkipWhen(TorchSharp.torch.cuda.is_available(), "this machine has CUDA");
        var (code, _, stderr) = await _cli.RunAsync("info", "--device", "cuda");
        Assert.Equal(2, code);
        Assert.Contains("--device: CUDA was requested but is not available", stderr, StringComparison.Ordinal);
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
