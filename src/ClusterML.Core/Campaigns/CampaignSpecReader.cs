using System.Collections.Immutable;
using System.Globalization;
using System.Text.RegularExpressions;
using ClusterML.Core.Validation;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace ClusterML.Core.Campaigns;

/// <summary>
/// Reads a campaign YAML (format: <see cref="CampaignSpec"/>) through YamlDotNet's representation model, so that every
/// problem becomes an <see cref="InvalidInputException"/> whose <see cref="InvalidInputException.Field"/> is the key path
/// (<c>space.lr.low</c>, <c>budget.max_trials</c>, <c>base.inputs[2]</c>) and whose file and 1-based line point at the
/// offending node (for a missing key: the mapping that lacks it). A YAML syntax error is reported with field <c>yaml</c> and
/// the parser's line. Nothing is half-read: a spec is returned only when all of it is valid.
/// </summary>
/// <remarks>
/// Values are typed by YAML 1.2's core-schema rules for plain (unquoted) scalars: <c>true</c>/<c>false</c> (also
/// <c>True</c>, <c>TRUE</c>, …) are booleans; <c>42</c>, <c>-7</c>, <c>0x1F</c>, <c>0o17</c> whole numbers (64-bit);
/// <c>0.5</c>, <c>.5</c>, <c>1e-3</c>, <c>1.0e-4</c> doubles; anything else, and every quoted or block scalar, is text
/// (so <c>yes</c>, <c>no</c> and <c>1_000</c> are text). The tags <c>!!str</c>, <c>!!int</c>, <c>!!float</c> and <c>!!bool</c>
/// force a type. A null (<c>~</c>, <c>null</c>, an empty value) and a non-finite number (<c>.inf</c>, <c>.nan</c>, 1e999)
/// are errors. Stateless and thread-safe; the same text always gives the same spec.
/// </remarks>
public static partial class CampaignSpecReader
{
    private const string StrTag = "tag:yaml.org,2002:str";
    private const string IntTag = "tag:yaml.org,2002:int";
    private const string FloatTag = "tag:yaml.org,2002:float";
    private const string BoolTag = "tag:yaml.org,2002:bool";
    private const string NullTag = "tag:yaml.org,2002:null";
    private static readonly TimeSpan LongestWallTime = TimeSpan.FromDays(365);
    private static readonly string[] TopLevelKeys =
        ["name", "kind", "engine", "seed", "device", "base", "space", "search", "budget", "early_stopping", "retries", "enqueue", "warm_start", "schedule",
            "objective", "objectives", "constraints"];
    private static readonly string[] ObjectiveKeys = ["metric", "mode"];
    private static readonly string[] ConstraintKeys = ["metric", "min", "max"];
    private static readonly string[] SearchKeys = ["kind", "points_per_axis", "startup_trials", "candidates", "multivariate", "constant_liar"];
    /// <summary>The value as the axis holds it when it lies in the axis (a choice's value, an int on a step, a number in range), else null.</summary>
    internal static CampaignValue? Within(ParameterSpace axis, CampaignValue value) => axis switch
    {
        ChoiceSpace c => c.Values.FirstOrDefault(v => v == value || (v.TryGetDouble(out var a) && value.TryGetDouble(out var b) && a == b)),
        IntSpace i when value.TryGetDouble(out var n) && n == Math.Floor(n) && n >= i.Low && n <= i.High && ((long)n - i.Low) % i.Step == 0
            => new CampaignValue.Integer((long)n),
        UniformSpace u when value.TryGetDouble(out var x) && x >= u.Low && x <= u.High => new CampaignValue.Real(x),
        LogUniformSpace l when value.TryGetDouble(out var x) && x >= l.Low && x <= l.High => new CampaignValue.Real(x),
        _ => null,
    };

    private static string Describe(ParameterSpace axis) => axis switch
    {
        ChoiceSpace c => "one of " + string.Join(", ", c.Values),
        IntSpace i => FormattableString.Invariant($"a whole number {i.Low}…{i.High}") + (i.Step > 1 ? FormattableString.Invariant($" in steps of {i.Step}") : ""),
        UniformSpace u => FormattableString.Invariant($"a number {u.Low}…{u.High}"),
        LogUniformSpace l => FormattableString.Invariant($"a number {l.Low}…{l.High}"),
        _ => axis.Name,
    };

    private static readonly string[] TpeKeys = ["startup_trials", "candidates", "multivariate", "constant_liar"];
    private static readonly string[] BudgetKeys = ["max_trials", "max_concurrent", "wall_time"];
    private static readonly string[] ScheduleKeys = ["kind", "perturbation_interval", "quantile_fraction", "resample_probability", "perturbation_factors"];
    private static readonly string[] EarlyStoppingKeys = ["metric", "mode", "grace_period", "reduction_factor", "max_epochs"];
    private static readonly string[] ChoiceKeys = ["type", "values"];
    private static readonly string[] IntKeys = ["type", "low", "high", "step"];
    private static readonly string[] RangeKeys = ["type", "low", "high"];

    /// <summary>Reads and validates the campaign YAML at <paramref name="path"/>; <see cref="CampaignSpec.SourcePath"/> is its full path.</summary>
    /// <exception cref="InvalidInputException">The file is missing or unreadable (field <c>SPEC</c>), or the spec is invalid.</exception>
    public static CampaignSpec Read(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (string.IsNullOrWhiteSpace(path))
        {
            throw new InvalidInputException("SPEC", "must name a campaign YAML file");
        }
        var fullPath = Path.GetFullPath(path);
        if (!File.Exists(fullPath))
        {
            throw new InvalidInputException("SPEC", $"file '{path}' does not exist");
        }
        string yaml;
        try
        {
            yaml = File.ReadAllText(fullPath);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new InvalidInputException("SPEC", $"file '{path}' cannot be read: {ex.Message}");
        }
        return Parse(yaml, fullPath);
    }

    /// <summary>
    /// Parses and validates campaign YAML text. <paramref name="sourcePath"/> names the file in errors, becomes
    /// <see cref="CampaignSpec.SourcePath"/> unchanged, and gives the default name (its file name without extension).
    /// </summary>
    /// <exception cref="InvalidInputException">The YAML is malformed or the spec is invalid.</exception>
    public static CampaignSpec Parse(string yaml, string sourcePath)
    {
        ArgumentNullException.ThrowIfNull(yaml);
        ArgumentNullException.ThrowIfNull(sourcePath);
        var r = new Reader(sourcePath);
        var root = r.Root(yaml);
        if (r.Optional(root, "kind") is { } campaignKind && r.OneOf(campaignKind, "kind", ["sweep", "active"]) == "active")
        {
            return ParseActive(r, root, sourcePath);
        }
        r.OnlyKeys(root, "", TopLevelKeys);

        var engineNode = r.Required(root, "engine", "");
        var engine = r.Text(engineNode, "engine");
        if (!EngineName().IsMatch(engine))
        {
            throw r.Error(engineNode, "engine", $"'{engine}' is not an engine name (lower-case letters, digits and '-', such as fd or surrogate)");
        }
        var defaultName = Path.GetFileNameWithoutExtension(sourcePath);
        var name = r.Optional(root, "name") is { } nameNode ? r.Text(nameNode, "name") : defaultName.Length > 0 ? defaultName : "campaign";
        var seed = r.Optional(root, "seed") is { } seedNode ? (int)r.Integer(seedNode, "seed", int.MinValue, int.MaxValue) : 0;
        var device = r.Optional(root, "device") is { } deviceNode ? r.Text(deviceNode, "device") : "cpu";
        var retries = r.Optional(root, "retries") is { } retriesNode ? (int)r.Integer(retriesNode, "retries", 0, 100) : 1;
        var baseSettings = r.Optional(root, "base") is { } baseNode ? r.Settings(baseNode) : ImmutableDictionary<string, CampaignValue>.Empty;

        var spaceNode = r.Mapping(r.Required(root, "space", ""), "space");
        if (spaceNode.Children.Count == 0)
        {
            throw r.Error(spaceNode, "space", "needs at least one hyperparameter");
        }
        var space = spaceNode.Children.Select(entry => r.Space(r.KeyName(entry.Key, "space"), entry.Value)).ToImmutableArray();

        var searchNode = r.Mapping(r.Required(root, "search", ""), "search");
        r.OnlyKeys(searchNode, "search", SearchKeys);
        var kindNode = r.Required(searchNode, "kind", "search");
        var kind = r.OneOf(kindNode, "search.kind", ["grid", "random", "sobol", "tpe", "gp"]) switch
        {
            "grid" => SearchKind.Grid,
            "random" => SearchKind.Random,
            "sobol" => SearchKind.Sobol,
            "tpe" => SearchKind.Tpe,
            _ => SearchKind.Gp,
        };
        var tpe = TpeOptions.Default;
        var gp = GpOptions.Default;
        foreach (var key in TpeKeys)
        {
            if (r.Optional(searchNode, key) is not { } node)
            {
                continue;
            }
            if (kind != SearchKind.Tpe && (kind != SearchKind.Gp || key == "multivariate"))
            {
                throw r.Error(node, $"search.{key}", key == "multivariate" ? "applies to tpe search only" : "applies to tpe and gp search only");
            }
            switch (key)
            {
                case "startup_trials":
                    var startup = (int)r.Integer(node, "search.startup_trials", 1, SearchPlanner.MaxTrials);
                    (tpe, gp) = (tpe with { StartupTrials = startup }, gp with { StartupTrials = startup });
                    break;
                case "candidates":
                    var candidates = (int)r.Integer(node, "search.candidates", 1, 100_000);
                    (tpe, gp) = (tpe with { Candidates = candidates }, gp with { Candidates = candidates });
                    break;
                case "multivariate":
                    tpe = tpe with { Multivariate = r.Flag(node, "search.multivariate") };
                    break;
                default:
                    var liar = r.Flag(node, "search.constant_liar");
                    (tpe, gp) = (tpe with { ConstantLiar = liar }, gp with { ConstantLiar = liar });
                    break;
            }
        }
        if (kind == SearchKind.Gp)
        {
            if (space.FirstOrDefault(a => a is ChoiceSpace) is { } choice)
            {
                throw r.Error(spaceNode.Children.First(c => r.KeyName(c.Key, "space") == choice.Name).Key, $"space.{choice.Name}",
                    "gp search models numeric axes only (int, uniform, log-uniform); use tpe for choices");
            }
            if (space.Length > GpOptions.MaxDimensions)
            {
                throw r.Error(spaceNode, "space", $"gp search models at most {GpOptions.MaxDimensions} hyperparameters (got {space.Length})");
            }
        }
        var pointsPerAxis = r.Optional(searchNode, "points_per_axis") is { } pointsNode
            ? (int)r.Integer(pointsNode, "search.points_per_axis", 2, 1000)
            : 3;
        if (kind == SearchKind.Sobol && space.Length > SobolSequence.MaxDimensions)
        {
            throw r.Error(spaceNode, "space", $"sobol search supports at most {SobolSequence.MaxDimensions} hyperparameters (got {space.Length})");
        }

        int? maxTrials = null;
        var maxConcurrent = 0;
        TimeSpan? wallTime = null;
        var budgetNode = r.Optional(root, "budget") is { } b ? r.Mapping(b, "budget") : null;
        if (budgetNode is not null)
        {
            r.OnlyKeys(budgetNode, "budget", BudgetKeys);
            maxTrials = r.Optional(budgetNode, "max_trials") is { } mt ? (int)r.Integer(mt, "budget.max_trials", 1, SearchPlanner.MaxTrials) : null;
            maxConcurrent = r.Optional(budgetNode, "max_concurrent") is { } mc ? (int)r.Integer(mc, "budget.max_concurrent", 0, 100_000) : 0;
            wallTime = r.Optional(budgetNode, "wall_time") is { } wt ? r.WallTime(wt, "budget.wall_time") : null;
        }
        YamlNode budgetBlame = budgetNode ?? kindNode;
        if (kind != SearchKind.Grid && maxTrials is null)
        {
            throw r.Error(budgetBlame, "budget.max_trials", $"is required for {kind.ToString().ToLowerInvariant()} search");
        }
        if (kind == SearchKind.Grid && maxTrials is null && SearchPlanner.GridSize(space, pointsPerAxis) is var size && size > SearchPlanner.MaxTrials)
        {
            var shown = size == long.MaxValue ? "more than 9.2e18" : size.ToString(CultureInfo.InvariantCulture);
            throw r.Error(budgetBlame, "budget.max_trials",
                $"is required: the grid has {shown} points, more than the {SearchPlanner.MaxTrials} a campaign may plan");
        }

        var early = r.Optional(root, "early_stopping") is { } esNode ? r.EarlyStopping(esNode) : null;

        var enqueue = ImmutableArray<ImmutableDictionary<string, CampaignValue>>.Empty;
        if (r.Optional(root, "enqueue") is { } enqueueNode)
        {
            if (enqueueNode is not YamlSequenceNode points)
            {
                throw r.Error(enqueueNode, "enqueue", "must be a list of points ({ axis: value, … })");
            }
            if (kind == SearchKind.Grid)
            {
                throw r.Error(enqueueNode, "enqueue", "does not apply to grid search (a grid tries every point anyway)");
            }
            if (points.Children.Count > (maxTrials ?? 0))
            {
                throw r.Error(enqueueNode, "enqueue", $"lists {points.Children.Count} points, more than budget.max_trials ({maxTrials})");
            }
            var builder = ImmutableArray.CreateBuilder<ImmutableDictionary<string, CampaignValue>>(points.Children.Count);
            for (var i = 0; i < points.Children.Count; i++)
            {
                var field = $"enqueue[{i}]";
                var point = r.Mapping(points.Children[i], field);
                var values = ImmutableDictionary.CreateBuilder<string, CampaignValue>(StringComparer.Ordinal);
                foreach (var (keyNode, valueNode) in point.Children)
                {
                    var key = r.KeyName(keyNode, field);
                    var axis = space.FirstOrDefault(a => a.Name == key)
                        ?? throw r.Error(keyNode, $"{field}.{key}", $"is not a hyperparameter of the space ({string.Join(", ", space.Select(a => a.Name))})");
                    var value = r.Value(valueNode, $"{field}.{key}");
                    values[key] = Within(axis, value) ?? throw r.Error(valueNode, $"{field}.{key}", $"'{value}' is not a value of the space's {key} ({Describe(axis)})");
                }
                if (values.Count == 0)
                {
                    throw r.Error(point, field, "sets no hyperparameter");
                }
                builder.Add(values.ToImmutable());
            }
            enqueue = builder.MoveToImmutable();
        }

        string? warmStart = null;
        var warmStartLine = 0;
        if (r.Optional(root, "warm_start") is { } warmNode)
        {
            warmStart = r.Text(warmNode, "warm_start");
            if (kind is not (SearchKind.Tpe or SearchKind.Gp))
            {
                throw r.Error(warmNode, "warm_start", "feeds earlier results to a model-based search: needs search.kind tpe or gp");
            }
            if (warmStart.Length == 0)
            {
                throw r.Error(warmNode, "warm_start", "must name an earlier campaign's id");
            }
            warmStartLine = Math.Max(1, (int)warmNode.Start.Line);
        }

        PbtSpec? pbt = null;
        if (r.Optional(root, "schedule") is { } scheduleNode)
        {
            pbt = r.Pbt(scheduleNode, baseSettings, space);
            if (kind is not (SearchKind.Grid or SearchKind.Random or SearchKind.Sobol))
            {
                throw r.Error(scheduleNode, "schedule", "population-based training starts from a grid, random or sobol population (search.kind), not a model-based search");
            }
            if (early is not null)
            {
                throw r.Error(scheduleNode, "schedule", "population-based training and early_stopping exclude each other (PBT replaces the worst members instead of stopping them)");
            }
        }

        var (objectives, constraints) = r.Objectives(root, kind);
        if (pbt is not null && objectives.Length > 1 && r.Optional(root, "schedule") is { } pbtNode)
        {
            throw r.Error(pbtNode, "schedule", "population-based training ranks its members by one objective; objectives lists several");
        }

        var lines = ImmutableDictionary.CreateBuilder<string, int>(StringComparer.Ordinal);
        if (r.Optional(root, "base") is YamlMappingNode baseMapping)
        {
            foreach (var (key, value) in baseMapping.Children)
            {
                lines[r.KeyName(key, "base")] = Math.Max(1, (int)value.Start.Line);
                if (value is YamlMappingNode group)
                {
                    foreach (var (innerKey, innerValue) in group.Children)
                    {
                        lines[$"{r.KeyName(key, "base")}.{r.KeyName(innerKey, "base")}"] = Math.Max(1, (int)innerValue.Start.Line);
                    }
                }
            }
        }
        foreach (var key in spaceNode.Children.Keys)
        {
            lines[r.KeyName(key, "space")] = Math.Max(1, (int)key.Start.Line);
        }
        return new CampaignSpec(name, engine, seed, device, baseSettings, space, new SearchSpec(kind, pointsPerAxis) { Tpe = tpe, Gp = gp },
            new BudgetSpec(maxTrials, maxConcurrent, wallTime), early, retries, sourcePath)
        {
            Enqueue = enqueue,
            WarmStart = warmStart,
            WarmStartLine = warmStartLine,
            Pbt = pbt,
            Objectives = objectives,
            Constraints = constraints,
            SettingLines = lines.ToImmutable(),
            EngineLine = Math.Max(1, (int)engineNode.Start.Line),
        };
    }

    [GeneratedRegex("^[a-z][a-z0-9-]*$")]
    private static partial Regex EngineName();

    /// <summary>
    /// A duration as campaign files write it — <c>90s</c>, <c>30m</c>, <c>1.5h</c>, <c>2d</c> or <c>hh:mm:ss</c> — or null when
    /// <paramref name="text"/> is none of these; longer than a year saturates at <see cref="TimeSpan.MaxValue"/>.
    /// </summary>
    public static TimeSpan? ParseDuration(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (ShortDuration().Match(text) is { Success: true } shortForm)
        {
            var n = double.Parse(shortForm.Groups["n"].Value, CultureInfo.InvariantCulture);
            var seconds = n * shortForm.Groups["u"].Value switch
            {
                "s" => 1.0,
                "m" => 60.0,
                "h" => 3600.0,
                _ => 86400.0,
            };
            return seconds <= LongestWallTime.TotalSeconds ? TimeSpan.FromSeconds(seconds) : TimeSpan.MaxValue;
        }
        if (ClockDuration().Match(text) is { Success: true } clock)
        {
            var hours = long.TryParse(clock.Groups["h"].Value, CultureInfo.InvariantCulture, out var h) ? h : long.MaxValue;
            return hours <= LongestWallTime.TotalHours
                ? TimeSpan.FromHours(hours) + TimeSpan.FromMinutes(int.Parse(clock.Groups["m"].Value, CultureInfo.InvariantCulture))
                    + TimeSpan.FromSeconds(int.Parse(clock.Groups["s"].Value, CultureInfo.InvariantCulture))
                : TimeSpan.MaxValue;
        }
        return null;
    }

    [GeneratedRegex(@"^(?<n>[0-9]+(\.[0-9]+)?)(?<u>[smhd])$")]
    private static partial Regex ShortDuration();

    [GeneratedRegex("^(?<h>[0-9]+):(?<m>[0-5][0-9]):(?<s>[0-5][0-9])$")]
    private static partial Regex ClockDuration();

    [GeneratedRegex("^[-+]?[0-9]+$")]
    private static partial Regex DecimalInteger();

    [GeneratedRegex(@"^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$")]
    private static partial Regex FloatNumber();

    [GeneratedRegex(@"^([-+]?\.(inf|Inf|INF)|\.(nan|NaN|NAN))$")]
    private static partial Regex NonFiniteNumber();

    /// <summary>Node access whose errors carry the file, the node's line and the key path.</summary>
    private sealed class Reader(string path)
    {
        public InvalidInputException Error(YamlNode node, string field, string problem) =>
            new(field, problem, path, Math.Max(1, (int)node.Start.Line));

        public YamlMappingNode Root(string yaml)
        {
            var stream = new YamlStream();
            try
            {
                stream.Load(new StringReader(yaml));
            }
            catch (YamlException ex)
            {
                throw new InvalidInputException("yaml", ex.Message, path, Math.Max(1, (int)ex.Start.Line));
            }
            if (stream.Documents.Count == 0)
            {
                throw new InvalidInputException("campaign", "the file is empty; a campaign needs at least engine, space and search", path, 1);
            }
            if (stream.Documents.Count > 1)
            {
                throw Error(stream.Documents[1].RootNode, "campaign", "must be a single YAML document (remove the second '---')");
            }
            var root = stream.Documents[0].RootNode;
            return root as YamlMappingNode ?? throw Error(root, "campaign", "must be a mapping of keys (engine, space, search, …)");
        }

        public string KeyName(YamlNode key, string parent) =>
            key is YamlScalarNode { Value: { Length: > 0 } name }
                ? name
                : throw Error(key, parent.Length == 0 ? "campaign" : parent, "keys must be plain names");

        public void OnlyKeys(YamlMappingNode mapping, string parent, IReadOnlyList<string> allowed)
        {
            foreach (var key in mapping.Children.Keys)
            {
                var name = KeyName(key, parent);
                if (!allowed.Contains(name))
                {
                    // Suggest a known key within a few edits (half the longer name: retry → retries, max_trial → max_trials).
                    var near = allowed.MinBy(a => EditDistance(a, name))!;
                    var hint = EditDistance(near, name) <= Math.Max(2, Math.Max(near.Length, name.Length) / 2) ? $"did you mean '{near}'? " : "";
                    throw Error(key, Join(parent, name), $"is not a known key ({hint}known: {string.Join(", ", allowed)})");
                }
            }
        }

        public YamlNode? Optional(YamlMappingNode mapping, string key) =>
            mapping.Children.FirstOrDefault(entry => entry.Key is YamlScalarNode { Value: var name } && name == key).Value;

        public YamlNode Required(YamlMappingNode mapping, string key, string parent) =>
            Optional(mapping, key) ?? throw Error(mapping, Join(parent, key), "is required");

        public YamlMappingNode Mapping(YamlNode node, string field) => node switch
        {
            YamlMappingNode mapping => mapping,
            _ when IsNull(node) => throw Error(node, field, "is empty; expected key: value entries"),
            _ => throw Error(node, field, $"must be a mapping (key: value entries), not {Describe(node)}"),
        };

        public string Text(YamlNode node, string field)
        {
            var scalar = Scalar(node, field);
            var text = scalar.Value ?? "";
            return text.Trim().Length > 0 ? text : throw Error(node, field, "must not be empty");
        }

        public string OneOf(YamlNode node, string field, IReadOnlyList<string> options)
        {
            var text = Text(node, field);
            return options.Contains(text)
                ? text
                : throw Error(node, field, $"'{text}' is not {string.Join(", ", options.Take(options.Count - 1))} or {options[^1]}");
        }

        public long Integer(YamlNode node, string field, long min, long max)
        {
            var value = Value(node, field);
            if (value is not CampaignValue.Integer { Value: var v })
            {
                throw Error(node, field, $"must be a whole number (got {Show(value)})");
            }
            return v >= min && v <= max ? v : throw Error(node, field, $"must be between {min} and {max} (got {v})");
        }

        public double Number(YamlNode node, string field)
        {
            var value = Value(node, field);
            return value.TryGetDouble(out var v) ? v : throw Error(node, field, $"must be a number (got {Show(value)})");
        }

        public bool Flag(YamlNode node, string field) =>
            Value(node, field) is CampaignValue.Boolean b ? b.Value : throw Error(node, field, "must be true or false");

        public TimeSpan WallTime(YamlNode node, string field)
        {
            var text = Text(node, field);
            return ParseDuration(text) switch
            {
                null => throw Error(node, field, $"'{text}' is not a duration (90s, 30m, 1.5h, 2d or hh:mm:ss)"),
                { } s when s <= TimeSpan.Zero => throw Error(node, field, $"must be longer than zero (got {text})"),
                { } s when s > LongestWallTime => throw Error(node, field, $"must be at most 365d (got {text})"),
                { } s => s,
            };
        }

        public ImmutableDictionary<string, CampaignValue> Settings(YamlNode node, string field = "base")
        {
            var mapping = Mapping(node, field);
            var settings = ImmutableDictionary.CreateBuilder<string, CampaignValue>(StringComparer.Ordinal);
            foreach (var (key, value) in mapping.Children)
            {
                var name = KeyName(key, field);
                if (value is YamlMappingNode group)
                {
                    // A group of settings (an exec trial's env: {NAME: value}) is flattened to dotted names: env.NAME.
                    foreach (var (innerKey, innerValue) in group.Children)
                    {
                        var inner = KeyName(innerKey, $"{field}.{name}");
                        settings[$"{name}.{inner}"] = Value(innerValue, $"{field}.{name}.{inner}");
                    }
                    continue;
                }
                settings[name] = Value(value, $"{field}.{name}");
            }
            return settings.ToImmutable();
        }

        public ParameterSpace Space(string name, YamlNode node)
        {
            var field = $"space.{name}";
            var mapping = Mapping(node, field);
            var type = OneOf(Required(mapping, "type", field), $"{field}.type", ["choice", "int", "uniform", "log-uniform"]);
            OnlyKeys(mapping, field, type switch
            {
                "choice" => ChoiceKeys,
                "int" => IntKeys,
                _ => RangeKeys,
            });
            if (type == "choice")
            {
                return Choice(name, Required(mapping, "values", field), $"{field}.values");
            }
            var lowNode = Required(mapping, "low", field);
            var highNode = Required(mapping, "high", field);
            if (type == "int")
            {
                var low = Integer(lowNode, $"{field}.low", long.MinValue, long.MaxValue);
                var high = Integer(highNode, $"{field}.high", long.MinValue, long.MaxValue);
                if (high <= low)
                {
                    throw Error(highNode, $"{field}.high", $"must be greater than low ({low})");
                }
                var stepNode = Optional(mapping, "step");
                var step = stepNode is null ? 1 : Integer(stepNode, $"{field}.step", 1, long.MaxValue);
                var axis = new IntSpace(name, low, high, step);
                return ((((Int128)high - low) / step) + 1) <= (Int128)1 << 53
                    ? axis
                    : throw Error(stepNode ?? highNode, $"{field}.{(stepNode is null ? "high" : "step")}", "gives more than 2^53 values; use a larger step");
            }
            var lo = Number(lowNode, $"{field}.low");
            if (type == "log-uniform" && lo <= 0)
            {
                throw Error(lowNode, $"{field}.low", $"must be > 0 for log-uniform (got {Require.Show(lo)})");
            }
            var hi = Number(highNode, $"{field}.high");
            if (hi <= lo)
            {
                throw Error(highNode, $"{field}.high", $"must be greater than low ({Require.Show(lo)})");
            }
            return type == "uniform" ? new UniformSpace(name, lo, hi) : new LogUniformSpace(name, lo, hi);
        }

        public EarlyStoppingSpec EarlyStopping(YamlNode node)
        {
            const string Field = "early_stopping";
            var mapping = Mapping(node, Field);
            OnlyKeys(mapping, Field, EarlyStoppingKeys);
            var metric = Text(Required(mapping, "metric", Field), $"{Field}.metric");
            var mode = OneOf(Required(mapping, "mode", Field), $"{Field}.mode", ["min", "max"]) == "max" ? MetricMode.Max : MetricMode.Min;
            var grace = (int)Integer(Required(mapping, "grace_period", Field), $"{Field}.grace_period", 1, 100_000_000);
            var etaNode = Required(mapping, "reduction_factor", Field);
            var eta = Number(etaNode, $"{Field}.reduction_factor");
            if (eta < 2)
            {
                throw Error(etaNode, $"{Field}.reduction_factor", $"must be ≥ 2 (got {Require.Show(eta)})");
            }
            int? maxEpochs = null;
            if (Optional(mapping, "max_epochs") is { } maxNode)
            {
                maxEpochs = (int)Integer(maxNode, $"{Field}.max_epochs", 1, 100_000_000);
                if (maxEpochs < grace)
                {
                    throw Error(maxNode, $"{Field}.max_epochs", $"must be at least grace_period ({grace}; got {maxEpochs})");
                }
            }
            return new EarlyStoppingSpec(metric, mode, grace, eta, maxEpochs);
        }

        public PbtSpec Pbt(YamlNode node, IReadOnlyDictionary<string, CampaignValue> baseSettings, ImmutableArray<ParameterSpace> space)
        {
            const string Field = "schedule";
            var mapping = Mapping(node, Field);
            OnlyKeys(mapping, Field, ScheduleKeys);
            _ = OneOf(Required(mapping, "kind", Field), $"{Field}.kind", ["pbt"]);
            var interval = (int)Integer(Required(mapping, "perturbation_interval", Field), $"{Field}.perturbation_interval", 1, 100_000_000);
            var quantile = 0.25;
            if (Optional(mapping, "quantile_fraction") is { } quantileNode)
            {
                quantile = Number(quantileNode, $"{Field}.quantile_fraction");
                if (!(quantile > 0 && quantile <= 0.5))
                {
                    throw Error(quantileNode, $"{Field}.quantile_fraction", $"must be in (0, 0.5] (got {Require.Show(quantile)})");
                }
            }
            var resample = 0.25;
            if (Optional(mapping, "resample_probability") is { } resampleNode)
            {
                resample = Number(resampleNode, $"{Field}.resample_probability");
                if (!(resample >= 0 && resample <= 1))
                {
                    throw Error(resampleNode, $"{Field}.resample_probability", $"must be in [0, 1] (got {Require.Show(resample)})");
                }
            }
            ImmutableArray<double> factors = [1.2, 0.8];
            if (Optional(mapping, "perturbation_factors") is { } factorsNode)
            {
                var list = Value(factorsNode, $"{Field}.perturbation_factors");
                var items = list is CampaignValue.List l ? l.Items : [list];
                var parsed = new List<double>();
                foreach (var item in items)
                {
                    if (!item.TryGetDouble(out var factor) || !(factor > 0) || !double.IsFinite(factor))
                    {
                        throw Error(factorsNode, $"{Field}.perturbation_factors", $"must be positive numbers such as [1.2, 0.8] (got {item})");
                    }
                    parsed.Add(factor);
                }
                if (parsed.Count == 0)
                {
                    throw Error(factorsNode, $"{Field}.perturbation_factors", "must list at least one factor");
                }
                factors = [.. parsed];
            }
            if (space.Any(a => a.Name == "epochs"))
            {
                throw Error(node, Field, "epochs cannot be a hyperparameter under population-based training: it is the length of every member's training (set it in base)");
            }
            if (!baseSettings.TryGetValue("epochs", out var epochsValue) || epochsValue is not CampaignValue.Integer { Value: >= 1 and <= 100_000_000 } epochs)
            {
                throw Error(node, Field, "population-based training needs base.epochs (a whole number): the epochs each member trains in all");
            }
            if (epochs.Value < interval)
            {
                throw Error(node, $"{Field}.perturbation_interval", $"must be at most base.epochs ({epochs.Value}; got {interval})");
            }
            return new PbtSpec(interval, quantile, resample, factors, (int)epochs.Value, Math.Max(1, (int)node.Start.Line));
    }

        /// <summary><c>objective</c> or <c>objectives</c> (not both; default: loss, min) and <c>constraints</c>.</summary>
        public (ImmutableArray<ObjectiveSpec> Objectives, ImmutableArray<ConstraintSpec> Constraints) Objectives(YamlMappingNode root, SearchKind kind)
        {
            var objectives = CampaignObjectives.Default.Objectives;
            var single = Optional(root, "objective");
            var several = Optional(root, "objectives");
            if (single is not null && several is not null)
            {
                // Blame whichever of the two keys comes second in the file.
                var second = root.Children.Keys.Where(k => k is YamlScalarNode { Value: "objective" or "objectives" }).MaxBy(k => k.Start.Line)!;
                throw Error(second, KeyName(second, ""), "objective (one) and objectives (a Pareto front of several) exclude each other; keep one");
            }
            if (single is not null)
            {
                objectives = [Objective(single, "objective")];
            }
            else if (several is not null)
            {
                if (several is not YamlSequenceNode list)
                {
                    throw Error(several, "objectives", "must be a list of { metric: NAME, mode: min|max } (for one objective write objective: { … })");
                }
                if (list.Children.Count < 2)
                {
                    throw Error(several, "objectives", $"needs at least two entries (got {list.Children.Count}); for one write objective: {{ metric: NAME, mode: min|max }}");
                }
                var builder = ImmutableArray.CreateBuilder<ObjectiveSpec>(list.Children.Count);
                for (var i = 0; i < list.Children.Count; i++)
                {
                    var objective = Objective(list.Children[i], $"objectives[{i}]");
                    if (builder.Any(o => o.Metric == objective.Metric))
                    {
                        throw Error(list.Children[i], $"objectives[{i}].metric", $"repeats the metric '{objective.Metric}'");
                    }
                    builder.Add(objective);
                }
                if (kind == SearchKind.Gp)
                {
                    throw Error(several, "objectives", "gp search optimises one objective; use tpe (multi-objective TPE), random, sobol or grid for several");
                }
                objectives = builder.MoveToImmutable();
            }
            var constraints = ImmutableArray<ConstraintSpec>.Empty;
            if (Optional(root, "constraints") is { } constraintsNode)
            {
                if (constraintsNode is not YamlSequenceNode list || list.Children.Count == 0)
                {
                    throw Error(constraintsNode, "constraints", "must be a non-empty list of { metric: NAME, min: X, max: Y } (min, max or both)");
                }
                var builder = ImmutableArray.CreateBuilder<ConstraintSpec>(list.Children.Count);
                for (var i = 0; i < list.Children.Count; i++)
                {
                    var field = $"constraints[{i}]";
                    var mapping = Mapping(list.Children[i], field);
                    OnlyKeys(mapping, field, ConstraintKeys);
                    var metric = Text(Required(mapping, "metric", field), $"{field}.metric");
                    var min = Optional(mapping, "min") is { } minNode ? Number(minNode, $"{field}.min") : (double?)null;
                    var maxNode = Optional(mapping, "max");
                    var max = maxNode is not null ? Number(maxNode, $"{field}.max") : (double?)null;
                    if (min is null && max is null)
                    {
                        throw Error(mapping, field, "needs min, max or both (a bound the metric must stay within)");
                    }
                    if (min > max)
                    {
                        throw Error(maxNode!, $"{field}.max", $"must be at least min ({Require.Show(min!.Value)}; got {Require.Show(max!.Value)})");
                    }
                    builder.Add(new ConstraintSpec(metric, min, max));
                }
                constraints = builder.MoveToImmutable();
            }
            return (objectives, constraints);
        }

        private ObjectiveSpec Objective(YamlNode node, string field)
        {
            var mapping = Mapping(node, field);
            OnlyKeys(mapping, field, ObjectiveKeys);
            var metric = Text(Required(mapping, "metric", field), $"{field}.metric");
            var mode = Optional(mapping, "mode") is { } modeNode && OneOf(modeNode, $"{field}.mode", ["min", "max"]) == "max" ? MetricMode.Max : MetricMode.Min;
            return new ObjectiveSpec(metric, mode);
        }

        /// <summary>A plain value or a list of plain values, typed by the rules in the class remarks.</summary>
        public CampaignValue Value(YamlNode node, string field)
        {
            if (node is YamlSequenceNode sequence)
            {
                var items = sequence.Children.Select((item, i) => item is YamlScalarNode scalar
                    ? Resolve(scalar, $"{field}[{i}]")
                    : throw Error(item, $"{field}[{i}]", $"must be a plain value (lists cannot hold {Describe(item)})"));
                return new CampaignValue.List([.. items]);
            }
            return Resolve(Scalar(node, field), field);
        }

        private ChoiceSpace Choice(string name, YamlNode valuesNode, string field)
        {
            if (valuesNode is not YamlSequenceNode sequence)
            {
                throw Error(valuesNode, field, $"must be a list such as [16, 32, 64], not {Describe(valuesNode)}");
            }
            if (sequence.Children.Count == 0)
            {
                throw Error(valuesNode, field, "must be a non-empty list");
            }
            var values = ((CampaignValue.List)Value(sequence, field)).Items;
            for (var i = 1; i < values.Length; i++)
            {
                if (values[..i].Contains(values[i]))
                {
                    throw Error(sequence.Children[i], $"{field}[{i}]", $"repeats the value {values[i]}");
                }
            }
            return new ChoiceSpace(name, values);
        }

        private YamlScalarNode Scalar(YamlNode node, string field) => node switch
        {
            _ when IsNull(node) => throw Error(node, field, "has no value"),
            YamlScalarNode scalar => scalar,
            _ => throw Error(node, field, $"must be a single value, not {Describe(node)}"),
        };

        private CampaignValue Resolve(YamlScalarNode scalar, string field)
        {
            var text = scalar.Value ?? "";
            var tag = scalar.Tag;
            if (!tag.IsEmpty && !tag.IsNonSpecific)
            {
                return tag.Value switch
                {
                    StrTag => new CampaignValue.Text(text),
                    IntTag => Plain(scalar, field) as CampaignValue.Integer ?? throw Error(scalar, field, $"'{text}' is tagged !!int but is not a whole number"),
                    FloatTag => Plain(scalar, field).TryGetDouble(out var d) ? new CampaignValue.Real(d) : throw Error(scalar, field, $"'{text}' is tagged !!float but is not a number"),
                    BoolTag => Plain(scalar, field) as CampaignValue.Boolean ?? throw Error(scalar, field, $"'{text}' is tagged !!bool but is not true or false"),
                    NullTag => throw Error(scalar, field, "has no value"),
                    _ => throw Error(scalar, field, $"the tag {tag} is not supported (use !!str, !!int, !!float, !!bool or none)"),
                };
            }
            return scalar.Style == ScalarStyle.Plain && !tag.IsNonSpecific ? Plain(scalar, field) : new CampaignValue.Text(text);
        }

        /// <summary>YAML 1.2 core-schema resolution of a plain scalar.</summary>
        private CampaignValue Plain(YamlScalarNode scalar, string field)
        {
            var text = scalar.Value ?? "";
            if (text is "true" or "True" or "TRUE" or "false" or "False" or "FALSE")
            {
                return new CampaignValue.Boolean(text[0] is 't' or 'T');
            }
            if (DecimalInteger().IsMatch(text))
            {
                return long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var integer)
                    ? new CampaignValue.Integer(integer)
                    : throw Error(scalar, field, $"{text} is too large for a 64-bit whole number");
            }
            if (text.Length > 2 && text[0] == '0' && text[1] is 'x' or 'o')
            {
                var radix = text[1] == 'x' ? 16 : 8;
                if (text[2..].All(c => radix == 16 ? char.IsAsciiHexDigit(c) : c is >= '0' and <= '7'))
                {
                    // 15 hex or 21 octal digits always fit in a signed 64-bit number; Convert would wrap 16 hex digits to negative.
                    var digits = text[2..].TrimStart('0');
                    return digits.Length <= (radix == 16 ? 15 : 21)
                        ? new CampaignValue.Integer(digits.Length == 0 ? 0 : Convert.ToInt64(digits, radix))
                        : throw Error(scalar, field, $"{text} is too large for a 64-bit whole number");
                }
            }
            if (FloatNumber().IsMatch(text))
            {
                var real = double.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture);
                return double.IsFinite(real) ? new CampaignValue.Real(real) : throw Error(scalar, field, $"{text} is too large for a double");
            }
            if (NonFiniteNumber().IsMatch(text))
            {
                throw Error(scalar, field, $"must be a finite number (got {text})");
            }
            return new CampaignValue.Text(text);
        }

        private static bool IsNull(YamlNode node) =>
            node is YamlScalarNode { Style: ScalarStyle.Plain, Value: null or "" or "~" or "null" or "Null" or "NULL" } scalar
            && (scalar.Tag.IsEmpty || scalar.Tag.Value == NullTag);

        private static string Describe(YamlNode node) => node switch
        {
            YamlMappingNode => "a mapping",
            YamlSequenceNode => "a list",
            _ => "a single value",
        };

        private static string Show(CampaignValue value) => value switch
        {
            CampaignValue.Text t => $"'{t.Value}'",
            CampaignValue.List => $"the list [{value}]",
            _ => value.ToString(),
        };

        private static string Join(string parent, string key) => parent.Length == 0 ? key : $"{parent}.{key}";

        private static int EditDistance(string a, string b)
        {
            var previous = Enumerable.Range(0, b.Length + 1).ToArray();
            for (var i = 1; i <= a.Length; i++)
            {
                var current = new int[b.Length + 1];
                current[0] = i;
                for (var j = 1; j <= b.Length; j++)
                {
                    current[j] = Math.Min(Math.Min(current[j - 1], previous[j]) + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1));
                }
                previous = current;
            }
            return previous[b.Length];
        }
    }
}
