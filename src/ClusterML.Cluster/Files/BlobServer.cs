using Akka;
using Akka.Actor;
using Akka.Event;
using Akka.IO;
using Akka.Streams;
using Akka.Streams.Dsl;
using ClusterML.Core.Files;
using ClusterML.Core.Messages;

namespace ClusterML.Cluster.Files;

/// <summary>
/// Every node's blob server (at <c>/user/blobs</c>): answers <see cref="FetchBlob"/> with a stream reference to the blob's
/// bytes in <see cref="NodeFiles.ChunkSize"/> chunks (back-pressured, read from disk as the receiver asks for them), or
/// <see cref="BlobUnavailable"/> when this node does not hold it. The file is leased while it streams, so eviction cannot
/// pull it away mid-transfer; a receiver that never subscribes is dropped after the stream-ref subscription timeout.
/// </summary>
public sealed class BlobServer : ReceiveActor
{
    /// <summary>Actor name under <c>/user</c>.</summary>
    public const string Name = "blobs";

    private readonly ILoggingAdapter _log = Context.GetLogger();

    public BlobServer(BlobStore store)
    {
        var materializer = Context.Materializer();
        Receive<FetchBlob>(fetch =>
        {
            if (store.Find(fetch.Sha256) is not { } path)
            {
                Sender.Tell(new BlobUnavailable(fetch.Sha256, "not held there"));
                return;
            }
            _log.Debug("Serving blob {Sha256} to {Requester}", fetch.Sha256, Sender.Path.Address);
            var lease = store.Lease(fetch.Sha256);
            var source = FileIO.FromFile(new FileInfo(path), NodeFiles.ChunkSize)
                .Select(chunk => new BlobChunk(chunk.ToArray()))
                .WatchTermination((_, done) =>
                {
                    done.ContinueWith(_ => lease.Dispose(), TaskScheduler.Default);
                    return NotUsed.Instance;
                });
            source.RunWith(StreamRefs.SourceRef<BlobChunk>(), materializer)
                .PipeTo(Sender, failure: e => new BlobUnavailable(fetch.Sha256, e.GetBaseException().Message));
        });
    }

    public static Props Props(BlobStore store) => Akka.Actor.Props.Create(() => new BlobServer(store));
}
