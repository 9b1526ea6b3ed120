using System.CommandLine;
using System.CommandLine.Parsing;

namespace ClusterML.Cli.Hosting;

/// <summary>
/// "Did you mean" for misspelt commands and options: a token the parser did not recognise is compared with the names and
/// aliases of the subcommands and options where it was typed (edit distance with transpositions, dashes ignored), and the
/// close ones are suggested.
/// </summary>
public static class Suggestions
{
    /// <summary>
    /// The error lines for <paramref name="parse"/>'s problems: an unrecognised token with close names gets one line with
    /// the suggestion; "Required command was not provided" is left out when an unrecognised token already explains it.
    /// </summary>
    public static IReadOnlyList<string> Explain(ParseResult parse)
    {
        var command = parse.CommandResult.Command;
        var unmatched = parse.UnmatchedTokens.ToHashSet(StringComparer.Ordinal);
        // The value after an unknown option ("--tend 1") is unmatched too; the option's line covers it.
        var values = parse.UnmatchedTokens.Zip(parse.UnmatchedTokens.Skip(1))
            .Where(p => p.Item1.StartsWith('-') && !p.Item2.StartsWith('-')).Select(p => p.Item2).ToHashSet(StringComparer.Ordinal);
        var lines = new List<string>();
        var unknownCommand = false;
        foreach (var problem in parse.Errors)
        {
            var token = unmatched.FirstOrDefault(t => problem.Message.Contains($"'{t}'", StringComparison.Ordinal));
            if (token is null)
            {
                if (unmatched.Count > 0 && problem.Message.StartsWith("Required command was not provided", StringComparison.Ordinal))
                {
                    continue; // the unrecognised command below says more
                }
                lines.Add($"error: {problem.Message}");
                continue;
            }
            var kind = token.StartsWith('-') ? "option" : command.Subcommands.Count > 0 ? "command" : "argument";
            if (values.Contains(token) || unknownCommand)
            {
                continue; // an unknown option's value, or what follows an unknown command (its arguments and options)
            }
            unknownCommand |= kind == "command";
            var close = For(token, command);
            lines.Add(close.Count == 0
                ? $"error: unknown {kind} '{token}'"
                : $"error: unknown {kind} '{token}'; did you mean {string.Join(" or ", close.Select(c => $"'{c}'"))}?");
        }
        return lines;
    }

    /// <summary>The names of <paramref name="command"/>'s subcommands (for a word) or options (for a dashed token) close to <paramref name="token"/>, best first.</summary>
    public static IReadOnlyList<string> For(string token, Command command)
    {
        var candidates = token.StartsWith('-')
            ? AllOptions(command).Where(o => !o.Hidden).SelectMany(o => o.Aliases.Prepend(o.Name))
            : command.Subcommands.Where(c => !c.Hidden).SelectMany(c => c.Aliases.Prepend(c.Name));
        var typed = Bare(token);
        // Up to a third of the word wrong (at least one edit, at most three): "campain" → campaign, "--tend" → --t-end.
        var allowed = Math.Clamp(typed.Length / 3, 1, 3);
        return [.. candidates.Distinct(StringComparer.Ordinal)
            .Select(name => (Name: name, Distance: Distance(typed, Bare(name))))
            .Where(c => c.Distance <= allowed)
            .OrderBy(c => c.Distance).ThenBy(c => c.Name, StringComparer.Ordinal)
            .Take(3)
            .Select(c => c.Name)];
    }

    /// <summary>The options of <paramref name="command"/> and the recursive ones of its parents (the global options).</summary>
    private static IEnumerable<Option> AllOptions(Command command)
    {
        foreach (var option in command.Options)
        {
            yield return option;
        }
        for (var parent = command.Parents.OfType<Command>().FirstOrDefault(); parent is not null; parent = parent.Parents.OfType<Command>().FirstOrDefault())
        {
            foreach (var option in parent.Options.Where(o => o.Recursive))
            {
                yield return option;
            }
        }
    }

    private static string Bare(string name) => name.TrimStart('-').Replace("-", "", StringComparison.Ordinal).ToLowerInvariant();

    /// <summary>Optimal string alignment distance: insertions, deletions, substitutions and swaps of neighbours cost 1.</summary>
    internal static int Distance(string a, string b)
    {
        var d = new int[a.Length + 1, b.Length + 1];
        for (var i = 0; i <= a.Length; i++)
        {
            d[i, 0] = i;
        }
        for (var j = 0; j <= b.Length; j++)
        {
            d[0, j] = j;
        }
        for (var i = 1; i <= a.Length; i++)
        {
            for (var j = 1; j <= b.Length; j++)
            {
                var cost = a[i - 1] == b[j - 1] ? 0 : 1;
                d[i, j] = Math.Min(Math.Min(d[i - 1, j] + 1, d[i, j - 1] + 1), d[i - 1, j - 1] + cost);
                if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
                {
                    d[i, j] = Math.Min(d[i, j], d[i - 2, j - 2] + 1);
                }
            }
        }
        return d[a.Length, b.Length];
    }
}
