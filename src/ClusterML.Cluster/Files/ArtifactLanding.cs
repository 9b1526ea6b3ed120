using Akka.Actor;
using ClusterML.Core.Files;
using ClusterML.Core.Messages;

namespace ClusterML.Cluster.Files;

/// <summary>
/// The aggregator node's side of artifacts: fetches an attempt's files from the worker that wrote them into a hidden staging
/// folder beside the trial's folder (<c>campaigns/ID/trials/.TRIAL.partial-…</c>), checks every size and hash, and only then
/// swaps it in as <c>campaigns/ID/trials/TRIAL</c>, replacing an earlier attempt's files. A transfer that breaks (the worker
/// died) removes the staging folder, so the trial folder is always a complete set from one attempt or absent. Landings of
/// the same trial run one at a time. Thread-safe.
/// </summary>
public sealed class ArtifactLanding(NodeFiles files)
{
    /// <summary>Most files one attempt may send.</summary>
    public const int MaxFiles = 100_000;

    /// <summary>
    /// Landings of one trial run one at a time. A fixed set of locks chosen by the trial folder's hash (rarely shared by two
    /// trials, which then merely take turns) instead of one per trial ever landed, which would grow for as long as the
    /// aggregator lives.
    /// </summary>
    private readonly SemaphoreSlim[] _gates = [.. Enumerable.Range(0, 64).Select(_ => new SemaphoreSlim(1, 1))];

    /// <summary>Lands the files of <paramref name="request"/> from <paramref name="worker"/>; returns the trial folder relative to the data directory.</summary>
    /// <exception cref="ArgumentException">The request names unsafe ids or paths, or too many files.</exception>
    /// <exception cref="BlobFetchException">A file could not be fetched intact.</exception>
    public async Task<string> LandAsync(StoreArtifacts request, Address worker, CancellationToken cancellationToken)
    {
        Validate(request);
        var relative = ArtifactLayout.TrialFolder(request.CampaignId, request.TrialId);
        var target = Path.Combine(files.DataDir, relative);
        var parent = Path.GetDirectoryName(target)!;
        var gate = _gates[(StringComparer.Ordinal.GetHashCode(relative) & int.MaxValue) % _gates.Length];
        await gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        var staging = Path.Combine(parent, $".{request.TrialId}.partial-{Guid.NewGuid():N}");
        try
        {
            Directory.CreateDirectory(staging);
            var hints = worker.HasGlobalScope ? new[] { worker } : [];
            foreach (var file in request.Files)
            {
                var destination = Path.Combine(staging, file.Path);
                Directory.CreateDirectory(Path.GetDirectoryName(destination)!);
                if (file.Content is { } content)
                {
                    if (!file.ContentMatches)
                    {
                        throw new BlobFetchException($"{file.Path}: the inline content does not match its size and SHA-256");
                    }
                    File.WriteAllBytes(destination, content); // small: a synchronous write beats a thread-pool round trip
                    continue;
                }
                await files.FetchToFileAsync(file.Sha256, file.Size, hints, destination, file.Path, cancellationToken).ConfigureAwait(false);
            }
            Replace(staging, target);
            return relative;
        }
        finally
        {
            if (Directory.Exists(staging))
            {
                Directory.Delete(staging, recursive: true);
            }
            gate.Release();
        }
    }

    /// <summary>
    /// Removes a trial's artifact folder if there is one (an earlier attempt's, when the newest attempt sent only its log,
    /// which the results store keeps). Best effort: a folder that cannot be removed now is left as it is.
    /// </summary>
    public void RemoveTrialFolder(string campaignId, string trialId)
    {
        var target = Path.Combine(files.DataDir, ArtifactLayout.TrialFolder(campaignId, trialId));
        try
        {
            if (Directory.Exists(target))
            {
                Directory.Delete(target, recursive: true);
            }
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    private static void Replace(string staging, string target)
    {
        if (!Directory.Exists(target))
        {
            Directory.Move(staging, target);
            return;
        }
        var old = Path.Combine(Path.GetDirectoryName(target)!, $".{Path.GetFileName(target)}.old-{Guid.NewGuid():N}");
        Directory.Move(target, old);
        Directory.Move(staging, target);
        Directory.Delete(old, recursive: true);
    }

    private static void Validate(StoreArtifacts request)
    {
        if (!ArtifactLayout.IsSafeId(request.CampaignId) || !ArtifactLayout.IsSafeId(request.TrialId))
        {
            throw new ArgumentException($"'{request.CampaignId}/{request.TrialId}' cannot name a folder");
        }
        if (request.Files.Count > MaxFiles)
        {
            throw new ArgumentException($"{request.Files.Count} files (at most {MaxFiles})");
        }
        if (request.Files.FirstOrDefault(f => !f.HasSafePath || f.Size < 0 || !BlobRef.IsValidHash(f.Sha256)) is { } bad)
        {
            throw new ArgumentException($"'{bad.Path}' is not a safe relative path with a size and a SHA-256");
        }
        if (request.Files.Sum(f => (long)(f.Content?.Length ?? 0)) > ArtifactFile.MaxInlineBytes)
        {
            throw new ArgumentException($"more than {ArtifactFile.MaxInlineBytes} bytes of inline content");
        }
        if (request.Files.Select(f => f.Path).Distinct(StringComparer.Ordinal).Count() != request.Files.Count)
        {
            throw new ArgumentException("a file is listed twice");
        }
    }
}
