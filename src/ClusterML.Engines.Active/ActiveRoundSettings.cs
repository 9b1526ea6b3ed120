using ClusterML.Core.Engines;
using ClusterML.Core.Validation;
using ClusterML.Engines.Surrogate;

namespace ClusterML.Engines.Active;

/// <summary>Reads a round trial's settings (what <c>ActiveProposer</c> gives it from the campaign YAML) into its spec.</summary>
internal static class ActiveRoundSettings
{
    /// <summary>Candidates of a generator pool when the YAML gives no <c>pool.n</c>.</summary>
    public const int DefaultPoolSize = 100_000;

    /// <summary>The surrogate's defaults in an active loop (see <see cref="Surrogate"/>).</summary>
    public const int DefaultEpochs = 1000, DefaultBatchSize = 16, DefaultPatience = 200;

    public static ActiveRoundSpec Read(EngineSettings s)
    {
        var seed = s.Int("seed", 0);
        var target = s.Text("target", "");
        var inputs = s.List("inputs");
        var surrogate = Surrogate(s, target, inputs);
        var pool = Source(s, "pool", Seeds.Derive(seed, 77), DefaultPoolSize)
            ?? throw new InvalidInputException("pool", "needs generator (with n) or data (a CSV of candidates)");
        var test = Source(s, "test", Seeds.Derive(seed, 78), 2000);
        var initialData = s.OptionalPath("initial.data");
        var spec = new ActiveRoundSpec(
            s.Int("round", 0), s.Text("arm", "active"), s.Int("select", 0), s.Bool("final", false), target, inputs,
            s.Text(Core.Active.ActiveProposer.LabelledSetting, ""), s.Int(Core.Active.ActiveProposer.OracleCallsKey, 0),
            pool, test, initialData, s.Int("initial.n", 0), null,
            s.Text("acquisition", "uncertainty"), s.Get("goal")?.ToString(), s.Double("kappa", 2.0), s.Double("xi", 0.0),
            s.Text("diversity", "maximin"), s.Text("out_of_domain", "explore"), s.OptionalDouble("stop.sigma"),
            s.Get("stop.patience") is null ? null : s.Int("stop.patience", 1), surrogate, seed, s.Double("density", 0));
        return ActiveRoundEngine.Validated(spec);
    }

    private static CandidateSource? Source(EngineSettings s, string prefix, int seed, int count)
    {
        var generator = s.Get($"{prefix}.generator")?.ToString();
        var data = s.OptionalPath($"{prefix}.data");
        if (generator is null && data is null)
        {
            return null;
        }
        return new CandidateSource(generator, s.Int($"{prefix}.n", count), s.Int($"{prefix}.seed", seed), data, null);
    }

    /// <summary>
    /// The surrogate's settings (<c>surrogate:</c> in the YAML, the options of <c>surrogate train</c> in snake_case). The
    /// defaults suit the tens to hundreds of rows an active loop has: 5 members, batches of 16, up to 1000 epochs with
    /// patience 200, no bootstrap resampling (the members differ by their initialisation and validation rows). With
    /// <c>surrogate train</c>'s batches of 64–128 and a few hundred epochs, 50 rows get one optimiser step per epoch and the
    /// model is limited by its training, not by the data the loop chooses (docs/benchmarks.md). Errors name
    /// <c>surrogate.KEY</c>.
    /// </summary>
    private static SurrogateSpec Surrogate(EngineSettings s, string target, IReadOnlyList<string> inputs)
    {
        try
        {
            return new SurrogateSpec(
                "labelled", target, inputs, s.List("surrogate.log"), s.Bool("surrogate.log_auto", true),
                s.Int("surrogate.layers", 3), s.Int("surrogate.width", 64), s.Text("surrogate.activation", "silu"), s.Int("surrogate.epochs", DefaultEpochs),
                s.Int("surrogate.batch_size", DefaultBatchSize), s.Double("surrogate.lr", 3e-3), s.Double("surrogate.weight_decay", 0), s.Int("surrogate.patience", DefaultPatience),
                s.Double("surrogate.validation_fraction", 0.15), s.Double("surrogate.test_fraction", 0.2), s.Int("surrogate.ensemble", 5),
                null, s.Bool("surrogate.bootstrap", false), s.Int("surrogate.neighbors", 5), s.Text("surrogate.schedule", "cosine"),
                s.Double("surrogate.calibration_fraction", 0.1)).Validated();
        }
        catch (InvalidInputException e) when (e.File is null && e.Field.StartsWith("--", StringComparison.Ordinal))
        {
            throw new InvalidInputException("surrogate." + e.Field[2..].Replace('-', '_'), e.Problem);
        }
    }
}
