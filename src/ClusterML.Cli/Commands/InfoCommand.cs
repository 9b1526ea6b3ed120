using System.CommandLine;
using System.Reflection;
using ClusterML.Cli.Hosting;
using ClusterML.Engines.Torch;
using ClusterML.Cli.Output;

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
            Tables.Write(context.Out, Tables.KeyValues("item", "value",
            [
                ("clusterml", typeof(InfoCommand).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? "?"),
                (".NET", Environment.Version.ToString()),
                ("OS", System.Runtime.InteropServices.RuntimeInformation.OSDescription),
                ("TorchSharp", torchInfo.TorchSharpVersion),
                ("CUDA available", torchInfo.CudaAvailable ? $"yes ({torchInfo.CudaDevices} device(s))" : "no"),
                ("torch threads (intra/inter)", $"{torchInfo.IntraOpThreads}/{torchInfo.InterOpThreads}"),
                ("device check", $"{resolved}: d²(x³)/dx² at x = 2 is {check:G6} (expected 12)"),
            ]));
            return Task.FromResult(Math.Abs(check - 12.0) < 1e-9 ? ExitCodes.Ok : ExitCodes.Failure);
        });
        return info;
    }
}
