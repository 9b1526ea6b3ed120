using System.Globalization;

namespace ClusterML.Core.Active;

/// <summary>
/// The trials of an active-learning campaign, in dispatch (index) order. Round 0 is the design: one round trial that picks
/// the initial candidates, then one oracle call each. Rounds 1…R each start with a round trial per arm (train on everything
/// labelled so far, score the pool, pick the next batch) followed by the batch's oracle calls, first the active arm's, then
/// the random arm's. A last round trial per arm trains on everything and picks nothing: its model is the campaign's result.
/// With B oracle calls, an initial design of n₀ and batches of b: R = ⌈(B − n₀) / b⌉, the last batch being the remainder.
/// Pure; the same spec always gives the same layout.
/// </summary>
public sealed class ActiveLayout
{
    /// <summary>What one trial is.</summary>
    /// <param name="IsRound">A round trial (train, screen, select) rather than an oracle call.</param>
    /// <param name="Arm"><see cref="ActiveSpec.ActiveArm"/> or <see cref="ActiveSpec.RandomArm"/> (round 0 is the active arm's, shared).</param>
    /// <param name="Round">0 for the design; 1…R for the rounds; R + 1 for the final training.</param>
    /// <param name="Position">For an oracle call: its place in the batch (0-based); for a round trial: how many candidates it picks.</param>
    /// <param name="TrialId">The trial's id: <c>r003-active</c>, <c>r003-active-c007</c>, <c>r000-design</c>, <c>r000-design-c012</c>.</param>
    /// <param name="Seed">The trial's seed: a round's two arms train from the same one.</param>
    public sealed record Slot(bool IsRound, string Arm, int Round, int Position, string TrialId, int Seed);

    private readonly List<Slot> _slots = [];

    /// <summary>Index of each arm's round trial, by (arm, round).</summary>
    private readonly Dictionary<(string Arm, int Round), int> _rounds = [];

    public ActiveLayout(ActiveSpec spec, int seed)
    {
        ArgumentNullException.ThrowIfNull(spec);
        Spec = spec;
        var afterDesign = Math.Max(0, spec.OracleCalls - spec.InitialCalls);
        Rounds = (afterDesign + spec.Batch - 1) / spec.Batch;
        var roundDigits = Math.Max(3, (Rounds + 1).ToString(CultureInfo.InvariantCulture).Length);
        var callDigits = Math.Max(3, Math.Max(spec.Batch, spec.InitialCalls).ToString(CultureInfo.InvariantCulture).Length);
        string R(int round) => "r" + round.ToString(CultureInfo.InvariantCulture).PadLeft(roundDigits, '0');
        string C(int slot) => "c" + (slot + 1).ToString(CultureInfo.InvariantCulture).PadLeft(callDigits, '0');
        int RoundSeed(int round) => Engines.Seeds.Derive(seed, 5000 + round); // both arms train round r from the same seed
        var arms = spec.CompareRandom ? new[] { ActiveSpec.ActiveArm, ActiveSpec.RandomArm } : [ActiveSpec.ActiveArm];

        AddRound(ActiveSpec.ActiveArm, 0, spec.InitialCalls, $"{R(0)}-design", RoundSeed(0));
        for (var j = 0; j < spec.InitialCalls; j++)
        {
            Add(new Slot(false, ActiveSpec.ActiveArm, 0, j, $"{R(0)}-design-{C(j)}", Engines.Seeds.Derive(seed, 1000 + _slots.Count)));
        }
        for (var round = 1; round <= Rounds + 1; round++)
        {
            var batch = round > Rounds ? 0 : Math.Min(spec.Batch, afterDesign - ((round - 1) * spec.Batch));
            foreach (var arm in arms)
            {
                AddRound(arm, round, batch, $"{R(round)}-{arm}", RoundSeed(round));
            }
            foreach (var arm in arms)
            {
                for (var j = 0; j < batch; j++)
                {
                    Add(new Slot(false, arm, round, j, $"{R(round)}-{arm}-{C(j)}", Engines.Seeds.Derive(seed, 1000 + _slots.Count)));
                }
            }
        }
    }

    public ActiveSpec Spec { get; }

    /// <summary>Rounds that label a batch (after the design).</summary>
    public int Rounds { get; }

    /// <summary>The last round: its trials train on everything and pick nothing.</summary>
    public int FinalRound => Rounds + 1;

    public IReadOnlyList<Slot> Slots => _slots;

    public int Count => _slots.Count;

    public Slot this[int index] => _slots[index];

    /// <summary>The index of <paramref name="arm"/>'s round trial of <paramref name="round"/> (round 0 is the active arm's for both).</summary>
    public int RoundIndex(string arm, int round) => _rounds[(round == 0 ? ActiveSpec.ActiveArm : arm, round)];

    /// <summary>The round trial that picked oracle call <paramref name="index"/>'s candidate.</summary>
    public int SelectorOf(int index)
    {
        var slot = _slots[index];
        return slot.IsRound ? throw new ArgumentException($"trial {slot.TrialId} is a round trial, not an oracle call", nameof(index)) : RoundIndex(slot.Arm, slot.Round);
    }

    /// <summary>
    /// Whether an arm's labelled set includes oracle call <paramref name="call"/>: its own calls, and the design's (shared by both arms).
    /// </summary>
    public bool Feeds(Slot call, string arm) => !call.IsRound && (call.Round == 0 || call.Arm == arm);

    /// <summary>
    /// Whether trial <paramref name="index"/> may start: an oracle call once the round trial that picked it has finished; a
    /// round trial once every oracle call its arm has labelled before it has finished.
    /// </summary>
    public bool Ready(int index, Func<int, bool> isFinished)
    {
        ArgumentNullException.ThrowIfNull(isFinished);
        var slot = _slots[index];
        if (!slot.IsRound)
        {
            return isFinished(SelectorOf(index));
        }
        for (var i = 0; i < index; i++)
        {
            if (Feeds(_slots[i], slot.Arm) && _slots[i].Round < slot.Round && !isFinished(i))
            {
                return false;
            }
        }
        return true;
    }

    /// <summary>The oracle calls of the active arm up to and including round <paramref name="round"/> (the design counts).</summary>
    public int ActiveCallsThrough(int round) =>
        _slots.Count(s => !s.IsRound && s.Round <= round && s.Arm == ActiveSpec.ActiveArm);

    private void AddRound(string arm, int round, int select, string id, int seed)
    {
        _rounds[(arm, round)] = _slots.Count;
        Add(new Slot(true, arm, round, select, id, seed));
    }

    private void Add(Slot slot) => _slots.Add(slot);
}
