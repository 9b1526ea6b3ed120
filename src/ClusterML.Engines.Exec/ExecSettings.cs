using System.Collections.Immutable;
using System.Globalization;
using ClusterML.Core.Campaigns;
using ClusterML.Core.Validation;

namespace ClusterML.Engines.Exec;

/// <summary>
/// Reads an exec trial's campaign settings (base + hyperparameters) into an <see cref="ExecTrialSpec"/>. Known settings:
/// <c>command</c> (list of argument templates, or one text; required), <c>shell</c> (bool), <c>env</c> (list of
/// <c>NAME=template</c>) or <c>env.NAME: template</c>, <c>timeout</c> (seconds, or <c>90s</c>, <c>30m</c>, <c>1.5h</c>,
/// <c>2d</c>, <c>hh:mm:ss</c>), <c>inputs</c> (list of <c>name=path</c>) or <c>inputs.NAME: path</c> (relative to the
/// spec's folder; the file must exist), <c>outputs</c> (glob patterns relative to the trial folder), <c>metrics_file</c> and
/// <c>loss</c>. Every other setting is a parameter, substituted as <c>{name}</c> and exported as
/// <c>CLUSTERML_PARAM_NAME</c>. A campaign's <c>env: {NAME: value}</c> mapping arrives as dotted settings
/// (<c>env.NAME</c>), as does <c>inputs</c>. Every template is checked here, so a typo in a placeholder fails the plan, not the trials. Stateless.
/// </summary>
public static class ExecSettings
{
    /// <summary>Setting names that are not parameters (besides <c>env.*</c> and <c>inputs.*</c>).</summary>
    public static IReadOnlyList<string> Keys { get; } = ["command", "shell", "env", "timeout", "inputs", "outputs", "metrics_file", "loss"];

    private const string EnvPrefix = "env.";

    /// <summary>The longest timeout (a year), as for campaign wall times.</summary>
    private const double LongestTimeoutSeconds = 365 * 86400.0;

    /// <exception cref="InvalidInputException">A setting is missing, mistyped or invalid; its key is the field.</exception>
    public static ExecTrialSpec Read(IReadOnlyDictionary<string, CampaignValue> settings, string specPath)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(specPath);
        InvalidInputException Bad(string key, string problem) => new(key, problem, specPath);

        var command = settings.TryGetValue("command", out var c) ? Items(c) : [];
        if (command.Length == 0 || command[0].Trim().Length == 0)
        {
            throw Bad("command", "is required: the program and its arguments, e.g. [python3, sim.py, --lr, '{lr}']");
        }
        var shell = settings.TryGetValue("shell", out var s)
            ? s is CampaignValue.Boolean b ? b.Value : throw Bad("shell", $"'{s}' is not true or false")
            : false;

        var environment = ImmutableDictionary.CreateBuilder<string, string>(StringComparer.Ordinal);
        var environmentKeys = new Dictionary<string, string>(StringComparer.Ordinal);
        var inputs = new List<(string Key, string Name, string Path)>();
        var parameters = ImmutableDictionary.CreateBuilder<string, string>(StringComparer.Ordinal);
        foreach (var (key, value) in settings.OrderBy(e => e.Key, StringComparer.Ordinal))
        {
            if (key == "env")
            {
                foreach (var (name, template) in Pairs(key, value, Bad))
                {
                    AddEnvironment(key, name, template);
                }
            }
            else if (key.StartsWith(EnvPrefix, StringComparison.Ordinal))
            {
                AddEnvironment(key, key[EnvPrefix.Length..], Single(key, value, Bad));
            }
            else if (key == "inputs")
            {
                inputs.AddRange(Pairs(key, value, Bad).Select(p => (key, p.Name, p.Value)));
            }
            else if (key.StartsWith(ExecTemplate.InputPrefix, StringComparison.Ordinal))
            {
                inputs.Add((key, key[ExecTemplate.InputPrefix.Length..], Single(key, value, Bad)));
            }
            else if (key is ExecTemplate.TrialDir or ExecTemplate.Seed)
            {
                throw Bad(key, $"is reserved: {{{key}}} is the trial's {(key == ExecTemplate.Seed ? "seed" : "working folder")}; give the setting another name");
            }
            else if (!Keys.Contains(key))
            {
                parameters[key] = value.ToString();
            }
        }

        void AddEnvironment(string key, string name, string template)
        {
            if (name.Length == 0 || !(char.IsAsciiLetter(name[0]) || name[0] == '_') || !name.All(ch => char.IsAsciiLetterOrDigit(ch) || ch == '_'))
            {
                throw Bad(key, $"'{name}' is not an environment variable name (letters, digits and _, not starting with a digit)");
            }
            if (!environment.TryAdd(name, template))
            {
                throw Bad(key, $"sets {name} twice (also in {environmentKeys[name]})");
            }
            environmentKeys[name] = key;
        }

        var specFolder = Path.GetDirectoryName(Path.GetFullPath(specPath)) ?? ".";
        var execInputs = ImmutableArray.CreateBuilder<ExecInput>();
        foreach (var (key, name, path) in inputs)
        {
            if (!ExecTemplate.IsName(name) || name.Contains('.', StringComparison.Ordinal))
            {
                throw Bad(key, $"'{name}' is not an input name (letters, digits, _ and -, starting with a letter or _)");
            }
            if (execInputs.Any(i => i.Name == name))
            {
                throw Bad(key, $"names the input '{name}' twice");
            }
            var full = Path.GetFullPath(Path.Combine(specFolder, path));
            if (!File.Exists(full))
            {
                throw Bad(key, $"the file {full} does not exist");
            }
            var fileName = Path.GetFileName(full);
            if (execInputs.FirstOrDefault(i => i.FileName == fileName) is { } clash)
            {
                throw Bad(key, $"the file name {fileName} is also input '{clash.Name}'s; both would be {fileName} in the trial folder");
            }
            if (fileName is "stdout.txt" or "stderr.txt")
            {
                throw Bad(key, $"{fileName} is the trial's captured output; rename the input file");
            }
            execInputs.Add(new ExecInput(name, full, fileName));
        }

        var known = new HashSet<string>(parameters.Keys, StringComparer.Ordinal) { ExecTemplate.TrialDir, ExecTemplate.Seed };
        known.UnionWith(execInputs.Select(i => ExecTemplate.InputPrefix + i.Name));
        foreach (var template in command)
        {
            CheckTemplate("command", template, known, Bad);
        }
        foreach (var (name, template) in environment)
        {
            CheckTemplate(environmentKeys[name], template, known, Bad);
        }

        var outputs = settings.TryGetValue("outputs", out var o) ? Items(o) : [];
        foreach (var pattern in outputs)
        {
            RelativeInside("outputs", pattern, Bad);
        }
        string? metricsFile = null;
        if (settings.TryGetValue("metrics_file", out var m))
        {
            metricsFile = Single("metrics_file", m, Bad);
            RelativeInside("metrics_file", metricsFile, Bad);
        }
        string? loss = null;
        if (settings.TryGetValue("loss", out var l))
        {
            loss = Single("loss", l, Bad);
            if (!ExecTemplate.IsName(loss))
            {
                throw Bad("loss", $"'{loss}' is not a metric name (letters, digits, _, - and ., starting with a letter or _)");
            }
        }
        var timeout = settings.TryGetValue("timeout", out var t) ? TimeoutSeconds(t) ?? throw Bad("timeout",
            $"'{t}' is not a duration (seconds as a number, or 90s, 30m, 1.5h, 2d, hh:mm:ss; more than 0, at most 365d)") : (double?)null;

        return new ExecTrialSpec(command, shell, environment.ToImmutable(), timeout, execInputs.ToImmutable(), outputs, metricsFile, loss,
            parameters.ToImmutable());
    }

    /// <summary>A timeout in seconds: a positive number of seconds, or text <c>90s</c>, <c>30m</c>, <c>1.5h</c>, <c>2d</c>, <c>hh:mm:ss</c>; null when invalid.</summary>
    public static double? TimeoutSeconds(CampaignValue value)
    {
        ArgumentNullException.ThrowIfNull(value);
        double? seconds = null;
        if (value.TryGetDouble(out var number))
        {
            seconds = number;
        }
        else if (value is CampaignValue.Text { Value: var text } && CampaignSpecReader.ParseDuration(text) is { } span && span != TimeSpan.MaxValue)
        {
            seconds = span.TotalSeconds;
        }
        return seconds is > 0 and <= LongestTimeoutSeconds ? seconds : null;
    }

    private static ImmutableArray<string> Items(CampaignValue value) => value switch
    {
        CampaignValue.List list => [.. list.Items.Select(i => i.ToString())],
        _ => [value.ToString()],
    };

    private static string Single(string key, CampaignValue value, Func<string, string, InvalidInputException> bad) =>
        value is CampaignValue.List ? throw bad(key, $"must be a single value, not the list [{value}]") : value.ToString();

    private static IEnumerable<(string Name, string Value)> Pairs(string key, CampaignValue value, Func<string, string, InvalidInputException> bad)
    {
        foreach (var item in Items(value))
        {
            var equals = item.IndexOf('=', StringComparison.Ordinal);
            if (equals <= 0)
            {
                throw bad(key, $"'{item}' is not NAME=value (write {key}: [NAME=value, …] or {key}.NAME: value)");
            }
            yield return (item[..equals].Trim(), item[(equals + 1)..]);
        }
    }

    private static void CheckTemplate(string key, string template, HashSet<string> known, Func<string, string, InvalidInputException> bad)
    {
        IReadOnlyList<string> placeholders;
        try
        {
            placeholders = ExecTemplate.Placeholders(template);
        }
        catch (FormatException e)
        {
            throw bad(key, $"in '{template}': {e.Message}");
        }
        if (placeholders.FirstOrDefault(p => !known.Contains(p)) is { } unknown)
        {
            throw bad(key, $"in '{template}': {{{unknown}}} is not a parameter, an input or a placeholder of this engine (known: "
                + string.Join(", ", known.Order(StringComparer.Ordinal).Select(k => $"{{{k}}}")) + ")");
        }
    }

    private static void RelativeInside(string key, string path, Func<string, string, InvalidInputException> bad)
    {
        if (path.Trim().Length == 0 || Path.IsPathRooted(path) || path.Replace('\\', '/').Split('/').Contains(".."))
        {
            throw bad(key, $"'{path}' must be a path relative to the trial folder, inside it (no leading / and no ..)");
        }
    }
}
