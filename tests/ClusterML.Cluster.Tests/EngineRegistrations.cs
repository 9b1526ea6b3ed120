using System.Runtime.CompilerServices;
using ClusterML.Core.Engines;
using ClusterML.Engines.FiniteDifferences;
using ClusterML.Engines.Nep.Training;
using ClusterML.Engines.Pinn.Heat;
using ClusterML.Engines.Surrogate;

namespace ClusterML.Cluster.Tests;

/// <summary>The engines whose specs these tests plan and send, registered as the program registers them at start-up.</summary>
internal static class EngineRegistrations
{
    [ModuleInitializer]
    internal static void Register() => EngineRegistry.Register(
        FdHeatEngine.Registration, SurrogateEngine.Registration, PinnHeatEngine.Registration, NepTrainEngine.Registration);
}
