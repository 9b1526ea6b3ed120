using System.Collections.Immutable;
using ClusterML.Core.Files;
using ClusterML.Core.Messages;
using ClusterML.Core.Validation;

namespace ClusterML.Core.Coordination;

/// <summary>
/// Registers the files a planned campaign names (surrogate <c>data</c>, nep <c>train</c>/<c>test</c>, pinn <c>observations</c>,
/// any spec that <see cref="IReadsFiles"/>) with the planning node's blob store: each distinct file is copied in once and
/// hashed on the way, pinned for the campaign, and every spec then carries the blob (hash, name, size) and the bare file name
/// instead of this machine's path.
/// </summary>
public static class CampaignInputs
{
    /// <returns>
    /// The plan with blob references, the distinct blobs registered (in first-use order), and the blob of each file by the
    /// full path the spec named (what a compact plan keeps, <see cref="CampaignPlanner.Compact"/>).
    /// </returns>
    /// <exception cref="InvalidInputException">A file cannot be read (names the setting and the file).</exception>
    public static async Task<(CampaignSubmitted Plan, IReadOnlyList<BlobRef> Blobs, IReadOnlyDictionary<string, BlobRef> ByPath)> RegisterAsync(
        CampaignSubmitted plan, BlobStore store, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentNullException.ThrowIfNull(store);
        var registered = new Dictionary<string, BlobRef>(StringComparer.Ordinal);
        foreach (var input in plan.Trials.Select(t => t.Spec).OfType<IReadsFiles>().SelectMany(r => r.InputFiles).Where(i => i.Blob is null))
        {
            var path = Path.GetFullPath(input.Path);
            if (registered.ContainsKey(path))
            {
                continue;
            }
            try
            {
                registered[path] = await store.ImportAsync(path, Path.GetFileName(path), plan.CampaignId, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new InvalidInputException(input.Field, $"cannot read '{path}': {e.Message}");
            }
        }
        return (plan with { Trials = WithBlobs(plan.Trials, registered) }, [.. registered.Values.DistinctBy(b => b.Sha256)], registered);
    }

    /// <summary>Every input file of the trials that has a blob in <paramref name="byPath"/> (by full path) replaced by it.</summary>
    public static ImmutableArray<PlannedTrial> WithBlobs(ImmutableArray<PlannedTrial> trials, IReadOnlyDictionary<string, BlobRef> byPath)
    {
        var result = ImmutableArray.CreateBuilder<PlannedTrial>(trials.Length);
        foreach (var trial in trials)
        {
            if (trial.Spec is not IReadsFiles reads || reads.InputFiles.All(f => f.Blob is not null))
            {
                result.Add(trial);
                continue;
            }
            var inputs = reads.InputFiles
                .Select(input => input.Blob is null && byPath.TryGetValue(Path.GetFullPath(input.Path), out var blob) ? new InputFile(input.Field, blob.Name, blob) : input)
                .ToList();
            result.Add(trial with { Spec = reads.WithInputFiles(inputs) });
        }
        return result.MoveToImmutable();
    }
}
