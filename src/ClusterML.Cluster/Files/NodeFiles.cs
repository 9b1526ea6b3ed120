using System.Collections.Concurrent;
using System.Security.Cryptography;
using Akka;
using Akka.Actor;
using Akka.Streams;
using Akka.Streams.Dsl;
using ClusterML.Core.Files;
using ClusterML.Core.Messages;

namespace ClusterML.Cluster.Files;

/// <summary>
/// A node's side of files in the cluster: its <see cref="BlobStore"/>, fetching blobs from other nodes' <see cref="BlobServer"/>s
/// (through Akka.Streams stream references over remoting: 64 KiB chunks, back-pressured, so memory stays flat whatever the
/// file's size), and the folder where trial attempts stage their artifacts. Every received file is written under a temporary
/// name, checked against the expected size (a longer stream is cut off at once) and SHA-256, and only then moved into place:
/// a missing, corrupt or broken transfer leaves nothing behind and fails with a message naming each node asked. Thread-safe.
/// </summary>
public sealed class NodeFiles
{
    /// <summary>
    /// Bytes per streamed chunk: under Akka.Remote's default 128,000-byte frame (no node needs other settings) and the
    /// 85,000-byte large-object heap threshold. Larger chunks (256 KiB with a raised frame limit) and smaller ones (16 KiB)
    /// were no faster over loopback (docs/benchmarks.md).
    /// </summary>
    public const int ChunkSize = 64 * 1024;

    private readonly ActorSystem _system;
    private readonly ConcurrentDictionary<string, Lazy<Task>> _fetching = new();
    private readonly Lazy<IMaterializer> _materializer;
    private int _remoteFetches;

    public NodeFiles(ActorSystem system, BlobStore store, string dataDir)
    {
        _system = system;
        Store = store;
        DataDir = Path.GetFullPath(dataDir);
        _materializer = new Lazy<IMaterializer>(() => system.Materializer(namePrefix: "blob-fetch"));
    }

    public BlobStore Store { get; }

    /// <summary>The node's data directory (absolute).</summary>
    public string DataDir { get; }

    /// <summary>Blobs and files this instance has received from other nodes (not local copies).</summary>
    public int RemoteFetches => Volatile.Read(ref _remoteFetches);

    /// <summary>Ask timeout for a node's answer to <see cref="FetchBlob"/>.</summary>
    public TimeSpan AskTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>A transfer that delivers nothing for this long fails (the sending node died or hangs).</summary>
    public TimeSpan IdleTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Where attempts write their artifacts before they are sent: <c>DATA_DIR/staging/CAMPAIGN/TRIAL/attempt-N</c>.</summary>
    public string StagingFolder(string campaignId, string trialId, int attempt) =>
        Path.Combine(DataDir, "staging", campaignId, trialId, $"attempt-{attempt}");

    /// <summary>
    /// A local copy of <paramref name="blob"/>, leased until the returned handle is disposed: from this node's store, or fetched
    /// once (however many trials ask at the same time) from <paramref name="hints"/> first and then every other member that is up.
    /// </summary>
    /// <exception cref="BlobFetchException">No node could deliver it intact.</exception>
    public async Task<(string Path, IDisposable Lease)> AcquireAsync(BlobRef blob, IReadOnlyList<Address> hints, CancellationToken cancellationToken)
    {
        if (!BlobRef.IsValidHash(blob.Sha256))
        {
            throw new BlobFetchException($"{blob.Name}: '{blob.Sha256}' is not a SHA-256");
        }
        var lease = Store.Lease(blob.Sha256);
        try
        {
            while (Store.Find(blob.Sha256) is null || !Store.Contains(blob.Sha256))
            {
                var fetch = _fetching.GetOrAdd(blob.Sha256, _ => new Lazy<Task>(() => FetchIntoStoreAsync(blob, hints)));
                try
                {
                    await fetch.Value.WaitAsync(cancellationToken).ConfigureAwait(false);
                }
                finally
                {
                    _fetching.TryRemove(new KeyValuePair<string, Lazy<Task>>(blob.Sha256, fetch));
                }
            }
            return (Store.PathOf(blob.Sha256), lease);
        }
        catch
        {
            lease.Dispose();
            throw;
        }
    }

    private async Task FetchIntoStoreAsync(BlobRef blob, IReadOnlyList<Address> hints)
    {
        var temp = Store.NewTempPath();
        try
        {
            // Not cancelled by one waiting trial: others may be waiting for the same blob.
            await FetchToFileAsync(blob.Sha256, blob.Size, hints, temp, blob.Name, CancellationToken.None).ConfigureAwait(false);
            Store.Commit(temp, blob.Sha256);
        }
        finally
        {
            File.Delete(temp);
        }
    }

    /// <summary>
    /// Streams blob <paramref name="sha256"/> of <paramref name="size"/> bytes into <paramref name="destination"/> (replaced),
    /// asking <paramref name="candidates"/> in order and then the other members that are up. A copy in this node's store is
    /// copied locally. The file is complete and verified when this returns; on failure it does not exist.
    /// </summary>
    /// <exception cref="BlobFetchException">No node could deliver it intact.</exception>
    public async Task FetchToFileAsync(string sha256, long size, IReadOnlyList<Address> candidates, string destination, string name, CancellationToken cancellationToken)
    {
        var problems = new List<string>();
        var self = Akka.Cluster.Cluster.Get(_system).SelfAddress;
        if (Store.Find(sha256) is { } local)
        {
            using (Store.Lease(sha256))
            {
                var copied = false;
                try
                {
                    var (hash, length) = await BlobStore.CopyFileAsync(local, destination, cancellationToken).ConfigureAwait(false);
                    copied = hash == sha256 && length == size;
                    if (copied)
                    {
                        return;
                    }
                    problems.Add($"{self} (local copy): {Mismatch(hash, length, sha256, size)}");
                }
                catch (IOException e)
                {
                    problems.Add($"{self} (local copy): {e.Message}");
                }
                finally
                {
                    if (!copied)
                    {
                        TryDelete(destination); // never leave a wrong or partial copy where the caller expects the file
                    }
                }
            }
        }
        foreach (var address in Candidates(candidates, self))
        {
            cancellationToken.ThrowIfCancellationRequested();
            try
            {
                var server = _system.ActorSelection(new RootActorPath(address) / "user" / BlobServer.Name);
                var answer = await server.Ask<object>(new FetchBlob(sha256), AskTimeout, cancellationToken).ConfigureAwait(false);
                switch (answer)
                {
                    case ISourceRef<BlobChunk> sourceRef:
                        await ReceiveAsync(sourceRef.Source.Select(c => c.Data), sha256, size, destination, cancellationToken).ConfigureAwait(false);
                        Interlocked.Increment(ref _remoteFetches);
                        return;
                    case BlobUnavailable unavailable:
                        problems.Add($"{address}: {unavailable.Reason}");
                        break;
                    default:
                        problems.Add($"{address}: unexpected answer {answer.GetType().Name}");
                        break;
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                throw;
            }
            catch (Exception e)
            {
                TryDelete(destination);
                problems.Add($"{address}: {(e is AskTimeoutException ? $"no answer within {AskTimeout.TotalSeconds:F0} s" : e.GetBaseException().Message)}");
            }
        }
        var shown = BlobRefText(sha256, name, size);
        throw new BlobFetchException(problems.Count == 0
            ? $"blob {shown} is on no node of the cluster (no other member is up)"
            : $"blob {shown} could not be fetched: {string.Join("; ", problems)}");
    }

    /// <summary>
    /// Writes a stream of chunks to <paramref name="destination"/> through a temporary file, failing as soon as it exceeds
    /// <paramref name="size"/> or stalls for <see cref="IdleTimeout"/>, and keeps it only when size and SHA-256 match.
    /// </summary>
    /// <exception cref="BlobFetchException">The content is not the expected one (nothing is left at <paramref name="destination"/>).</exception>
    public async Task ReceiveAsync(Source<byte[], NotUsed> chunks, string sha256, long size, string destination, CancellationToken cancellationToken)
    {
        var temp = $"{destination}.part-{Guid.NewGuid():N}";
        try
        {
            using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            long received = 0;
            await using (var file = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1, FileOptions.Asynchronous))
            {
                var (kill, done) = chunks
                    .IdleTimeout(IdleTimeout)
                    .ViaMaterialized(KillSwitches.Single<byte[]>(), Keep.Right)
                    .SelectAsync(1, async chunk =>
                    {
                        received += chunk.Length;
                        if (received > size)
                        {
                            throw new BlobFetchException($"more than the expected {size} bytes arrived");
                        }
                        hash.AppendData(chunk);
                        await file.WriteAsync(chunk).ConfigureAwait(false);
                        return NotUsed.Instance;
                    })
                    .ToMaterialized(Sink.Ignore<NotUsed>(), Keep.Both)
                    .Run(_materializer.Value);
                await using (cancellationToken.Register(() => kill.Abort(new OperationCanceledException(cancellationToken))))
                {
                    await done.ConfigureAwait(false);
                }
                cancellationToken.ThrowIfCancellationRequested();
            }
            var actual = Convert.ToHexStringLower(hash.GetHashAndReset());
            if (actual != sha256 || received != size)
            {
                throw new BlobFetchException(Mismatch(actual, received, sha256, size));
            }
            File.Move(temp, destination, overwrite: true);
        }
        finally
        {
            TryDelete(temp);
        }
    }

    private IEnumerable<Address> Candidates(IReadOnlyList<Address> hints, Address self)
    {
        var members = Akka.Cluster.Cluster.Get(_system).State.Members
            .Where(m => m.Status == Akka.Cluster.MemberStatus.Up)
            .Select(m => m.Address)
            .OrderBy(a => a.ToString(), StringComparer.Ordinal);
        return hints.Concat(members).Where(a => a != self).Distinct();
    }

    private static string Mismatch(string hash, long length, string sha256, long size) =>
        length != size
            ? $"corrupt or incomplete: {length} bytes instead of {size}"
            : $"corrupt: SHA-256 {hash[..12]}… instead of {sha256[..12]}…";

    private static string BlobRefText(string sha256, string name, long size) => new BlobRef(sha256, name, size).ToString();

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
        }
    }
}
