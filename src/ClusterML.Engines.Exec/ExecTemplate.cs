using System.Text;

namespace ClusterML.Engines.Exec;

/// <summary>
/// The placeholder scheme of command and environment templates: <c>{name}</c> is a parameter's value, <c>{trial_dir}</c> the
/// trial's working folder (absolute), <c>{seed}</c> the trial's seed, <c>{inputs.NAME}</c> the absolute path of input NAME's
/// copy in the trial folder; <c>{{</c> and <c>}}</c> are literal braces. Names are letters, digits, <c>_</c>, <c>-</c> and
/// <c>.</c>, starting with a letter or <c>_</c>. Stateless and thread-safe.
/// </summary>
public static class ExecTemplate
{
    /// <summary>The working folder's placeholder.</summary>
    public const string TrialDir = "trial_dir";

    /// <summary>The seed's placeholder.</summary>
    public const string Seed = "seed";

    /// <summary>The prefix of an input file's placeholder (<c>{inputs.NAME}</c>).</summary>
    public const string InputPrefix = "inputs.";

    /// <summary>The placeholders of <paramref name="template"/>, in order (repeats included).</summary>
    /// <exception cref="FormatException">A brace is unbalanced or a placeholder's name is not a name.</exception>
    public static IReadOnlyList<string> Placeholders(string template) =>
        [.. Parse(template).Where(p => p.IsPlaceholder).Select(p => p.Text)];

    /// <summary>
    /// <paramref name="template"/> with every placeholder replaced by <paramref name="values"/>[name], passed through
    /// <paramref name="quote"/> when given (the template's own text is kept as written).
    /// </summary>
    /// <exception cref="FormatException">A brace is unbalanced or a placeholder is not a name.</exception>
    /// <exception cref="KeyNotFoundException">A placeholder has no value.</exception>
    public static string Substitute(string template, IReadOnlyDictionary<string, string> values, Func<string, string>? quote = null)
    {
        ArgumentNullException.ThrowIfNull(values);
        var text = new StringBuilder(template.Length);
        foreach (var part in Parse(template))
        {
            if (!part.IsPlaceholder)
            {
                text.Append(part.Text);
                continue;
            }
            if (!values.TryGetValue(part.Text, out var value))
            {
                throw new KeyNotFoundException($"{{{part.Text}}} has no value");
            }
            text.Append(quote is null ? value : quote(value));
        }
        return text.ToString();
    }

    /// <summary>
    /// <paramref name="value"/> as one POSIX shell word that the shell takes literally: in single quotes, each <c>'</c> written
    /// as <c>'\''</c>. No character inside single quotes is special, so no value can run anything.
    /// </summary>
    public static string ShellQuote(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        return "'" + value.Replace("'", "'\\''", StringComparison.Ordinal) + "'";
    }

    /// <summary>True for a valid placeholder name (see the type's summary).</summary>
    public static bool IsName(string name) =>
        name.Length > 0 && (char.IsAsciiLetter(name[0]) || name[0] == '_')
        && name.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-' or '.');

    private readonly record struct Part(string Text, bool IsPlaceholder);

    private static List<Part> Parse(string template)
    {
        ArgumentNullException.ThrowIfNull(template);
        var parts = new List<Part>();
        var literal = new StringBuilder();
        for (var i = 0; i < template.Length; i++)
        {
            var c = template[i];
            if (c == '{' && i + 1 < template.Length && template[i + 1] == '{')
            {
                literal.Append('{');
                i++;
            }
            else if (c == '}' && i + 1 < template.Length && template[i + 1] == '}')
            {
                literal.Append('}');
                i++;
            }
            else if (c == '{')
            {
                var end = template.IndexOf('}', i + 1);
                if (end < 0)
                {
                    throw new FormatException($"'{{' at position {i + 1} is not closed (write {{{{ for a literal brace)");
                }
                var name = template[(i + 1)..end];
                if (!IsName(name))
                {
                    throw new FormatException($"'{{{name}}}' is not a placeholder (names are letters, digits, _, - and .; write {{{{ and }}}} for literal braces)");
                }
                if (literal.Length > 0)
                {
                    parts.Add(new Part(literal.ToString(), false));
                    literal.Clear();
                }
                parts.Add(new Part(name, true));
                i = end;
            }
            else if (c == '}')
            {
                throw new FormatException($"'}}' at position {i + 1} has no opening brace (write }}}} for a literal brace)");
            }
            else
            {
                literal.Append(c);
            }
        }
        if (literal.Length > 0)
        {
            parts.Add(new Part(literal.ToString(), false));
        }
        return parts;
    }
}
