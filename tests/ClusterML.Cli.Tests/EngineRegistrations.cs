using System.Runtime.CompilerServices;
using ClusterML.Cli.Hosting;

namespace ClusterML.Cli.Tests;

/// <summary>Tests that plan campaigns without going through <c>ClusterMLApp.RunAsync</c> get the program's engines too.</summary>
internal static class EngineRegistrations
{
    [ModuleInitializer]
    internal static void Register() => ClusterHost.RegisterEngines();
}
