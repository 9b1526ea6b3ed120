using System.Collections.Immutable;
using System.Globalization;
using ClusterML.Core.Active;
using ClusterML.Core.Campaigns;
using ClusterML.Core.Coordination;
using ClusterML.Core.Files;
using ClusterML.Core.Messages;
using ClusterML.Core.Validation;
using ClusterML.Engines.Active;

namespace ClusterML.Core.Tests.Active;

/// <summary>The <c>kind: active</c> spec, its trial layout, the proposer that decides the trials, and the book that feeds it.</summary>
public sealed class ActiveCampaignTests
{
    private const string Yaml = """
        name: al
        kind: active
        seed: 3
        oracle: { generator: thin-film }
        pool: { generator: thin-film, n: 500 }
        target: k_W_mK
        inputs: [thickness_nm, roughness_nm, temperature_K, direction]
        initial: 4
        batch: 3
        surrogate: { ensemble: 2, epochs: 20 }
        budget: { oracle_calls: 11 }
        compare_random: true
        """;

    private static CampaignSpec Spec(string yaml = Yaml) => CampaignSpecReader.Parse(yaml, "/al.yaml");

    private static InvalidInputException Refused(string yaml) => Assert.Throws<InvalidInputException>(() => Spec(yaml));

    [Fact]
    public void The_reader_should_give_an_active_spec_whose_round_trials_run_the_active_engine()
    {
        var spec = Spec();
        var active = Assert.IsType<ActiveSpec>(spec.Active);
        Assert.Equal(("active", "oracle", 4, 3, 11, true), (spec.Engine, active.OracleEngine, active.Initial, active.Batch, active.OracleCalls, active.CompareRandom));
        Assert.Equal(["thickness_nm", "roughness_nm", "temperature_K", "direction"], active.Inputs);
        Assert.Equal("thin-film", active.OracleSettings["generator"].ToString());
        Assert.Equal("20", active.RoundSettings["surrogate.epochs"].ToString());
        Assert.Equal(500L, ((CampaignValue.Integer)active.RoundSettings["pool.n"]).Value);
        // The budget bounds the trials the layout plans.
        Assert.Equal(new ActiveLayout(active, 3).Count, spec.Budget.MaxTrials);
    }

    [Theory]
    [InlineData("acquisition: ucb\n", "acquisition", 13)]
    [InlineData("batch_size: 3\n", "batch_size", 13)]
    [InlineData("goal: { target: k_bulk_W_mK, mode: min }\n", "goal.target", 13)]
    public void The_reader_should_name_the_field_and_line_of_a_bad_setting(string extra, string field, int line)
    {
        var error = Refused(Yaml + "\n" + extra);
        Assert.Equal(field, error.Field);
        Assert.Equal("/al.yaml", error.File);
        if (line > 0)
        {
            Assert.Equal(line, error.Line);
        }
    }

    [Fact]
    public void The_reader_should_refuse_a_budget_below_the_design_and_an_oracle_without_generator_or_engine()
    {
        Assert.Equal("budget.oracle_calls", Refused(Yaml.Replace("oracle_calls: 11", "oracle_calls: 3")).Field);
        Assert.Equal("oracle", Refused(Yaml.Replace("{ generator: thin-film }\npool", "{ command: x }\npool")).Field);
        Assert.Equal("inputs", Refused(Yaml.Replace("[thickness_nm, roughness_nm", "[k_W_mK, roughness_nm")).Field);
        // An exec oracle needs a pool of its own: nothing else says where the candidates are.
        Assert.Equal("pool", Refused(Yaml.Replace("oracle: { generator: thin-film }", "oracle: { engine: exec, command: [echo] }").Replace("pool: { generator: thin-film, n: 500 }\n", "")).Field);
    }

    [Fact]
    public void A_stop_patience_without_a_goal_should_be_refused_when_the_campaign_is_checked()
    {
        var spec = Spec(Yaml + "\nstop: { patience: 2 }\n");
        var error = Assert.Throws<InvalidInputException>(() => CampaignPlanner.Plan(spec, "c", 0));
        Assert.Equal(("stop.patience", "/al.yaml", 13), (error.Field, error.File, error.Line));
    }

    [Fact]
    public void The_layout_should_put_the_design_first_then_each_round_s_trainings_and_calls_with_the_last_batch_the_remainder()
    {
        var layout = new ActiveLayout(Spec().Active!, 3);
        // 11 calls: design 4, then batches 3, 3, 1 → rounds 1..3, and the final training round 4.
        Assert.Equal(3, layout.Rounds);
        var ids = layout.Slots.Select(s => s.TrialId).ToList();
        Assert.Equal(["r000-design", "r000-design-c001", "r000-design-c002", "r000-design-c003", "r000-design-c004",
            "r001-active", "r001-random", "r001-active-c001", "r001-active-c002", "r001-active-c003", "r001-random-c001", "r001-random-c002", "r001-random-c003"], ids[..13]);
        Assert.Equal(["r003-active", "r003-random", "r003-active-c001", "r003-random-c001", "r004-active", "r004-random"], ids[^6..]);
        Assert.Equal(11, layout.Slots.Count(s => !s.IsRound && s.Arm == ActiveSpec.ActiveArm));
        Assert.Equal(7, layout.Slots.Count(s => !s.IsRound && s.Arm == ActiveSpec.RandomArm));
        Assert.Equal(0, layout[ids.IndexOf("r004-active")].Position); // the final training picks nothing
        // Both arms train round r from one seed; calls have their own.
        Assert.Equal(layout[ids.IndexOf("r002-active")].Seed, layout[ids.IndexOf("r002-random")].Seed);
    }

    [Fact]
    public void A_call_should_wait_for_the_round_that_picks_it_and_a_round_for_every_call_its_arm_made_before()
    {
        var layout = new ActiveLayout(Spec().Active!, 3);
        int At(string id) => layout.Slots.ToList().FindIndex(s => s.TrialId == id);
        Assert.False(layout.Ready(At("r000-design-c001"), _ => false));
        Assert.True(layout.Ready(At("r000-design-c001"), i => i == 0));
        var round2 = At("r002-random");
        // The random arm's round 2 needs the design and its own round-1 calls, not the active arm's.
        var activeCall = At("r001-active-c002");
        Assert.True(layout.Ready(round2, i => i != activeCall));
        Assert.False(layout.Ready(round2, i => i != At("r001-random-c003")));
        Assert.False(layout.Ready(At("r001-active"), i => i != At("r000-design-c004")));
    }

    private static ActiveProposer Proposer(string yaml = Yaml) => (ActiveProposer)TrialProposer.For(Plan(yaml))!;

    private static CampaignSubmitted Plan(string yaml = Yaml)
    {
        var spec = Spec(yaml);
        return CampaignPlanner.Compact(CampaignPlanner.Plan(spec, "c1", 0), yaml, "/al.yaml", new Dictionary<string, BlobRef>());
    }

    /// <summary>The round trial at index 0 picked candidates 10, 20, 30 (no fourth): what the oracle calls become.</summary>
    private static TrialProposer.Seen Design(params long[] candidates)
    {
        var metrics = new Dictionary<string, double>();
        for (var j = 0; j < candidates.Length; j++)
        {
            metrics[$"next.{j}.candidate"] = candidates[j];
            metrics[$"next.{j}.thickness_nm"] = 100 + j;
            metrics[$"next.{j}.roughness_nm"] = 0.5;
            metrics[$"next.{j}.temperature_K"] = 300;
            metrics[$"next.{j}.direction"] = j % 2;
        }
        return new TrialProposer.Seen(ImmutableDictionary<string, string>.Empty, CampaignBook.Completed, double.NaN) { Metrics = metrics };
    }

    [Fact]
    public void An_oracle_call_should_label_its_pick_and_be_skipped_when_the_round_picked_fewer()
    {
        var proposer = Proposer();
        var trials = CampaignPlanner.Trials(Plan());
        var design = Design(10, 20, 30);
        var first = proposer.Propose(1, [design], trials[1].Parameters)!;
        Assert.Equal(("10", "100", "0.5", "300", "0"), (first["candidate"], first["thickness_nm"], first["roughness_nm"], first["temperature_K"], first["direction"]));
        var trial = proposer.Trial(trials[1], first, [design]);
        var oracle = Assert.IsType<GeneratorOracleSpec>(trial.Spec);
        Assert.Equal(("thin-film", 100.0, 0.0), (oracle.Generator, oracle.Inputs["thickness_nm"], oracle.Inputs["direction"]));
        Assert.Equal(trials[1].Seed, trial.Seed);
        // Slot 4 of the design has no pick: not needed.
        Assert.Null(proposer.Propose(4, [design, default, default, default], trials[4].Parameters));
    }

    [Fact]
    public void A_round_trial_should_train_on_its_arm_s_completed_labels_and_count_its_failed_calls()
    {
        var proposer = Proposer();
        var trials = CampaignPlanner.Trials(Plan());
        var seen = new List<TrialProposer.Seen> { Design(10, 20, 30, 40) };
        for (var j = 0; j < 4; j++)
        {
            var parameters = proposer.Propose(1 + j, seen, trials[1 + j].Parameters)!;
            seen.Add(new TrialProposer.Seen(parameters, j == 2 ? CampaignBook.Failed : CampaignBook.Completed, double.NaN)
            {
                Metrics = j == 2 ? ImmutableDictionary<string, double>.Empty : ImmutableDictionary<string, double>.Empty.Add("k_W_mK", 10.0 * (j + 1)).Add("k_bulk_W_mK", 150),
            });
        }
        var round = proposer.Propose(5, seen, trials[5].Parameters)!;
        Assert.Equal(("1", "active", "3", "3", "4"), (round["round"], round["arm"], round["select"], round["labelled"], round["oracle_calls"]));
        var spec = Assert.IsType<ActiveRoundSpec>(proposer.Trial(trials[5], round, seen).Spec);
        var lines = spec.Labelled.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("candidate,round,thickness_nm,roughness_nm,temperature_K,direction,k_W_mK", lines[0]);
        Assert.Equal(["10,0,100,0.5,300,0,10", "20,0,101,0.5,300,1,20", "40,0,103,0.5,300,1,40"], lines[1..]);
        Assert.Equal((1, "active", 3, false, 4), (spec.Round, spec.Arm, spec.Select, spec.Final, spec.OracleCalls));
        Assert.Equal((500, 20, 2), (spec.Pool.Count, spec.Surrogate.Epochs, spec.Surrogate.EnsembleSize));
    }

    [Fact]
    public void The_campaign_should_be_over_when_the_active_arm_says_stop_or_a_round_fails()
    {
        var proposer = Proposer();
        var seen = Enumerable.Repeat(new TrialProposer.Seen(ImmutableDictionary<string, string>.Empty, CampaignBook.Completed, double.NaN) { Metrics = ImmutableDictionary<string, double>.Empty }, 8).ToList();
        Assert.Null(proposer.Over(8, seen));
        seen[5] = seen[5] with { Metrics = ImmutableDictionary<string, double>.Empty.Add("stop", 1).Add("stop_reason", StopReasons.Sigma) };
        Assert.Contains("stop.sigma", proposer.Over(8, seen));
        // The random arm's stop means nothing; a failed round ends the campaign.
        seen[5] = seen[6] with { };
        seen[6] = seen[6] with { Metrics = ImmutableDictionary<string, double>.Empty.Add("stop", 1) };
        Assert.Null(proposer.Over(8, seen));
        seen[6] = seen[6] with { Outcome = CampaignBook.Failed };
        Assert.Contains("r001-random failed", proposer.Over(8, seen));
    }

    [Fact]
    public void A_snapshot_should_keep_the_metrics_the_proposer_needs_and_rebuild_the_proposals_from_them()
    {
        var plan = Plan();
        var proposer = TrialProposer.For(plan)!;
        var trials = CampaignPlanner.Trials(plan);
        var book = new CampaignBook();
        book.Submit(plan, trials, proposer.NeedsMetrics);
        Assert.True(book.KeepsMetrics);
        void Run(int index, IReadOnlyDictionary<string, double> metrics)
        {
            var parameters = proposer.Propose(index, book.Before(index), trials[index].Parameters)!;
            book.Propose(proposer.Trial(trials[index], parameters, book.Before(index)));
            book.Apply(new TrialAttemptStarted("c1", trials[index].TrialId, 1, 7, parameters));
            var result = new ClusterML.Core.Results.TrialResult("c1", trials[index].TrialId, index, parameters, 1, ClusterML.Core.Results.TrialStatus.Completed, null,
                metrics, null, [], "n", 1, 0, 1);
            book.Apply(new TrialFinished("c1", trials[index].TrialId, "completed", null, result));
        }
        Run(0, Design(5, 6, 7, 8).Metrics!);
        for (var j = 1; j <= 4; j++)
        {
            Run(j, new Dictionary<string, double> { ["k_W_mK"] = j });
        }
        Run(5, new Dictionary<string, double> { ["stop"] = 0 });
        var snapshot = book.ToSnapshot(0, false, [], AshaState.Empty, proposed: true);
        Assert.Equal(4.0, snapshot.Metrics![4]!["k_W_mK"]);
        var restored = CampaignBook.From(snapshot, trials, proposer.Trial);
        Assert.True(restored.KeepsMetrics);
        Assert.Equal(book.Trials[5].Spec, restored.Trials[5].Spec, new SpecText());
        Assert.Equal("8", restored.Trials[4].Parameters["candidate"]);
        Assert.Equal(6, restored.NextUndispatched);
    }

    [Fact]
    public void A_skipped_trial_should_count_as_finished_and_not_be_dispatched()
    {
        var plan = Plan();
        var trials = CampaignPlanner.Trials(plan);
        var book = new CampaignBook();
        book.Submit(plan, trials, keepMetrics: true);
        book.Apply(new TrialAttemptStarted("c1", trials[0].TrialId, 1, 7, null));
        var skipped = new ClusterML.Core.Results.TrialResult("c1", trials[1].TrialId, 1, trials[1].Parameters, 1, ClusterML.Core.Results.TrialStatus.Stopped, null,
            ImmutableDictionary<string, double>.Empty, "not needed", [], "", 0, 0, 0);
        book.Apply(new TrialFinished("c1", trials[1].TrialId, "stopped", null, skipped));
        Assert.Equal(2, book.NextUndispatched);
        Assert.DoesNotContain(book.Undispatched(0, 5), t => t.Index == 1);
        Assert.Equal(1, book.StoppedCount);
    }

    /// <summary>Specs compared by their wire-independent text (records holding lists compare by reference).</summary>
    private sealed class SpecText : IEqualityComparer<Specs.ITrialSpec>
    {
        public bool Equals(Specs.ITrialSpec? x, Specs.ITrialSpec? y) =>
            System.Text.Json.JsonSerializer.Serialize(x, x!.GetType()) == System.Text.Json.JsonSerializer.Serialize(y, y!.GetType());

        public int GetHashCode(Specs.ITrialSpec obj) => 0;
    }
}
