using System.Security.Cryptography;
using Akka;
using Akka.Streams.Dsl;
using ClusterML.Cluster.Files;
using ClusterML.Cluster.Hosting;
using ClusterML.Core.Files;
using ClusterML.Core.Messages;

namespace ClusterML.Cluster.Tests.Files;

/// <summary>Two (or three) real nodes on loopback moving blobs and artifacts through the cluster with stream references.</summary>
[Trait("Category", "Slow")]
public sealed class BlobTransferTests : IAsyncLifetime
{
    private readonly string _root = Directory.CreateTempSubdirectory("clusterml-transfer-").FullName;
    private FileNode _a = null!;
    private FileNode _b = null!;

    public async ValueTask InitializeAsync()
    {
        _a = await FileNode.StartAsync(Path.Combine(_root, "a"), ClusterNodeSettings.AllRoles);
        _b = await FileNode.StartAsync(Path.Combine(_root, "b"), [WorkerHostingExtensions.WorkerRole], _a);
    }

    public async ValueTask DisposeAsync()
    {
        await _b.DisposeAsync();
        await _a.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_root, recursive: true);
    }

    private async Task<(BlobRef Blob, byte[] Data)> ImportAsync(FileNode node, int bytes, int seed, string name = "input.bin")
    {
        var data = new byte[bytes];
        new Random(seed).NextBytes(data);
        var path = Path.Combine(_root, $"{name}-{seed}");
        await File.WriteAllBytesAsync(path, data, TestContext.Current.CancellationToken);
        return (await node.Store.ImportAsync(path, name, cancellationToken: TestContext.Current.CancellationToken), data);
    }

    [Fact]
    public async Task A_worker_should_fetch_a_blob_it_lacks_from_the_node_that_registered_it_and_cache_it()
    {
        var (blob, data) = await ImportAsync(_a, (5 * NodeFiles.ChunkSize) + 123, 1);
        var (path, lease) = await _b.Files.AcquireAsync(blob, [_a.Address], TestContext.Current.CancellationToken);
        using (lease)
        {
            Assert.StartsWith(Path.Combine(_b.DataDir, "blobs", "sha256"), path, StringComparison.Ordinal);
            Assert.Equal(data, await File.ReadAllBytesAsync(path, TestContext.Current.CancellationToken));
        }
        Assert.Equal(1, _b.Files.RemoteFetches);

        // Cached: the second trial reads the local copy.
        var (_, again) = await _b.Files.AcquireAsync(blob, [_a.Address], TestContext.Current.CancellationToken);
        again.Dispose();
        Assert.Equal(1, _b.Files.RemoteFetches);
    }

    [Fact]
    public async Task Concurrent_trials_on_one_node_should_fetch_a_blob_once()
    {
        var (blob, data) = await ImportAsync(_a, 4_000_000, 2);
        var acquired = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => _b.Files.AcquireAsync(blob, [], TestContext.Current.CancellationToken)));
        Assert.Equal(1, _b.Files.RemoteFetches); // found on A through the cluster's members, without a hint
        Assert.Single(acquired.Select(a => a.Path).Distinct());
        Assert.Equal(data, await File.ReadAllBytesAsync(acquired[0].Path, TestContext.Current.CancellationToken));
        foreach (var (_, lease) in acquired)
        {
            lease.Dispose();
        }
    }

    [Fact]
    public async Task A_corrupt_copy_on_the_serving_node_should_fail_the_fetch_clearly_and_leave_nothing()
    {
        var (blob, _) = await ImportAsync(_a, 300_000, 3);
        var served = _a.Store.Find(blob.Sha256)!;
        var bytes = await File.ReadAllBytesAsync(served, TestContext.Current.CancellationToken);
        bytes[150_000] ^= 0xFF; // same size, one bit pattern flipped
        await File.WriteAllBytesAsync(served, bytes, TestContext.Current.CancellationToken);

        var error = await Assert.ThrowsAsync<BlobFetchException>(() => _b.Files.AcquireAsync(blob, [_a.Address], TestContext.Current.CancellationToken));
        Assert.Contains("input.bin", error.Message, StringComparison.Ordinal);
        Assert.Contains("corrupt: SHA-256", error.Message, StringComparison.Ordinal);
        Assert.False(_b.Store.Contains(blob.Sha256));
        Assert.Empty(Directory.EnumerateFiles(Path.Combine(_b.DataDir, "blobs"), "*", SearchOption.AllDirectories));
    }

    [Fact]
    public async Task A_corrupt_local_copy_should_be_replaced_from_another_node_and_never_left_at_the_destination()
    {
        var (blob, data) = await ImportAsync(_a, 200_000, 5);
        var path = Path.Combine(_root, "local.bin");
        await File.WriteAllBytesAsync(path, data, TestContext.Current.CancellationToken);
        await _b.Store.ImportAsync(path, cancellationToken: TestContext.Current.CancellationToken);
        var bytes = await File.ReadAllBytesAsync(_b.Store.Find(blob.Sha256)!, TestContext.Current.CancellationToken);
        bytes[10] ^= 0xFF;
        await File.WriteAllBytesAsync(_b.Store.Find(blob.Sha256)!, bytes, TestContext.Current.CancellationToken);

        var destination = Path.Combine(_root, "artifact.bin");
        await _b.Files.FetchToFileAsync(blob.Sha256, blob.Size, [_a.Address], destination, "artifact.bin", TestContext.Current.CancellationToken);
        Assert.Equal(data, await File.ReadAllBytesAsync(destination, TestContext.Current.CancellationToken));
        File.Delete(destination);

        // Nowhere intact: the call fails and the corrupt local copy is not left behind at the destination.
        var served = _a.Store.Find(blob.Sha256)!;
        await File.WriteAllBytesAsync(served, bytes, TestContext.Current.CancellationToken);
        var error = await Assert.ThrowsAsync<BlobFetchException>(() => _b.Files.FetchToFileAsync(blob.Sha256, blob.Size, [_a.Address], destination, "artifact.bin", TestContext.Current.CancellationToken));
        Assert.Contains("(local copy): corrupt", error.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(destination));
    }

    [Fact]
    public async Task A_blob_no_node_holds_should_fail_at_once_naming_every_node_asked()
    {
        var missing = new BlobRef(new string('e', 64), "train.xyz", 1000);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var error = await Assert.ThrowsAsync<BlobFetchException>(() => _b.Files.AcquireAsync(missing, [_a.Address], TestContext.Current.CancellationToken));
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"took {clock.Elapsed}");
        Assert.Contains("train.xyz", error.Message, StringComparison.Ordinal);
        Assert.Contains($"{_a.Address}: not held there", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_stream_with_a_corrupt_chunk_or_too_many_bytes_should_be_rejected_without_a_file()
    {
        var chunks = Enumerable.Range(0, 4).Select(k => Enumerable.Repeat((byte)k, 1000).ToArray()).ToArray();
        var sha256 = Convert.ToHexStringLower(SHA256.HashData(chunks.SelectMany(c => c).ToArray()));
        var destination = Path.Combine(_root, "received.bin");

        await _b.Files.ReceiveAsync(Source.From(chunks), sha256, 4000, destination, TestContext.Current.CancellationToken);
        Assert.Equal(chunks.SelectMany(c => c).ToArray(), await File.ReadAllBytesAsync(destination, TestContext.Current.CancellationToken));
        File.Delete(destination);

        var corrupt = chunks.Select(c => (byte[])c.Clone()).ToArray();
        corrupt[2][17] = 99;
        var error = await Assert.ThrowsAsync<BlobFetchException>(() => _b.Files.ReceiveAsync(Source.From(corrupt), sha256, 4000, destination, TestContext.Current.CancellationToken));
        Assert.Contains("corrupt", error.Message, StringComparison.Ordinal);
        await Assert.ThrowsAnyAsync<Exception>(() => _b.Files.ReceiveAsync(Source.From(chunks.Append(chunks[0])), sha256, 4000, destination, TestContext.Current.CancellationToken));
        Assert.Empty(Directory.EnumerateFiles(_root, "received.bin*"));
    }

    [Fact]
    public async Task A_worker_killed_mid_upload_should_leave_no_partial_folder_and_a_retry_elsewhere_should_land_the_artifacts()
    {
        // The attempt's artifacts: a large "model" and a log, exposed from the worker's staging folder.
        var staging = Path.Combine(_root, "staging");
        Directory.CreateDirectory(Path.Combine(staging, "model"));
        var model = new byte[400_000_000];
        new Random(4).NextBytes(model.AsSpan(0, 1_000_000));
        await File.WriteAllBytesAsync(Path.Combine(staging, "model", "weights.pt"), model, TestContext.Current.CancellationToken);
        await File.WriteAllTextAsync(Path.Combine(staging, "trial.log"), "epoch 1\n", TestContext.Current.CancellationToken);
        var files = new List<ArtifactFile>();
        foreach (var relative in new[] { "model/weights.pt", "trial.log" })
        {
            var (hash, size) = await BlobStore.HashFileAsync(Path.Combine(staging, relative), TestContext.Current.CancellationToken);
            files.Add(new ArtifactFile(relative, size, hash));
        }
        var request = new StoreArtifacts("c1", "t0001", 1, files);
        var exposures = files.Select(f => _b.Store.Expose(f.Sha256, Path.Combine(staging, f.Path))).ToList();

        var landing = new ArtifactLanding(_a.Files);
        var trials = Path.Combine(_a.DataDir, "campaigns", "c1", "trials");
        var upload = landing.LandAsync(request, _b.Address, TestContext.Current.CancellationToken);
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!(Directory.Exists(trials) && Directory.EnumerateFiles(trials, "weights.pt.part-*", SearchOption.AllDirectories).Any(f => new FileInfo(f).Length > 0)))
        {
            Assert.True(DateTime.UtcNow < deadline && !upload.IsCompleted, "the upload never started, or finished before the worker could be killed");
            await Task.Delay(2, TestContext.Current.CancellationToken);
        }
        _b.Abort();
        await Assert.ThrowsAnyAsync<Exception>(() => upload.WaitAsync(TimeSpan.FromSeconds(60), TestContext.Current.CancellationToken));
        Assert.Empty(Directory.EnumerateFileSystemEntries(trials)); // no t0001, no .t0001.partial-…

        // The retried attempt runs on another worker and lands completely.
        await using var c = await FileNode.StartAsync(Path.Combine(_root, "c"), [WorkerHostingExtensions.WorkerRole], _a);
        exposures.AddRange(files.Select(f => c.Store.Expose(f.Sha256, Path.Combine(staging, f.Path))));
        var folder = await landing.LandAsync(request with { Attempt = 2 }, c.Address, TestContext.Current.CancellationToken);
        Assert.Equal("campaigns/c1/trials/t0001", folder);
        Assert.Equal(["t0001"], Directory.EnumerateFileSystemEntries(trials).Select(Path.GetFileName));
        foreach (var file in files)
        {
            Assert.Equal(file.Sha256, (await BlobStore.HashFileAsync(Path.Combine(_a.DataDir, folder, file.Path), TestContext.Current.CancellationToken)).Sha256);
        }
        exposures.ForEach(e => e.Dispose());
    }
}
