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
    /// <returns>The plan with blob references, and the distinct blobs registered (in first-use order).</returns>
    /// <exception cref="InvalidInputException">A file cannot be read (names the setting and the file).</exception>
    public static async Task<(CampaignSubmitted Plan, IReadOnlyList<BlobRef> Blobs)> RegisterAsync(CampaignSubmitted plan, BlobStore store, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentNullException.ThrowIfNull(store);
        var registered = new Dictionary<string, BlobRef>(StringComparer.Ordinal);
        var trials = ImmutableArray.CreateBuilder<PlannedTrial>(plan.Trials.Length);
        foreach (var trial in plan.Trials)
        {
            if (trial.Spec is not IReadsFiles reads || reads.InputFiles.All(f => f.Blob is not null))
            {
                trials.Add(trial);
                continue;
            }
            var inputs = new List<InputFile>();
            foreach (var input in reads.InputFiles)
            {
                if (input.Blob is not null)
                {
                    inputs.Add(input);
                    continue;
                }
                var path = Path.GetFullPath(input.Path);
                if (!registered.TryGetValue(path, out var blob))
                {
                    try
                    {
                        blob = await store.ImportAsync(path, Path.GetFileName(path), plan.CampaignId, cancellationToken).ConfigureAwait(false);
                    }
                    catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                    {
                        throw new InvalidInputException(input.Field, $"cannot read '{path}': {e.Message}");
                    }
                    registered[path] = blob;
                }
                inputs.Add(new InputFile(input.Field, blob.Name, blob));
            }
            trials.Add(trial with { Spec = reads.WithInputFiles(inputs) });
        }
        return (plan with { Trials = trials.MoveToImmutable() }, [.. registered.Values.DistinctBy(b => b.Sha256)]);
    }
}
