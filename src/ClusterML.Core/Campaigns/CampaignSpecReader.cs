using System.Collections.Immutable;
using System.Globalization;
using System.Text.RegularExpressions;
using ClusterML.Core.Validation;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace ClusterML.Core.Campaigns;

/// <summary>
/// Reads a campaign YAML with YamlDotNet's representation model, so that every error names the file, the 1-based line and
/// the field path (e.g. <c>space.lr.low</c>) as an <see cref="InvalidInputException"/>. Nothing runs before the whole spec is valid.
/// </summary>
public static partial class CampaignSpecReader
{
    private static readonly string[] TopLevel = ["name", "engine", "seed", "device", "base", "space", "search", "budget", "early_stopping", "retries"];

    public static CampaignSpec Read(string path)
    {
        if (!File.Exists(path))
        {
            throw new InvalidInputException("SPEC", $"file '{path}' does not exist");
        }
        return Parse(File.ReadAllText(path), Path.GetFullPath(path));
    }

    public static CampaignSpec Parse(string yaml, string sourcePath)
    {
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(yaml));
        }
        catch (YamlException ex)
        {
            throw new InvalidInputException("yaml", ex.Message, sourcePath, (int)ex.Start.Line);
        }
        if (stream.Documents.Count == 0 || stream.Documents[0].RootNode is not YamlMappingNode root)
        {
            throw new InvalidInputException("campaign", "must be a YAML mapping (key: value lines)", sourcePath, 1);
        }
        var r = new Reader(sourcePath);
        r.OnlyKeys(root, "", TopLevel);

        var engine = r.Required(root, "engine", "");
        var engineName = r.Text(engine, "engine");
        if (!EngineName().IsMatch(engineName))
        {
            throw r.Error(engine, "engine", $"'{engineName}' is not an engine name (fd, surrogate, …)");
        }
        var name = r.Optional(root, "name") is { } n ? r.Text(n, "name") : Path.GetFileNameWithoutExtension(sourcePath);
        var seed = r.Optional(root, "seed") is { } s ? (int)r.Integer(s, "seed", int.MinValue, int.MaxValue) : 0;
        var device = r.Optional(root, "device") is { } d ? r.Text(d, "device") : "cpu";
        var retries = r.Optional(root, "retries") is { } rt ? (int)r.Integer(rt, "retries", 0, 100) : 1;

        var baseSettings = ImmutableDictionary<string, CampaignValue>.Empty;
        if (r.Optional(root, "base") is { } baseNode)
        {
            var mapping = r.Mapping(baseNode, "base");
            foreach (var (key, value) in mapping.Children)
            {
                var field = $"base.{r.Text(key, "base")}";
                baseSettings = baseSettings.SetItem(((YamlScalarNode)key).Value!, r.Value(value, field));
            }
        }

        var spaceNode = r.Mapping(r.Required(root, "space", ""), "space");
        if (spaceNode.Children.Count == 0)
        {
            throw r.Error(spaceNode, "space", "needs at least one hyperparameter");
        }
        var space = spaceNode.Children.Select(p => r.Space(((YamlScalarNode)p.Key).Value!, p.Value)).ToImmutableArray();

        var searchNode = r.Mapping(r.Required(root, "search", ""), "search");
        r.OnlyKeys(searchNode, "search", ["kind", "points_per_axis"]);
        var kindNode = r.Required(searchNode, "kind", "search");
        var kind = r.Text(kindNode, "search.kind") switch
        {
            "grid" => SearchKind.Grid,
            "random" => SearchKind.Random,
            "sobol" => SearchKind.Sobol,
            var other => throw r.Error(kindNode, "search.kind", $"'{other}' is not grid, random or sobol"),
        };
        var points = r.Optional(searchNode, "points_per_axis") is { } pp ? (int)r.Integer(pp, "search.points_per_axis", 2, 1000) : 3;
        if (kind == SearchKind.Sobol && space.Length > SobolSequence.MaxDimensions)
        {
            throw r.Error(spaceNode, "space", $"sobol search supports at most {SobolSequence.MaxDimensions} hyperparameters (got {space.Length})");
        }

        int? maxTrials = null;
        var maxConcurrent = 0;
        TimeSpan? wallTime = null;
        var budgetNode = r.Optional(root, "budget");
        if (budgetNode is not null)
        {
            var budget = r.Mapping(budgetNode, "budget");
            r.OnlyKeys(budget, "budget", ["max_trials", "max_concurrent", "wall_time"]);
            maxTrials = r.Optional(budget, "max_trials") is { } mt ? (int)r.Integer(mt, "budget.max_trials", 1, 1_000_000) : null;
            maxConcurrent = r.Optional(budget, "max_concurrent") is { } mc ? (int)r.Integer(mc, "budget.max_concurrent", 0, 100_000) : 0;
            wallTime = r.Optional(budget, "wall_time") is { } wt ? r.Duration(wt, "budget.wall_time") : null;
        }
        if (kind != SearchKind.Grid && maxTrials is null)
        {
            throw r.Error(budgetNode ?? searchNode, "budget.max_trials", $"is required for {kind.ToString().ToLowerInvariant()} search");
        }

        EarlyStoppingSpec? early = null;
        if (r.Optional(root, "early_stopping") is { } esNode)
        {
            var es = r.Mapping(esNode, "early_stopping");
            r.OnlyKeys(es, "early_stopping", ["metric", "mode", "grace_period", "reduction_factor", "max_epochs"]);
            var metric = r.Text(r.Required(es, "metric", "early_stopping"), "early_stopping.metric");
            var modeNode = r.Optional(es, "mode");
            var mode = modeNode is null ? MetricMode.Min : r.Text(modeNode, "early_stopping.mode") switch
            {
                "min" => MetricMode.Min,
                "max" => MetricMode.Max,
                var other => throw r.Error(modeNode, "early_stopping.mode", $"'{other}' is not min or max"),
            };
            var grace = r.Optional(es, "grace_period") is { } g ? (int)r.Integer(g, "early_stopping.grace_period", 1, 1_000_000) : 1;
            var etaNode = r.Optional(es, "reduction_factor");
            var eta = etaNode is null ? 3.0 : r.Number(etaNode, "early_stopping.reduction_factor");
            if (etaNode is not null && eta < 2)
            {
                throw r.Error(etaNode, "early_stopping.reduction_factor", $"must be ≥ 2 (got {Require.Show(eta)})");
            }
            var maxEpochs = r.Optional(es, "max_epochs") is { } me ? (int?)r.Integer(me, "early_stopping.max_epochs", 1, 100_000_000) : null;
            early = new EarlyStoppingSpec(metric, mode, grace, eta, maxEpochs);
        }

        return new CampaignSpec(name, engineName, seed, device, baseSettings, space, new SearchSpec(kind, points),
            new BudgetSpec(maxTrials, maxConcurrent, wallTime), early, retries, sourcePath);
    }

    [GeneratedRegex("^[a-z][a-z0-9-]*$")]
    private static partial Regex EngineName();

    [GeneratedRegex(@"^(?<n>\d+(\.\d+)?)(?<u>s|m|h|d)$")]
    private static partial Regex ShortDuration();

    /// <summary>Node access with errors that carry file, line and field.</summary>
    private sealed class Reader(string path)
    {
        public InvalidInputException Error(YamlNode node, string field, string problem) =>
            new(field, problem, path, (int)node.Start.Line);

        public YamlMappingNode Mapping(YamlNode node, string field) =>
            node as YamlMappingNode ?? throw Error(node, field, "must be a mapping (key: value entries)");

        public YamlNode? Optional(YamlMappingNode mapping, string key) =>
            mapping.Children.TryGetValue(new YamlScalarNode(key), out var value) ? value : null;

        public YamlNode Required(YamlMappingNode mapping, string key, string parent) =>
            Optional(mapping, key) ?? throw Error(mapping, parent.Length == 0 ? key : $"{parent}.{key}", "is required");

        public void OnlyKeys(YamlMappingNode mapping, string parent, IReadOnlyCollection<string> allowed)
        {
            foreach (var key in mapping.Children.Keys)
            {
                var name = (key as YamlScalarNode)?.Value ?? "";
                if (!allowed.Contains(name))
                {
                    throw Error(key, parent.Length == 0 ? name : $"{parent}.{name}", $"is not a known key (known: {string.Join(", ", allowed)})");
                }
            }
        }

        public string Text(YamlNode node, string field) =>
            node is YamlScalarNode { Value: { Length: > 0 } value } ? value : throw Error(node, field, "must be a non-empty text value");

        public double Number(YamlNode node, string field) =>
            Value(node, field).TryGetDouble(out var v) && double.IsFinite(v) ? v : throw Error(node, field, "must be a finite number");

        public long Integer(YamlNode node, string field, long min, long max)
        {
            if (Value(node, field) is not CampaignValue.Integer { Value: var v })
            {
                throw Error(node, field, "must be a whole number");
            }
            return v >= min && v <= max ? v : throw Error(node, field, $"must be between {min} and {max} (got {v})");
        }

        public TimeSpan Duration(YamlNode node, string field)
        {
            var text = Text(node, field);
            var match = ShortDuration().Match(text);
            if (match.Success)
            {
                var n = double.Parse(match.Groups["n"].Value, CultureInfo.InvariantCulture);
                return match.Groups["u"].Value switch
                {
                    "s" => TimeSpan.FromSeconds(n),
                    "m" => TimeSpan.FromMinutes(n),
                    "h" => TimeSpan.FromHours(n),
                    _ => TimeSpan.FromDays(n),
                };
            }
            return TimeSpan.TryParse(text, CultureInfo.InvariantCulture, out var span) && span > TimeSpan.Zero
                ? span
                : throw Error(node, field, $"'{text}' is not a duration (90s, 30m, 2h, 1d or hh:mm:ss)");
        }

        public CampaignValue Value(YamlNode node, string field)
        {
            switch (node)
            {
                case YamlSequenceNode sequence:
                    return new CampaignValue.List([.. sequence.Children.Select((c, i) => c is YamlScalarNode ? Value(c, $"{field}[{i}]") : throw Error(c, $"{field}[{i}]", "lists may hold only plain values"))]);
                case YamlScalarNode scalar:
                    var text = scalar.Value ?? "";
                    if (scalar.Style is ScalarStyle.SingleQuoted or ScalarStyle.DoubleQuoted)
                    {
                        return new CampaignValue.Text(text);
                    }
                    if (text is "true" or "false")
                    {
                        return new CampaignValue.Boolean(text == "true");
                    }
                    if (long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var integer))
                    {
                        return new CampaignValue.Integer(integer);
                    }
                    if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var real))
                    {
                        return new CampaignValue.Real(real);
                    }
                    return new CampaignValue.Text(text);
                default:
                    throw Error(node, field, "must be a plain value or a list of plain values");
            }
        }

        public ParameterSpace Space(string name, YamlNode node)
        {
            var field = $"space.{name}";
            var mapping = Mapping(node, field);
            var typeNode = Required(mapping, "type", field);
            var type = Text(typeNode, $"{field}.type");
            switch (type)
            {
                case "choice":
                    OnlyKeys(mapping, field, ["type", "values"]);
                    var valuesNode = Required(mapping, "values", field);
                    if (Value(valuesNode, $"{field}.values") is not CampaignValue.List { Items.Length: > 0 } list)
                    {
                        throw Error(valuesNode, $"{field}.values", "must be a non-empty list");
                    }
                    return new ChoiceSpace(name, list.Items);
                case "int":
                    OnlyKeys(mapping, field, ["type", "low", "high", "step"]);
                    var low = Integer(Required(mapping, "low", field), $"{field}.low", long.MinValue, long.MaxValue);
                    var highNode = Required(mapping, "high", field);
                    var high = Integer(highNode, $"{field}.high", long.MinValue, long.MaxValue);
                    var step = Optional(mapping, "step") is { } st ? Integer(st, $"{field}.step", 1, long.MaxValue) : 1;
                    return high > low ? new IntSpace(name, low, high, step) : throw Error(highNode, $"{field}.high", $"must be greater than low ({low})");
                case "uniform":
                case "log-uniform":
                    OnlyKeys(mapping, field, ["type", "low", "high"]);
                    var lowNode = Required(mapping, "low", field);
                    var lo = Number(lowNode, $"{field}.low");
                    var hiNode = Required(mapping, "high", field);
                    var hi = Number(hiNode, $"{field}.high");
                    if (hi <= lo)
                    {
                        throw Error(hiNode, $"{field}.high", $"must be greater than low ({Require.Show(lo)})");
                    }
                    if (type == "uniform")
                    {
                        return new UniformSpace(name, lo, hi);
                    }
                    return lo > 0 ? new LogUniformSpace(name, lo, hi) : throw Error(lowNode, $"{field}.low", $"must be > 0 for log-uniform (got {Require.Show(lo)})");
                default:
                    throw Error(typeNode, $"{field}.type", $"'{type}' is not choice, int, uniform or log-uniform");
            }
        }
    }
}
