using System.Buffers;
using System.Security.Cryptography;
using ClusterML.Core.IO;

namespace ClusterML.Core.Files;

/// <summary>What a blob store holds: all blobs, the part pinned by campaigns, and the evictable cache and its limit (bytes).</summary>
public sealed record BlobStoreUsage(int Blobs, long Bytes, int PinnedBlobs, long PinnedBytes, long CacheBytes, long CacheLimitBytes);

/// <summary>
/// A node's content-addressed file store under <c>DATA_DIR/blobs</c>: <c>sha256/ab/abcdef…</c> (the file's SHA-256 as its
/// name), <c>tmp/</c> for files being written and <c>refs/OWNER</c> listing the blobs a campaign pins. Pinned blobs (the inputs
/// a campaign registered on this node) stay until their campaigns are deleted; every other blob is a cache entry, evicted
/// least-recently-used first once the cache exceeds its limit, except while it is leased (a trial reads it). Files outside
/// the store can be exposed under their hash for a while (a worker's finished artifacts), so they are served without a copy.
/// Thread-safe. Several processes may open the same store (a node and a <c>campaign status</c>); each one's temporary files
/// carry its process id and are removed by the next one to open the store once that process is gone.
/// </summary>
public sealed class BlobStore
{
    /// <summary>Copy and hash buffer (bytes).</summary>
    public const int BufferSize = 1 << 20;

    private readonly Lock _gate = new();
    private readonly Dictionary<string, Entry> _entries = [];
    private readonly Dictionary<string, int> _leases = [];
    private readonly Dictionary<string, string> _exposed = [];
    private readonly Dictionary<string, HashSet<string>> _pins = [];
    private readonly Dictionary<string, int> _pinCounts = []; // owners pinning each blob: IsPinned in O(1) on every eviction
    private long _clock;

    private sealed class Entry(long size, long lastUse)
    {
        public long Size { get; } = size;

        public long LastUse { get; set; } = lastUse;
    }

    public BlobStore(string root, long cacheLimitBytes)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(cacheLimitBytes);
        Root = Path.GetFullPath(root);
        CacheLimitBytes = cacheLimitBytes;
        Directory.CreateDirectory(Path.Combine(Root, "sha256"));
        Directory.CreateDirectory(RefsFolder);
        Directory.CreateDirectory(TempFolder);
        RemoveOrphanedTempFiles();
        foreach (var file in Directory.EnumerateFiles(Path.Combine(Root, "sha256"), "*", SearchOption.AllDirectories)
                     .Select(f => new FileInfo(f)).OrderBy(f => f.LastWriteTimeUtc))
        {
            if (BlobRef.IsValidHash(file.Name))
            {
                _entries[file.Name] = new Entry(file.Length, ++_clock);
            }
        }
        foreach (var refs in Directory.EnumerateFiles(RefsFolder))
        {
            var owned = _pins[Path.GetFileName(refs)] = [.. File.ReadAllLines(refs).Where(BlobRef.IsValidHash)];
            foreach (var hash in owned)
            {
                _pinCounts[hash] = _pinCounts.GetValueOrDefault(hash) + 1;
            }
        }
    }

    /// <summary>The store's folder (absolute).</summary>
    public string Root { get; }

    /// <summary>The most the unpinned blobs may take before the least recently used are evicted (bytes).</summary>
    public long CacheLimitBytes { get; }

    private string TempFolder => Path.Combine(Root, "tmp");

    private string RefsFolder => Path.Combine(Root, "refs");

    /// <summary>Where the blob <paramref name="sha256"/> lives in the store (whether or not it is there).</summary>
    public string PathOf(string sha256) => Path.Combine(Root, "sha256", sha256[..2], sha256);

    /// <summary>The local file with this content (a stored blob, or an exposed file), marking it used; null when there is none.</summary>
    public string? Find(string sha256)
    {
        if (!BlobRef.IsValidHash(sha256))
        {
            return null;
        }
        lock (_gate)
        {
            if (_entries.TryGetValue(sha256, out var entry))
            {
                var path = PathOf(sha256);
                if (File.Exists(path))
                {
                    entry.LastUse = ++_clock;
                    TryTouch(path);
                    return path;
                }
                _entries.Remove(sha256); // deleted behind our back
            }
            return _exposed.TryGetValue(sha256, out var exposed) && File.Exists(exposed) ? exposed : null;
        }
    }

    /// <summary>True when the store holds the blob itself (not only an exposed file).</summary>
    public bool Contains(string sha256)
    {
        lock (_gate)
        {
            return _entries.ContainsKey(sha256);
        }
    }

    /// <summary>
    /// Copies <paramref name="sourcePath"/> into the store, hashing it on the way (one pass, constant memory), and returns its
    /// reference with <paramref name="name"/> (default: the file's name). A blob already present is kept and the copy dropped.
    /// With <paramref name="pinFor"/> (a campaign id) it is pinned for that campaign before anything could evict it.
    /// </summary>
    /// <exception cref="IOException">The file cannot be read.</exception>
    public async Task<BlobRef> ImportAsync(string sourcePath, string? name = null, string? pinFor = null, CancellationToken cancellationToken = default)
    {
        var temp = NewTempPath();
        try
        {
            string hash;
            long size;
            await using (var source = OpenRead(sourcePath))
            await using (var target = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1, FileOptions.Asynchronous))
            {
                (hash, size) = await CopyHashingAsync(source, target, cancellationToken).ConfigureAwait(false);
            }
            Commit(temp, hash, pinFor);
            return new BlobRef(hash, name ?? Path.GetFileName(sourcePath), size);
        }
        finally
        {
            TryDelete(temp);
        }
    }

    /// <summary>A fresh path under <c>tmp/</c> for a blob being written (the caller deletes it if it does not commit it).</summary>
    public string NewTempPath() => Path.Combine(TempFolder, $"{Environment.ProcessId}-{Guid.NewGuid():N}");

    /// <summary>Files in <c>tmp/</c> whose writing process is gone are incomplete by definition (named <c>PID-GUID</c>).</summary>
    private void RemoveOrphanedTempFiles()
    {
        foreach (var file in Directory.EnumerateFiles(TempFolder))
        {
            var name = Path.GetFileName(file);
            var dash = name.IndexOf('-', StringComparison.Ordinal);
            if (dash > 0 && int.TryParse(name.AsSpan(0, dash), out var pid) && pid != Environment.ProcessId && !Processes.IsAlive(pid))
            {
                TryDelete(file);
            }
        }
    }

    /// <summary>
    /// Moves a finished, verified file (written at <see cref="NewTempPath"/>) into the store as <paramref name="sha256"/>,
    /// pins it for <paramref name="pinFor"/> if given, then evicts least-recently-used cache entries beyond the limit. Returns the blob's path.
    /// </summary>
    public string Commit(string tempPath, string sha256, string? pinFor = null)
    {
        if (!BlobRef.IsValidHash(sha256))
        {
            throw new ArgumentException($"'{sha256}' is not a SHA-256 in lower-case hex", nameof(sha256));
        }
        var path = PathOf(sha256);
        lock (_gate)
        {
            if (_entries.TryGetValue(sha256, out var existing) && File.Exists(path))
            {
                existing.LastUse = ++_clock;
                TryDelete(tempPath);
            }
            else
            {
                Directory.CreateDirectory(Path.GetDirectoryName(path)!);
                File.Move(tempPath, path, overwrite: true);
                _entries[sha256] = new Entry(new FileInfo(path).Length, ++_clock);
            }
            if (pinFor is not null)
            {
                Pin(pinFor, [sha256]);
            }
            Evict();
            return path;
        }
    }

    /// <summary>Keeps <paramref name="sha256"/> from eviction until the lease is disposed (leases nest).</summary>
    public IDisposable Lease(string sha256)
    {
        lock (_gate)
        {
            _leases[sha256] = _leases.GetValueOrDefault(sha256) + 1;
        }
        return new Release(() =>
        {
            lock (_gate)
            {
                if (--_leases[sha256] == 0)
                {
                    _leases.Remove(sha256);
                    Evict();
                }
            }
        });
    }

    /// <summary>Serves the file at <paramref name="path"/> as blob <paramref name="sha256"/> until disposed (no copy is made).</summary>
    public IDisposable Expose(string sha256, string path)
    {
        lock (_gate)
        {
            _exposed[sha256] = path;
        }
        return new Release(() =>
        {
            lock (_gate)
            {
                if (_exposed.TryGetValue(sha256, out var current) && current == path)
                {
                    _exposed.Remove(sha256);
                }
            }
        });
    }

    /// <summary>Pins blobs for <paramref name="owner"/> (a campaign id): they are not evicted until <see cref="Unpin"/>.</summary>
    public void Pin(string owner, IEnumerable<string> hashes)
    {
        RequireOwner(owner);
        lock (_gate)
        {
            if (!_pins.TryGetValue(owner, out var set))
            {
                _pins[owner] = set = [];
            }
            foreach (var hash in hashes.Where(BlobRef.IsValidHash))
            {
                if (set.Add(hash))
                {
                    _pinCounts[hash] = _pinCounts.GetValueOrDefault(hash) + 1;
                }
            }
            if (set.Count == 0)
            {
                _pins.Remove(owner);
                return;
            }
            var file = Path.Combine(RefsFolder, owner);
            var temp = file + ".tmp";
            File.WriteAllLines(temp, set.Order(StringComparer.Ordinal));
            File.Move(temp, file, overwrite: true);
        }
    }

    /// <summary>
    /// Drops <paramref name="owner"/>'s pins and deletes the blobs it pinned that no other owner pins and nobody leases.
    /// Returns the deleted blobs' sizes (bytes).
    /// </summary>
    public long Unpin(string owner)
    {
        RequireOwner(owner);
        lock (_gate)
        {
            if (!_pins.Remove(owner, out var hashes))
            {
                return 0;
            }
            foreach (var hash in hashes)
            {
                if (--_pinCounts[hash] == 0)
                {
                    _pinCounts.Remove(hash);
                }
            }
            File.Delete(Path.Combine(RefsFolder, owner));
            long freed = 0;
            foreach (var hash in hashes.Where(h => !IsPinned(h) && !_leases.ContainsKey(h)))
            {
                if (_entries.Remove(hash, out var entry))
                {
                    TryDelete(PathOf(hash));
                    freed += entry.Size;
                }
            }
            return freed;
        }
    }

    /// <summary>The blobs <paramref name="owner"/> pins.</summary>
    public IReadOnlySet<string> PinnedBy(string owner)
    {
        lock (_gate)
        {
            return _pins.TryGetValue(owner, out var set) ? set.ToHashSet() : new HashSet<string>();
        }
    }

    public BlobStoreUsage Usage()
    {
        lock (_gate)
        {
            var pinned = _entries.Where(e => IsPinned(e.Key)).ToArray();
            var total = _entries.Values.Sum(e => e.Size);
            var pinnedBytes = pinned.Sum(e => e.Value.Size);
            return new BlobStoreUsage(_entries.Count, total, pinned.Length, pinnedBytes, total - pinnedBytes, CacheLimitBytes);
        }
    }

    /// <summary>SHA-256 (lower-case hex) and length of a file, read once in 1 MiB blocks.</summary>
    public static async Task<(string Sha256, long Size)> HashFileAsync(string path, CancellationToken cancellationToken = default)
    {
        await using var source = OpenRead(path);
        return await CopyHashingAsync(source, null, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Copies a file to <paramref name="destination"/> (created or replaced), returning the SHA-256 and length of what was copied.</summary>
    public static async Task<(string Sha256, long Size)> CopyFileAsync(string source, string destination, CancellationToken cancellationToken = default)
    {
        await using var input = OpenRead(source);
        await using var output = new FileStream(destination, FileMode.Create, FileAccess.Write, FileShare.None, 1, FileOptions.Asynchronous);
        return await CopyHashingAsync(input, output, cancellationToken).ConfigureAwait(false);
    }

    private static async Task<(string Sha256, long Size)> CopyHashingAsync(Stream source, Stream? target, CancellationToken cancellationToken)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        // Pooled, and no larger than the file: campaigns hash and copy many small artifacts, and a fresh 1 MiB array per file
        // (on the large-object heap) cost more than the work itself.
        var buffer = ArrayPool<byte>.Shared.Rent((int)Math.Clamp(source.Length + 1, 4096, BufferSize));
        try
        {
            long size = 0;
            int read;
            while ((read = await source.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
            {
                hash.AppendData(buffer, 0, read);
                if (target is not null)
                {
                    await target.WriteAsync(buffer.AsMemory(0, read), cancellationToken).ConfigureAwait(false);
                }
                size += read;
            }
            return (Convert.ToHexStringLower(hash.GetHashAndReset()), size);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>Unbuffered (the copy loops read whole blocks) sequential read.</summary>
    private static FileStream OpenRead(string path) =>
        new(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.SequentialScan | FileOptions.Asynchronous);

    private bool IsPinned(string hash) => _pinCounts.ContainsKey(hash);

    /// <summary>Under the lock: drop least-recently-used unpinned, unleased blobs until the cache fits its limit.</summary>
    private void Evict()
    {
        var cache = _entries.Where(e => !IsPinned(e.Key)).Sum(e => e.Value.Size);
        if (cache <= CacheLimitBytes)
        {
            return;
        }
        foreach (var (hash, entry) in _entries.Where(e => !IsPinned(e.Key) && !_leases.ContainsKey(e.Key)).OrderBy(e => e.Value.LastUse).ToArray())
        {
            if (cache <= CacheLimitBytes)
            {
                break;
            }
            _entries.Remove(hash);
            TryDelete(PathOf(hash));
            cache -= entry.Size;
        }
    }

    private static void RequireOwner(string owner)
    {
        if (!ArtifactLayout.IsSafeId(owner))
        {
            throw new ArgumentException($"'{owner}' cannot name a pin file", nameof(owner));
        }
    }

    private static void TryTouch(string path)
    {
        try
        {
            File.SetLastWriteTimeUtc(path, DateTime.UtcNow);
        }
        catch (IOException)
        {
            // Only the order after a restart depends on it.
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
            // Left for the next start, which empties tmp/.
        }
    }

    private sealed class Release(Action release) : IDisposable
    {
        private int _done;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _done, 1) == 0)
            {
                release();
            }
        }
    }
}
