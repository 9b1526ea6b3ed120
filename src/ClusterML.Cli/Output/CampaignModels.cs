using ClusterML.Core.Files;
using ClusterML.Core.IO;
using ClusterML.Core.Results;
using ClusterML.Core.Validation;

namespace ClusterML.Cli.Output;

/// <summary>The trained models of a campaign's trials, as the aggregator landed them under <c>campaigns/ID/trials/TRIAL/model</c>.</summary>
internal static class CampaignModels
{
    /// <summary>
    /// The best trial by the campaign's <paramref name="objectives"/> (default: the completed trial with the lowest finite loss;
    /// ties: lowest index), or null (none, or several objectives: no single best).
    /// </summary>
    public static TrialResult? Best(IReadOnlyList<TrialResult> results, ClusterML.Core.Campaigns.CampaignObjectives? objectives = null) =>
        CampaignRanking.Of(results, objectives).Best;

    /// <summary>The trial's artifact folder on this node (absolute), or null when it kept none.</summary>
    public static string? ArtifactFolder(string dataDir, TrialResult result) =>
        result.ArtifactFolder is { } relative ? Path.GetFullPath(Path.Combine(dataDir, relative)) : null;

    /// <summary>The trial's <c>model/</c> folder (absolute) when it exists, else null.</summary>
    public static string? ModelFolder(string dataDir, TrialResult result) =>
        ArtifactFolder(dataDir, result) is { } folder && Directory.Exists(Path.Combine(folder, "model")) ? Path.Combine(folder, "model") : null;

    /// <summary>
    /// Copies the model of <paramref name="trialId"/> (default: the best trial) to <paramref name="destination"/>, checking every
    /// file against the size and SHA-256 recorded with the result; the destination is written through a staging folder.
    /// </summary>
    /// <exception cref="InvalidInputException">No such trial, no completed trial, no model kept, or a file differs from its record.</exception>
    public static (TrialResult Trial, string Destination) CopyModel(string dataDir, IReadOnlyList<TrialResult> results, string? trialId, string destination,
        ClusterML.Core.Campaigns.CampaignObjectives? objectives = null)
    {
        var trial = trialId is null
            ? Best(results, objectives) ?? throw new InvalidInputException("--best-model", objectives is { IsMultiObjective: true }
                ? "a campaign with several objectives has no single best trial; choose one of the Pareto front with --trial"
                : "the campaign has no completed trial yet")
            : results.FirstOrDefault(r => r.TrialId == trialId) ?? throw new InvalidInputException("--trial", $"no finished trial '{trialId}' (trials: {string.Join(", ", results.Select(r => r.TrialId).Take(20))})");
        if (trial.Status != TrialStatus.Completed)
        {
            throw new InvalidInputException("--trial", $"trial {trial.TrialId} did not complete ({trial.Status.ToString().ToLowerInvariant()}) and kept no model");
        }
        if (ArtifactFolder(dataDir, trial) is not { } folder || !Directory.Exists(folder))
        {
            throw new InvalidInputException("--best-model", $"trial {trial.TrialId} has no artifact folder in {dataDir} (run by a version that kept no artifacts, or deleted)");
        }
        var model = Path.Combine(folder, "model");
        if (!Directory.Exists(model))
        {
            throw new InvalidInputException("--best-model", $"trial {trial.TrialId} kept no model/ (its engine trains none; its folder {folder} holds {string.Join(", ", Directory.EnumerateFileSystemEntries(folder).Select(Path.GetFileName))})");
        }
        var recorded = (trial.Files ?? []).ToDictionary(f => f.Path, StringComparer.Ordinal);
        using var output = AtomicOutputDirectory.Begin(destination);
        foreach (var file in Directory.EnumerateFiles(model, "*", SearchOption.AllDirectories))
        {
            var relative = Path.GetRelativePath(folder, file).Replace('\\', '/');
            var (sha256, size) = BlobStore.CopyFileAsync(file, output.PathFor(Path.GetRelativePath(model, file))).GetAwaiter().GetResult();
            if (recorded.TryGetValue(relative, out var expected) && (expected.Sha256 != sha256 || expected.Size != size))
            {
                throw new InvalidInputException("--best-model", $"{file} differs from what trial {trial.TrialId} recorded (SHA-256 {sha256[..12]}… instead of {expected.Sha256[..12]}…): the artifact folder was changed");
            }
        }
        output.Commit();
        return (trial, output.Target);
    }

    /// <summary>Bytes of all files under <paramref name="folder"/> (0 when it does not exist).</summary>
    public static long FolderSize(string folder) =>
        Directory.Exists(folder) ? Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories).Sum(f => new FileInfo(f).Length) : 0;
}
