using System.Collections.Immutable;
using Akka.Actor;
using ClusterML.Cluster.Trials;
using ClusterML.Core.Files;
using ClusterML.Core.Messages;

namespace ClusterML.Cluster.Hosting;

/// <summary>
/// Every node's self-description at <c>/user/node-info</c>: answers <see cref="GetNodeInfo"/> with its slots (busy now), device,
/// process and blob store size, so the dashboard's cluster page can show what each member holds without a file of its own.
/// </summary>
public sealed class NodeInfoActor : ReceiveActor
{
    /// <summary>Actor name under <c>/user</c>.</summary>
    public const string Name = "node-info";

    public NodeInfoActor(ClusterNodeSettings settings, WorkerSlots slots, BlobStore? blobs, string device)
    {
        var started = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var isWorker = settings.Has(WorkerHostingExtensions.WorkerRole);
        Receive<GetNodeInfo>(_ =>
        {
            Sender.Tell(new NodeInfo(Akka.Cluster.Cluster.Get(Context.System).SelfAddress.ToString(), [.. settings.Roles], isWorker ? slots.Count : 0,
                isWorker ? slots.Busy : 0, device, Environment.MachineName, Environment.ProcessId, blobs?.Usage().Bytes ?? 0, started));
        });
    }

    public static Props Props(ClusterNodeSettings settings, WorkerSlots slots, BlobStore? blobs, string device) =>
        Akka.Actor.Props.Create(() => new NodeInfoActor(settings, slots, blobs, device));
}
