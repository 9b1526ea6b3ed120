using System.Security.Cryptography;
using ClusterML.Core.Files;

namespace ClusterML.Core.Tests.Files;

public sealed class BlobStoreTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("clusterml-blobs-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private string Source(string name, int bytes, int seed)
    {
        var data = new byte[bytes];
        new Random(seed).NextBytes(data);
        var path = Path.Combine(_root, name);
        File.WriteAllBytes(path, data);
        return path;
    }

    /// <summary>A blob committed the way a receiver does it: written to a temp path, then committed under its hash.</summary>
    private static string Put(BlobStore store, int bytes, int seed)
    {
        var data = new byte[bytes];
        new Random(seed).NextBytes(data);
        var temp = store.NewTempPath();
        File.WriteAllBytes(temp, data);
        var hash = Convert.ToHexStringLower(SHA256.HashData(data));
        store.Commit(temp, hash);
        return hash;
    }

    [Fact]
    public async Task Import_should_name_the_blob_by_its_SHA256_and_keep_an_identical_copy()
    {
        var store = new BlobStore(Path.Combine(_root, "blobs"), 1 << 30);
        var source = Source("train.xyz", 3 * BlobStore.BufferSize + 17, 1);
        var blob = await store.ImportAsync(source, cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(source))), blob.Sha256);
        Assert.Equal(("train.xyz", new FileInfo(source).Length), (blob.Name, blob.Size));
        var path = store.Find(blob.Sha256);
        Assert.Equal(Path.Combine(_root, "blobs", "sha256", blob.Sha256[..2], blob.Sha256), path);
        Assert.Equal(File.ReadAllBytes(source), File.ReadAllBytes(path!));
        Assert.Empty(Directory.EnumerateFiles(Path.Combine(_root, "blobs", "tmp")));

        // The same content again is one blob.
        var again = await store.ImportAsync(Source("copy.xyz", 3 * BlobStore.BufferSize + 17, 1), cancellationToken: TestContext.Current.CancellationToken);
        Assert.Equal(blob.Sha256, again.Sha256);
        Assert.Equal(1, store.Usage().Blobs);
    }

    [Fact]
    public void The_cache_should_evict_least_recently_used_blobs_but_never_leased_or_pinned_ones()
    {
        var store = new BlobStore(Path.Combine(_root, "blobs"), 3000);
        var a = Put(store, 1000, 1);
        var b = Put(store, 1000, 2);
        var c = Put(store, 1000, 3);
        Assert.NotNull(store.Find(a)); // a is now more recently used than b
        var d = Put(store, 1000, 4);   // over the limit: b, the least recently used, goes
        Assert.False(store.Contains(b));
        Assert.All(new[] { a, c, d }, h => Assert.True(store.Contains(h))); // Contains does not count as a use

        using (store.Lease(c))
        {
            store.Pin("campaign-1", [a]); // the cache is now c and d
            var e = Put(store, 1000, 5);  // exactly at the limit: nothing goes
            Assert.True(store.Contains(d));
            Put(store, 1000, 6);          // over: c is the oldest but leased, so d goes
            Assert.False(store.Contains(d));
            Assert.True(store.Contains(c));
            Assert.True(store.Contains(e));
        }
        var usage = store.Usage();
        Assert.Equal((1, 1000L), (usage.PinnedBlobs, usage.PinnedBytes));
        Assert.True(usage.CacheBytes <= 3000, $"cache {usage.CacheBytes} B after the lease ended");
        Assert.NotNull(store.Find(a));
    }

    [Fact]
    public void Unpin_should_delete_only_blobs_no_other_campaign_pins_and_survive_a_restart()
    {
        var root = Path.Combine(_root, "blobs");
        var store = new BlobStore(root, 1 << 20);
        var shared = Put(store, 500, 1);
        var own = Put(store, 700, 2);
        store.Pin("c1", [shared, own]);
        store.Pin("c2", [shared]);

        var reopened = new BlobStore(root, 0); // pins and blobs are read back from disk; with no room for a cache only pins keep blobs
        Assert.Equal(new HashSet<string> { shared, own }, reopened.PinnedBy("c1"));
        Assert.Equal(700, reopened.Unpin("c1"));
        Assert.Null(reopened.Find(own));
        Assert.NotNull(reopened.Find(shared));
        Assert.Equal(500, reopened.Unpin("c2"));
        Assert.Equal(0, reopened.Usage().Blobs);
    }

    [Fact]
    public void Exposed_files_should_be_served_by_hash_until_the_exposure_ends()
    {
        var store = new BlobStore(Path.Combine(_root, "blobs"), 1 << 20);
        var file = Source("model.pt", 100, 3);
        var hash = Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(file)));
        using (store.Expose(hash, file))
        {
            Assert.Equal(file, store.Find(hash));
            Assert.False(store.Contains(hash));
        }
        Assert.Null(store.Find(hash));
        Assert.Null(store.Find("../../etc/passwd")); // not a hash: never a path
    }

    [Fact]
    public void Temporary_files_of_a_dead_process_should_be_removed_when_the_store_opens()
    {
        var root = Path.Combine(_root, "blobs");
        var store = new BlobStore(root, 1 << 20);
        var orphan = Path.Combine(root, "tmp", "999999999-0123");
        File.WriteAllText(orphan, "half a blob");
        var mine = store.NewTempPath();
        File.WriteAllText(mine, "being written");
        _ = new BlobStore(root, 1 << 20);
        Assert.False(File.Exists(orphan));
        Assert.True(File.Exists(mine)); // this process is alive: its files stay
    }

    [Fact]
    public void Artifact_paths_should_be_safe_only_inside_their_folder()
    {
        var hash = new string('a', 64);
        Assert.True(new ArtifactFile("model/member_0.pt", 1, hash).HasSafePath);
        Assert.All(new[] { "../x", "/etc/passwd", "a/../../b", "a//b", "./a", "", "a\\b" }, p => Assert.False(new ArtifactFile(p, 1, hash).HasSafePath, p));
        Assert.True(ArtifactLayout.IsSafeId("quickstart-20261201-003728"));
        Assert.All(new[] { "..", ".hidden", "a/b", "", "a b" }, id => Assert.False(ArtifactLayout.IsSafeId(id), id));
        Assert.False(BlobRef.IsValidHash(new string('A', 64)));
    }
}
