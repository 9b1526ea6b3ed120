using System.Collections.Immutable;
using ClusterML.Core.Active;
using YamlDotNet.RepresentationModel;

namespace ClusterML.Core.Campaigns;

public static partial class CampaignSpecReader
{
    private static readonly string[] ActiveKeys =
        ["name", "kind", "seed", "device", "retries", "oracle", "pool", "target", "inputs", "initial", "batch", "acquisition", "goal", "kappa", "xi", "density",
            "diversity", "out_of_domain", "surrogate", "test", "budget", "stop", "compare_random"];
    private static readonly string[] ActiveBudgetKeys = ["oracle_calls", "max_concurrent", "wall_time"];
    private static readonly string[] PoolKeys = ["generator", "n", "seed", "data"];
    private static readonly string[] InitialKeys = ["data", "n"];
    private static readonly string[] GoalKeys = ["target", "mode"];
    private static readonly string[] StopKeys = ["sigma", "patience"];

    /// <summary>The most oracle calls one campaign may plan (each is a trial).</summary>
    public const int MaxOracleCalls = 100_000;

    /// <summary>
    /// An active-learning campaign (<c>kind: active</c>): its <see cref="CampaignSpec.Active"/> part, and a campaign whose
    /// engine is the round engine and whose budget bounds the trials the layout plans. Files are named, never read here (the
    /// coordinator parses the same text on another machine); the round engine checks them when the campaign is planned.
    /// </summary>
    private static CampaignSpec ParseActive(Reader r, YamlMappingNode root, string sourcePath)
    {
        if (r.Optional(root, "committee") is not null)
        {
            return ParseNepActive(r, root, sourcePath);
        }
        r.OnlyKeys(root, "", ActiveKeys);
        var (name, seed, device, retries) = ActiveHeader(r, root, sourcePath);
        var lines = ImmutableDictionary.CreateBuilder<string, int>(StringComparer.Ordinal);
        var round = ImmutableDictionary.CreateBuilder<string, CampaignValue>(StringComparer.Ordinal);
        void Set(string key, CampaignValue value, YamlNode node)
        {
            round[key] = value;
            lines[key] = Line(node);
        }

        // The oracle: a built-in generator, or any engine whose trial takes the candidate's inputs as settings.
        var oracleNode = r.Mapping(r.Required(root, "oracle", ""), "oracle");
        var oracleSettings = r.Settings(oracleNode, "oracle");
        string oracleEngine;
        if (oracleSettings.TryGetValue("engine", out var engineValue))
        {
            oracleEngine = engineValue.ToString();
            if (!EngineName().IsMatch(oracleEngine))
            {
                throw r.Error(r.Optional(oracleNode, "engine")!, "oracle.engine", $"'{oracleEngine}' is not an engine name (lower-case letters, digits and '-', such as fd or exec)");
            }
            if (oracleSettings.ContainsKey("generator") && oracleEngine != ActiveSpec.GeneratorEngine)
            {
                throw r.Error(r.Optional(oracleNode, "generator")!, "oracle.generator", $"names a built-in generator; it does not go with engine '{oracleEngine}'");
            }
            oracleSettings = oracleSettings.Remove("engine");
        }
        else if (oracleSettings.ContainsKey("generator"))
        {
            oracleEngine = ActiveSpec.GeneratorEngine;
        }
        else
        {
            throw r.Error(oracleNode, "oracle", "needs generator (thin-film, slack, heat-fd) or engine (fd, exec, …)");
        }
        foreach (var (key, value) in oracleNode.Children)
        {
            lines[$"oracle.{r.KeyName(key, "oracle")}"] = Line(value);
        }

        var targetNode = r.Required(root, "target", "");
        var target = r.Text(targetNode, "target");
        Set("target", new CampaignValue.Text(target), targetNode);
        var inputsNode = r.Required(root, "inputs", "");
        if (r.Value(inputsNode, "inputs") is not CampaignValue.List { Items.Length: > 0 } inputList || inputList.Items.Any(i => i is not CampaignValue.Text))
        {
            throw r.Error(inputsNode, "inputs", "must be a non-empty list of column names, e.g. [thickness_nm, temperature_K]");
        }
        var inputs = inputList.Items.Select(i => i.ToString()).ToImmutableArray();
        if (inputs.Distinct().Count() != inputs.Length || inputs.Contains(target))
        {
            throw r.Error(inputsNode, "inputs", inputs.Contains(target) ? $"the target '{target}' cannot also be an input" : "names a column twice");
        }
        Set("inputs", inputList, inputsNode);

        // The pool: a generator's candidates (streamed, never held whole) or a CSV.
        var poolNode = r.Optional(root, "pool") is { } p ? r.Mapping(p, "pool") : null;
        if (poolNode is not null)
        {
            Source(poolNode, "pool", 1, 10_000_000, "needs either generator (with n) or data (a CSV of candidates)");
        }
        else if (oracleSettings.TryGetValue("generator", out var generator))
        {
            round["pool.generator"] = generator; // default: 100 000 candidates of the oracle's own generator
            lines["pool.generator"] = Line(oracleNode);
        }
        else
        {
            throw r.Error(root, "pool", "is required when the oracle is not a built-in generator: { data: candidates.csv } or { generator: NAME, n: N }");
        }

        // A pool or test set: a generator (with n and seed) or a CSV, each key a round setting "pool.KEY" / "test.KEY".
        void Source(YamlMappingNode node, string prefix, long minCount, long maxCount, string problem)
        {
            r.OnlyKeys(node, prefix, PoolKeys);
            if ((r.Optional(node, "data") is not null) == (r.Optional(node, "generator") is not null))
            {
                throw r.Error(node, prefix, problem);
            }
            foreach (var (key, value) in node.Children)
            {
                var k = r.KeyName(key, prefix);
                Set($"{prefix}.{k}", k switch
                {
                    "n" => new CampaignValue.Integer(r.Integer(value, $"{prefix}.n", minCount, maxCount)),
                    "seed" => new CampaignValue.Integer(r.Integer(value, $"{prefix}.seed", int.MinValue, int.MaxValue)),
                    _ => new CampaignValue.Text(r.Text(value, $"{prefix}.{k}")),
                }, value);
            }
        }

        // The initial design: N candidates of the pool, or a CSV (labelled: no oracle call; or N of its rows to label).
        var initialNode = r.Required(root, "initial", "");
        int initial;
        var initialLabelled = false;
        string? initialData = null;
        if (initialNode is YamlMappingNode initialMapping)
        {
            r.OnlyKeys(initialMapping, "initial", InitialKeys);
            var dataNode = r.Required(initialMapping, "data", "initial");
            initialData = r.Text(dataNode, "initial.data");
            Set("initial.data", new CampaignValue.Text(initialData), dataNode);
            if (r.Optional(initialMapping, "n") is { } nNode)
            {
                initial = (int)r.Integer(nNode, "initial.n", 1, MaxOracleCalls);
                Set("initial.n", new CampaignValue.Integer(initial), nNode);
            }
            else
            {
                (initial, initialLabelled) = (0, true);
            }
        }
        else
        {
            initial = (int)r.Integer(initialNode, "initial", 1, MaxOracleCalls);
        }

        var batchNode = r.Required(root, "batch", "");
        var batch = (int)r.Integer(batchNode, "batch", 1, 10_000);

        var acquisitionNode = r.Optional(root, "acquisition");
        var acquisition = acquisitionNode is null ? "uncertainty" : r.OneOf(acquisitionNode, "acquisition", ["uncertainty", "ucb", "ei", "random"]);
        Set("acquisition", new CampaignValue.Text(acquisition), acquisitionNode ?? root);
        if (r.Optional(root, "goal") is { } goalNode)
        {
            var goal = r.Mapping(goalNode, "goal");
            r.OnlyKeys(goal, "goal", GoalKeys);
            if (r.Optional(goal, "target") is { } goalTarget && r.Text(goalTarget, "goal.target") != target)
            {
                throw r.Error(goalTarget, "goal.target", $"must be the campaign's target '{target}' (one label is learnt)");
            }
            var modeNode = r.Required(goal, "mode", "goal");
            Set("goal", new CampaignValue.Text(r.OneOf(modeNode, "goal.mode", ["min", "max"])), modeNode);
        }
        else if (acquisition is "ucb" or "ei")
        {
            throw r.Error(acquisitionNode!, "acquisition", $"{acquisition} looks for the best candidate: it needs goal: {{ target: {target}, mode: min }} (or max)");
        }
        foreach (var key in (string[])["kappa", "xi", "density"])
        {
            if (r.Optional(root, key) is { } node)
            {
                var value = r.Number(node, key);
                if (!(value >= 0) || !double.IsFinite(value))
                {
                    throw r.Error(node, key, $"must be a finite number ≥ 0 (got {value})");
                }
                Set(key, new CampaignValue.Real(value), node);
            }
        }
        if (r.Optional(root, "diversity") is { } diversityNode)
        {
            Set("diversity", new CampaignValue.Text(r.OneOf(diversityNode, "diversity", ["maximin", "kmeans++", "none"])), diversityNode);
        }
        if (r.Optional(root, "out_of_domain") is { } oodNode)
        {
            Set("out_of_domain", new CampaignValue.Text(r.OneOf(oodNode, "out_of_domain", ["explore", "exclude"])), oodNode);
        }
        if (r.Optional(root, "surrogate") is { } surrogateNode)
        {
            foreach (var (key, value) in r.Settings(surrogateNode, "surrogate"))
            {
                round[$"surrogate.{key}"] = value;
            }
            foreach (var (key, value) in r.Mapping(surrogateNode, "surrogate").Children)
            {
                lines[$"surrogate.{r.KeyName(key, "surrogate")}"] = Line(value);
            }
        }
        if (r.Optional(root, "test") is { } testNode)
        {
            Source(r.Mapping(testNode, "test"), "test", 10, 1_000_000, "needs either generator (with n: labelled by the generator, free) or data (a labelled CSV)");
        }
        if (r.Optional(root, "stop") is { } stopNode)
        {
            var stop = r.Mapping(stopNode, "stop");
            r.OnlyKeys(stop, "stop", StopKeys);
            if (r.Optional(stop, "sigma") is { } sigmaNode)
            {
                var sigma = r.Number(sigmaNode, "stop.sigma");
                if (!(sigma > 0) || !double.IsFinite(sigma))
                {
                    throw r.Error(sigmaNode, "stop.sigma", $"must be a positive number (got {sigma})");
                }
                Set("stop.sigma", new CampaignValue.Real(sigma), sigmaNode);
            }
            if (r.Optional(stop, "patience") is { } patienceNode)
            {
                Set("stop.patience", new CampaignValue.Integer(r.Integer(patienceNode, "stop.patience", 1, 10_000)), patienceNode);
            }
        }
        round["seed"] = new CampaignValue.Integer(seed);

        var (calls, maxConcurrent, wallTime, compareRandom) = ActiveBudget(r, root, initial, "initial design");
        var active = new ActiveSpec(oracleEngine, oracleSettings, target, inputs, initial, initialData, initialLabelled, batch, calls, compareRandom, round.ToImmutable());
        return ActiveCampaign(active, name, seed, device, retries, maxConcurrent, wallTime, sourcePath, lines.ToImmutable(), Line(oracleNode));
    }

    private static int Line(YamlNode node) => Math.Max(1, (int)node.Start.Line);

    /// <summary>The keys every active campaign shares: name (default: the file's), seed, device and retries.</summary>
    private static (string Name, int Seed, string Device, int Retries) ActiveHeader(Reader r, YamlMappingNode root, string sourcePath)
    {
        var defaultName = Path.GetFileNameWithoutExtension(sourcePath);
        var name = r.Optional(root, "name") is { } nameNode ? r.Text(nameNode, "name") : defaultName.Length > 0 ? defaultName : "active";
        var seed = r.Optional(root, "seed") is { } seedNode ? (int)r.Integer(seedNode, "seed", int.MinValue, int.MaxValue) : 0;
        var device = r.Optional(root, "device") is { } deviceNode ? r.Text(deviceNode, "device") : "cpu";
        var retries = r.Optional(root, "retries") is { } retriesNode ? (int)r.Integer(retriesNode, "retries", 0, 100) : 1;
        return (name, seed, device, retries);
    }

    /// <summary><c>budget</c> (oracle_calls, at least the <paramref name="initial"/> calls; max_concurrent; wall_time) and <c>compare_random</c>.</summary>
    private static (int Calls, int MaxConcurrent, TimeSpan? WallTime, bool CompareRandom) ActiveBudget(Reader r, YamlMappingNode root, int initial, string initialName)
    {
        var budgetNode = r.Mapping(r.Required(root, "budget", ""), "budget");
        r.OnlyKeys(budgetNode, "budget", ActiveBudgetKeys);
        var callsNode = r.Required(budgetNode, "oracle_calls", "budget");
        var calls = (int)r.Integer(callsNode, "budget.oracle_calls", 1, MaxOracleCalls);
        if (calls < initial)
        {
            throw r.Error(callsNode, "budget.oracle_calls", $"is smaller than the {initialName} ({initial} oracle calls)");
        }
        var maxConcurrent = r.Optional(budgetNode, "max_concurrent") is { } mc ? (int)r.Integer(mc, "budget.max_concurrent", 0, 100_000) : 0;
        TimeSpan? wallTime = r.Optional(budgetNode, "wall_time") is { } wt ? r.WallTime(wt, "budget.wall_time") : null;
        var compareRandom = r.Optional(root, "compare_random") is { } compareNode && r.Flag(compareNode, "compare_random");
        return (calls, maxConcurrent, wallTime, compareRandom);
    }

    /// <summary>The campaign of an active spec: its round engine, and a budget that bounds the trials its layout plans.</summary>
    private static CampaignSpec ActiveCampaign(ActiveSpec active, string name, int seed, string device, int retries, int maxConcurrent, TimeSpan? wallTime,
        string sourcePath, ImmutableDictionary<string, int> lines, int engineLine)
    {
        var trials = new ActiveLayout(active, seed).Count;
        return new CampaignSpec(name, active.Rounds, seed, device, ImmutableDictionary<string, CampaignValue>.Empty, [], new SearchSpec(SearchKind.Random, 3),
            new BudgetSpec(trials, maxConcurrent, wallTime), null, retries, sourcePath)
        {
            Active = active,
            SettingLines = lines,
            EngineLine = engineLine,
        };
    }
}
