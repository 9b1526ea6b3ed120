using System.Collections.Immutable;
using ClusterML.Core.Active;
using YamlDotNet.RepresentationModel;

namespace ClusterML.Core.Campaigns;

public static partial class CampaignSpecReader
{
    private static readonly string[] NepActiveKeys =
        ["name", "kind", "seed", "device", "retries", "oracle", "pool", "test", "initial", "batch", "committee", "trust", "stop", "budget", "compare_random"];
    private static readonly string[] NepOracleKeys = ["engine", "model"];
    private static readonly string[] NepFileKeys = ["data"];
    private static readonly string[] TrustKeys = ["low", "high"];
    private static readonly string[] NepStopKeys = ["accurate"];

    /// <summary>
    /// A potential's active learning (<c>kind: active</c> with <c>committee:</c>): a committee of NEP models scores the pool's
    /// structures by their largest force deviation, the oracle labels those inside the trust window, the committee is fine-tuned.
    /// Round settings: <c>pool.data</c>, <c>test.data</c>, <c>initial.n</c>, <c>committee.KEY</c> (members, fine_tune_epochs and
    /// the options of <c>nep train</c>), <c>trust.low</c>/<c>trust.high</c>, <c>stop.accurate</c>, <c>seed</c>. The oracle gets
    /// the pool file as its <c>pool</c> setting (and, per call, the structure's index as <c>candidate</c>).
    /// </summary>
    private static CampaignSpec ParseNepActive(Reader r, YamlMappingNode root, string sourcePath)
    {
        r.OnlyKeys(root, "", NepActiveKeys);
        var (name, seed, device, retries) = ActiveHeader(r, root, sourcePath);
        var lines = ImmutableDictionary.CreateBuilder<string, int>(StringComparer.Ordinal);
        var round = ImmutableDictionary.CreateBuilder<string, CampaignValue>(StringComparer.Ordinal);
        void Set(string key, CampaignValue value, YamlNode node)
        {
            round[key] = value;
            lines[key] = Line(node);
        }

        // The oracle: a reference NEP model (standing in for DFT) labels the structures it is given.
        var oracleNode = r.Mapping(r.Required(root, "oracle", ""), "oracle");
        r.OnlyKeys(oracleNode, "oracle", NepOracleKeys);
        if (r.Optional(oracleNode, "engine") is { } engineNode && r.Text(engineNode, "oracle.engine") != ActiveSpec.NepLabelEngine)
        {
            throw r.Error(engineNode, "oracle.engine", $"a potential's oracle labels structures: engine {ActiveSpec.NepLabelEngine} with a reference model (model: nep.txt)");
        }
        var modelNode = r.Required(oracleNode, "model", "oracle");
        var oracleSettings = ImmutableDictionary<string, CampaignValue>.Empty.WithComparers(StringComparer.Ordinal)
            .SetItem("model", new CampaignValue.Text(r.Text(modelNode, "oracle.model")));
        lines["oracle.model"] = Line(modelNode);

        // The pool (unlabelled structures) and the test frames (labelled), both extended XYZ.
        string File(string key)
        {
            var node = r.Mapping(r.Required(root, key, ""), key);
            r.OnlyKeys(node, key, NepFileKeys);
            var data = r.Required(node, "data", key);
            var path = r.Text(data, $"{key}.data");
            Set($"{key}.data", new CampaignValue.Text(path), data);
            return path;
        }
        var pool = File("pool");
        oracleSettings = oracleSettings.SetItem("pool", new CampaignValue.Text(pool));
        lines["oracle.pool"] = lines["pool.data"];
        File("test");

        var initialNode = r.Required(root, "initial", "");
        var initial = (int)r.Integer(initialNode, "initial", 1, MaxOracleCalls);
        Set("initial.n", new CampaignValue.Integer(initial), initialNode);
        var batchNode = r.Required(root, "batch", "");
        var batch = (int)r.Integer(batchNode, "batch", 1, 10_000);

        // The committee: its size, fine-tuning epochs and the NEP settings of every member (the options of nep train).
        var committeeNode = r.Mapping(r.Required(root, "committee", ""), "committee");
        foreach (var (key, value) in r.Settings(committeeNode, "committee"))
        {
            round[$"committee.{key}"] = value;
        }
        foreach (var (key, value) in committeeNode.Children)
        {
            lines[$"committee.{r.KeyName(key, "committee")}"] = Line(value);
        }
        if (r.Optional(committeeNode, "members") is { } membersNode)
        {
            r.Integer(membersNode, "committee.members", 2, 64);
        }

        if (r.Optional(root, "trust") is { } trustValue)
        {
            var trust = r.Mapping(trustValue, "trust");
            r.OnlyKeys(trust, "trust", TrustKeys);
            double? low = null;
            foreach (var key in TrustKeys)
            {
                if (r.Optional(trust, key) is { } node)
                {
                    var value = r.Number(node, $"trust.{key}");
                    if (!(value >= 0) || double.IsNaN(value) || (key == "high" && low is { } l && value <= l))
                    {
                        throw r.Error(node, $"trust.{key}", key == "high" && low is { } lo ? $"must be above trust.low ({lo}) eV/Å (got {value})" : $"must be ≥ 0 eV/Å (got {value})");
                    }
                    low = key == "low" ? value : low;
                    Set($"trust.{key}", new CampaignValue.Real(value), node);
                }
            }
        }
        if (r.Optional(root, "stop") is { } stopNode)
        {
            var stop = r.Mapping(stopNode, "stop");
            r.OnlyKeys(stop, "stop", NepStopKeys);
            if (r.Optional(stop, "accurate") is { } accurateNode)
            {
                var accurate = r.Number(accurateNode, "stop.accurate");
                if (!(accurate is > 0 and <= 1))
                {
                    throw r.Error(accurateNode, "stop.accurate", $"is the share of the pool below trust.low that ends the loop, in (0, 1] (got {accurate})");
                }
                Set("stop.accurate", new CampaignValue.Real(accurate), accurateNode);
            }
        }
        round["seed"] = new CampaignValue.Integer(seed);

        var (calls, maxConcurrent, wallTime, compareRandom) = ActiveBudget(r, root, initial, "initial set");
        var active = new ActiveSpec(ActiveSpec.NepLabelEngine, oracleSettings, ActiveSpec.NepLabelMetric, [], initial, null, false, batch, calls, compareRandom,
            round.ToImmutable()) { Potential = true };
        return ActiveCampaign(active, name, seed, device, retries, maxConcurrent, wallTime, sourcePath, lines.ToImmutable(), Line(oracleNode));
    }
}
