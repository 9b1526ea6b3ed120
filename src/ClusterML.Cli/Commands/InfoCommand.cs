using System.CommandLine;
using System.Reflection;
using ClusterML.Cli.Hosting;
using ClusterML.Engines.Torch;
using Spectre.Console;

namespace ClusterML.Cli.Commands;

/// <summary><c>clusterml info</c>: versions, and whether TorchSharp loads and the requested device is usable on this machine.</summary>
internal static class InfoCommand
{
    public static Command Create(CommandRunner runner)
    {
        var device = new Option<string>("--device") { Description = "Device to check: cpu, cuda or cuda:N.", DefaultValueFactory = _ => "cpu" };
        var info = new Command("info", "Show versions and check that TorchSharp loads and the device works (a tensor op on it).") { device };
        runner.SetAction(info, (context, _) =>
        {
            var torchInfo = TorchRuntimeInfo.Probe();
            var resolved = TorchDevices.Resolve(context.Parse.GetValue(device) ?? "cpu");
            var check = TorchSmokeTest.Run(resolved);
            var table = new Table().AddColumn("item").AddColumn("value");
            table.AddRow("clusterml", typeof(InfoCommand).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? "?");
            table.AddRow(".NET", Environment.Version.ToString());
            table.AddRow("OS", System.Runtime.InteropServices.RuntimeInformation.OSDescription);
            table.AddRow("TorchSharp", torchInfo.TorchSharpVersion);
            table.AddRow("CUDA available", torchInfo.CudaAvailable ? $"yes ({torchInfo.CudaDevices} device(s))" : "no");
            table.AddRow("torch threads (intra/inter)", $"{torchInfo.IntraOpThreads}/{torchInfo.InterOpThreads}");
            table.AddRow("device check", $"{resolved}: d²(x³)/dx² at x = 2 is {check:G6} (expected 12)");
            var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(context.Out), Interactive = InteractionSupport.No });
            console.Write(table);
            return Task.FromResult(Math.Abs(check - 12.0) < 1e-9 ? ExitCodes.Ok : ExitCodes.Failure);
        });
        return info;
    }
}
