using System.CommandLine;
using ClusterML.Core.Validation;

namespace ClusterML.Cli.Hosting;

/// <summary>Options several commands share, built the same way everywhere.</summary>
internal static class CommonOptions
{
    public static Option<int> Seed(string description = "Seed for every random choice; the same seed gives the same result.") =>
        new("--seed") { Description = description, DefaultValueFactory = _ => 0 };

    public static Option<string> Device() =>
        new("--device") { Description = "cpu (default), cuda or cuda:N.", DefaultValueFactory = _ => "cpu" };

    /// <summary>A comma-separated list option (e.g. <c>--inputs a,b,c</c>).</summary>
    public static Option<string[]> List(string name, string description) =>
        new(name)
        {
            Description = description,
            CustomParser = result => result.Tokens.SelectMany(t => t.Value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)).ToArray(),
            DefaultValueFactory = _ => [],
            AllowMultipleArgumentsPerToken = false,
        };

    /// <summary>A required path option; the value must not be blank.</summary>
    public static string RequiredPath(ParseResult parse, Option<string> option)
    {
        var value = parse.GetValue(option);
        return string.IsNullOrWhiteSpace(value) ? throw new InvalidInputException(option.Name, "is required") : value;
    }
}
