using System.Text.RegularExpressions;

namespace ClusterML.Cli.Tests.Commands;

/// <summary>The README's examples name files that ship in the repository (issue 14: examples that run as written).</summary>
public sealed partial class ReadmeTests
{
    [GeneratedRegex(@"(?<![\w/.-])config/[\w./-]+\.(?:yaml|csv|json|xyz|txt)")]
    private static partial Regex ShippedFile();

    [Fact]
    public void Every_config_file_the_README_names_should_exist()
    {
        var readme = File.ReadAllText(CliRun.RepositoryFile("README.md"));
        // Placeholders in capitals (config/appsettings.ROLE.json) stand for a file the user makes.
        var named = ShippedFile().Matches(readme).Select(m => m.Value).Distinct()
            .Where(f => !f.Split('.', '/').Any(part => part.Length > 1 && part != "README" && part.All(char.IsUpper))).ToArray();
        Assert.Contains("config/samples/pinn-points.csv", named);
        Assert.Contains("config/samples/thin-films.csv", named);
        Assert.Contains("config/campaigns/quickstart.yaml", named);
        Assert.All(named, file => Assert.True(File.Exists(CliRun.RepositoryFile(file)), $"README names {file}, which is not in the repository"));
    }
}
