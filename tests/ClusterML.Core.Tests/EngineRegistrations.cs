using System.Runtime.CompilerServices;
using ClusterML.Core.Engines;
using ClusterML.Engines.FiniteDifferences;
using ClusterML.Engines.Surrogate;

namespace ClusterML.Core.Tests;

/// <summary>The engines these tests plan campaigns for, registered as the program registers them at start-up.</summary>
internal static class EngineRegistrations
{
    [ModuleInitializer]
    internal static void Register() => EngineRegistry.Register(FdHeatEngine.Registration, SurrogateEngine.Registration,
        ClusterML.Engines.Active.GeneratorOracleEngine.Registration, ClusterML.Engines.Active.ActiveRoundEngine.Registration);
}
