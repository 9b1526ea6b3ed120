using System.Collections.Immutable;
using ClusterML.Core.Campaigns;

namespace ClusterML.Core.Active;

/// <summary>
/// An active-learning campaign (<c>kind: active</c>), as read by <see cref="CampaignSpecReader"/>: the loop "label a design,
/// train, screen the pool, label the most useful candidates, train again" with every oracle call and every training a trial
/// on the cluster. <see cref="ActiveLayout"/> lays its trials out; <see cref="ActiveProposer"/> fills them in as results
/// arrive. Immutable. The YAML and its defaults are documented in <c>config/campaigns/README.md</c>.
/// </summary>
/// <param name="OracleEngine">The engine of an oracle call: <c>oracle</c> for a built-in generator, else the named engine (<c>fd</c>, <c>exec</c>, …).</param>
/// <param name="OracleSettings">The oracle engine's settings shared by every call; each call adds the candidate's inputs by column name.</param>
/// <param name="Target">The label: the metric of an oracle call that the surrogate learns.</param>
/// <param name="Inputs">The candidate's columns, in order (the surrogate's inputs and the settings each oracle call gets).</param>
/// <param name="Initial">How many candidates the first round labels (the design), or the rows of <see cref="InitialData"/>.</param>
/// <param name="InitialData">A CSV of the initial design (input columns only: labelled by the oracle) or of labelled rows (with the target: no oracle call); null: a space-filling design drawn from the pool.</param>
/// <param name="InitialLabelled">Whether <see cref="InitialData"/> holds the target already.</param>
/// <param name="Batch">Candidates labelled per round after the first.</param>
/// <param name="OracleCalls">The budget: oracle calls of the active arm in all (the initial design included).</param>
/// <param name="CompareRandom">Whether a second arm labels random pool candidates, round for round, for comparison.</param>
/// <param name="RoundSettings">The settings every round's training trial gets (pool, test set, surrogate, acquisition, stopping rules).</param>
public sealed record ActiveSpec(
    string OracleEngine,
    ImmutableDictionary<string, CampaignValue> OracleSettings,
    string Target,
    ImmutableArray<string> Inputs,
    int Initial,
    string? InitialData,
    bool InitialLabelled,
    int Batch,
    int OracleCalls,
    bool CompareRandom,
    ImmutableDictionary<string, CampaignValue> RoundSettings)
{
    /// <summary>The engine of the round trials (train, screen, select): <c>active</c>.</summary>
    public const string RoundEngine = "active";

    /// <summary>The round engine of a potential's active learning (train a NEP committee, score the pool by its force deviation, select in the trust window): <c>nep-active</c>.</summary>
    public const string NepRoundEngine = "nep-active";

    /// <summary>The oracle of a potential's active learning that labels pool structures with a reference NEP model: <c>nep-label</c>.</summary>
    public const string NepLabelEngine = "nep-label";

    /// <summary>The metric a potential's oracle call reports (energy per atom, eV), which its labelled rows carry.</summary>
    public const string NepLabelMetric = "energy_per_atom";

    /// <summary>Whether <paramref name="engine"/> is a round engine of an active-learning campaign (the campaign's engine).</summary>
    public static bool IsRoundEngine(string? engine) => engine is RoundEngine or NepRoundEngine;

    /// <summary>
    /// True for a potential's active learning (<c>committee:</c>): the rounds run <see cref="NepRoundEngine"/>, each oracle call
    /// gets the pool structure's index as its <c>candidate</c> setting (there are no input columns) and delivers its labelled
    /// frame through the cluster's checkpoint store, and each round continues from its arm's previous round (<c>previous</c>).
    /// </summary>
    public bool Potential { get; init; }

    /// <summary>The engine of this campaign's round trials.</summary>
    public string Rounds => Potential ? NepRoundEngine : RoundEngine;

    /// <summary>The engine that evaluates a built-in generator (<c>oracle: {generator: thin-film}</c>).</summary>
    public const string GeneratorEngine = "oracle";

    /// <summary>The arm that selects by acquisition.</summary>
    public const string ActiveArm = "active";

    /// <summary>The arm that selects at random (<c>compare_random</c>).</summary>
    public const string RandomArm = "random";

    /// <summary>Oracle calls of the active arm's initial design (0 when the design comes labelled).</summary>
    public int InitialCalls => InitialLabelled ? 0 : Initial;
}
