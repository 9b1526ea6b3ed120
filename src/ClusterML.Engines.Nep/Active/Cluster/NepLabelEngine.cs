using ClusterML.Core.Active;
using ClusterML.Core.Engines;
using ClusterML.Core.Specs;
using ClusterML.Core.Validation;
using ClusterML.Engines.Nep.Model;
using ClusterML.Engines.Nep.Structures;

namespace ClusterML.Engines.Nep.Active.Cluster;

/// <summary>
/// The oracle of a potential's active learning on the cluster (<c>nep-label</c>): labels one pool structure with a reference
/// NEP model (standing in for DFT; <see cref="NepOracleLabeller"/>, double precision), keeps the labelled frame in the
/// cluster's store for the round trials (<see cref="LabelledFrames"/>; the call fails, and is retried, unless the store has it)
/// and writes it as the artifact <c>frame.xyz</c>. Metrics: <c>energy_per_atom</c> (the label the campaign counts),
/// <c>energy</c>, <c>max_force</c>, <c>atoms</c>. No loss: a label is not a fit.
/// </summary>
public sealed class NepLabelEngine : Engine<NepLabelSpec>, IEngine
{
    /// <summary>The <c>nep-label</c> engine: settings <c>model</c>, <c>pool</c> and <c>candidate</c> (given by the campaign).</summary>
    public static EngineRegistration Registration { get; } = new EngineRegistration<NepLabelSpec>(
        ActiveSpec.NepLabelEngine, "one oracle call of a potential's active learning: a reference NEP model labels one pool structure",
        s => new NepLabelSpec(s.Path("model"), s.Path("pool"), s.Int("candidate", 0)), () => new NepLabelEngine());

    void IEngine.Check(ITrialSpec spec)
    {
        var label = (NepLabelSpec)spec;
        var model = ReadModel(label.Model);
        // The first structure stands for all: its species must be the model's (each call checks its own).
        try
        {
            _ = NepStructure.FromFrame(LabelledFrames.Structure(label.Pool, 0), model.Species, label.Pool);
        }
        catch (InvalidInputException e) when (e.Field != "pool")
        {
            throw new InvalidInputException("oracle.model", $"the reference model (species {string.Join(", ", model.Species)}) cannot label the pool's first structure: {e.Problem}", e.File, e.Line);
        }
    }

    protected override TrainingOutcome Train(NepLabelSpec spec, RunContext context, CancellationToken cancellationToken)
    {
        var model = ReadModel(spec.Model);
        var structure = LabelledFrames.Structure(spec.Pool, spec.Candidate);
        var frame = new NepOracleLabeller(model).Label((int)spec.Candidate, NepStructure.FromFrame(structure, model.Species, spec.Pool));
        var bytes = LabelledFrames.Encode(structure, frame);
        if (context.Checkpoints is { } store && context.FitId is { } fitId)
        {
            var entry = LabelledFrames.FitOf(fitId, spec.Candidate);
            store.SaveAsync(new FitCheckpoint(entry, 1, new Dictionary<string, byte[]> { [LabelledFrames.FrameFile] = bytes }), cancellationToken).GetAwaiter().GetResult();
            if (store.LatestAsync(entry, cancellationToken).GetAwaiter().GetResult() is null)
            {
                throw new InvalidOperationException($"the cluster's store did not keep the labelled frame of pool structure {spec.Candidate} ({entry})");
            }
        }
        var artifacts = new List<string>();
        if (context.ArtifactDirectory is { } folder)
        {
            Directory.CreateDirectory(folder);
            File.WriteAllBytes(Path.Combine(folder, LabelledFrames.FrameFile), bytes);
            artifacts.Add(LabelledFrames.FrameFile);
        }
        var maxForce = 0.0;
        for (var i = 0; i < frame.Forces.Length; i += 3)
        {
            maxForce = Math.Max(maxForce, Math.Sqrt(frame.Forces[i] * frame.Forces[i] + frame.Forces[i + 1] * frame.Forces[i + 1] + frame.Forces[i + 2] * frame.Forces[i + 2]));
        }
        var metrics = new Dictionary<string, double>(StringComparer.Ordinal)
        {
            [ActiveSpec.NepLabelMetric] = frame.Energy / frame.Atoms,
            ["energy"] = frame.Energy,
            ["max_force"] = maxForce,
            ["atoms"] = frame.Atoms,
        };
        return new TrainingOutcome(double.NaN, [], [], metrics, artifacts);
    }

    private static NepModel ReadModel(string path)
    {
        if (!File.Exists(path))
        {
            throw new InvalidInputException("oracle.model", $"'{path}' does not exist");
        }
        return NepModel.Read(path);
    }
}
