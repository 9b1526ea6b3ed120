using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;

namespace ClusterML.Benchmarks;

/// <summary>
/// Runs the benchmarks (<c>dotnet run -c Release --project bench/ClusterML.Benchmarks -- --filter '*'</c>) and, for the FD
/// step, prints grid-point updates per second and the ratio to the copy measured in the same run. The first argument may
/// instead name a report that runs real processes, e.g. <c>chaos [minutes] [seed]</c> (<see cref="ChaosReport"/>,
/// also <c>bench/chaos.sh</c>).
/// </summary>
public static class Program
{
    public static void Main(string[] args)
    {
        ClusterML.Cli.Hosting.ClusterHost.RegisterEngines();
        // As the clusterml program starts its pool (Program.cs there): engines block pool threads on purpose.
        ThreadPool.GetMinThreads(out var workers, out var io);
        ThreadPool.SetMinThreads(Math.Max(workers, 8 * Environment.ProcessorCount), io);
        if (args is ["blob-transfer", .. var transferArgs])
        {
            BlobTransferReport.Run(transferArgs);
            return;
        }
        if (args is ["blob-node", .. var nodeArgs])
        {
            BlobTransferReport.Node(nodeArgs);
            return;
        }
        if (args is ["active-learning", .. var activeArgs])
        {
            ActiveLearningReport.Run(activeArgs);
            return;
        }
        if (args is ["campaign-two-workers", .. var twoArgs])
        {
            TwoWorkerThroughputReport.Run(twoArgs.Length > 0 ? int.Parse(twoArgs[0], System.Globalization.CultureInfo.InvariantCulture) : 20_000);
            return;
        }
        if (args is ["nep-distributed", .. var distributedArgs])
        {
            DistributedNepReport.Run(distributedArgs);
            return;
        }
        if (args is ["campaign-recovery", .. var recoveryArgs])
        {
            CampaignRecoveryReport.Run(recoveryArgs);
            return;
        }
        if (args is ["chaos", .. var chaosArgs])
        {
            ChaosReport.Run(chaosArgs);
            return;
        }
        if (args is ["campaign-scale", .. var scaleArgs])
        {
            CampaignScaleReport.Run(scaleArgs);
            return;
        }
        if (args is ["init-race", .. var initArgs])
        {
            Environment.ExitCode = ScalarRace.Init(initArgs);
            return;
        }
        if (args is ["scalar-race", .. var raceArgs])
        {
            Environment.ExitCode = ScalarRace.Run(raceArgs);
            return;
        }
        if (args is ["exec-engine", ..])
        {
            CampaignThroughputReport.RunExecEngineAlone(200);
            return;
        }
        if (args is ["dashboard-load", .. var loadArgs])
        {
            DashboardLoadReport.Run(loadArgs is [var n, ..] ? int.Parse(n, System.Globalization.CultureInfo.InvariantCulture) : 3);
            return;
        }
        if (args is ["exec-throughput", .. var execArgs])
        {
            CampaignThroughputReport.RunExec(execArgs is [var n, ..] ? int.Parse(n, System.Globalization.CultureInfo.InvariantCulture) : 1000);
            return;
        }
        if (args is ["campaign-throughput", ..])
        {
            CampaignThroughputReport.Run();
            return;
        }
        if (args is ["nep-snes", ..])
        {
            NepTrainReport.Snes();
            return;
        }
        if (args is ["nep-active", .. var a]) { NepActiveReport.Run(a); return; }
        if (args is ["nep-train", .. var trainArgs])
        {
            NepTrainReport.Run(trainArgs);
            return;
        }
        if (args is ["nep-speed", .. var nepArgs])
        {
            NepSpeedReport.Run(nepArgs);
            return;
        }
        if (args is ["pinn-steps", ..])
        {
            PinnHeatReport.StepTimes();
            return;
        }
        if (args is ["pinn-ablation", ..])
        {
            PinnHeatReport.Ablation();
            return;
        }
        if (args is ["pinn-heat", .. var pinnArgs])
        {
            PinnHeatReport.Run(pinnArgs);
            return;
        }
        if (args is ["tpe-quality", .. var tpeArgs])
        {
            TpeReport.Quality(tpeArgs);
            return;
        }
        if (args is ["tpe-quality-surrogate", .. var surrogateSweepArgs])
        {
            TpeSurrogateReport.Quality(surrogateSweepArgs);
            return;
        }
        if (args is ["tpe-quality-surrogate-merge", .. var mergeArgs])
        {
            TpeSurrogateReport.Merge(mergeArgs);
            return;
        }
        if (args is ["tpe-quality-surrogate-cost", .. var surrogateCostArgs])
        {
            TpeSurrogateReport.Cost(surrogateCostArgs);
            return;
        }
        if (args is ["tpe-cost", ..])
        {
            TpeReport.Cost();
            return;
        }
        if (args is ["surrogate-quality", ..])
        {
            SurrogateQualityReport.Run();
            return;
        }
        var summaries = BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
        foreach (var summary in summaries.Where(s => s.BenchmarksCases.Any(c => c.Descriptor.Type == typeof(FdStepBenchmarks))))
        {
            PrintFdThroughput(summary);
        }
    }

    private static void PrintFdThroughput(Summary summary)
    {
        Console.WriteLine();
        Console.WriteLine("| Nx | method | mean | G points/s | ÷ CopyLoop | ÷ CopyMemmove |");
        Console.WriteLine("|---:|---|---:|---:|---:|---:|");
        foreach (var group in summary.Reports.GroupBy(r => (int)r.BenchmarkCase.Parameters["Nx"]!))
        {
            double Rate(string method) => group.First(r => r.BenchmarkCase.Descriptor.WorkloadMethod.Name == method) is { ResultStatistics: { } s }
                ? group.Key / (s.Mean * 1e-9) : double.NaN;
            var loop = Rate(nameof(FdStepBenchmarks.CopyLoop));
            var memmove = Rate(nameof(FdStepBenchmarks.CopyMemmove));
            foreach (var report in group)
            {
                var name = report.BenchmarkCase.Descriptor.WorkloadMethod.Name;
                var rate = Rate(name);
                Console.WriteLine($"| {group.Key:E0} | {name} | {report.ResultStatistics?.Mean / 1e3:F1} µs | {rate / 1e9:F3} | {rate / loop:F2} | {rate / memmove:F2} |");
            }
        }
    }
}
