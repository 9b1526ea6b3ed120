using Akka.Actor;
using Akka.Event;
using ClusterML.Core.Engines;
using ClusterML.Core.Files;
using ClusterML.Core.Messages;

namespace ClusterML.Cluster.Fits;

/// <summary>
/// A fit's checkpoints in its persistent coordinator entity (<see cref="FitCoordinatorActor"/>), reached through the fit
/// coordinator region from any node. Reading the newest checkpoint fails loudly (the attempt fails and is retried); a
/// checkpoint that cannot be stored is logged and the fit goes on (it only loses how far a restart could skip).
/// </summary>
public sealed class ClusterFitCheckpoints(ActorSystem system, IActorRef region) : IFitCheckpoints
{
    private static readonly TimeSpan AskTimeout = TimeSpan.FromSeconds(60);

    /// <summary>What one message may carry (the remoting frame is 16 MiB; the rest is headroom).</summary>
    public const long MaxBytes = 15 * 1024 * 1024;

    private readonly ILoggingAdapter _log = Logging.GetLogger(system, typeof(ClusterFitCheckpoints));
    private readonly string _node = Akka.Cluster.Cluster.Get(system).SelfAddress.ToString();

    public async Task<FitCheckpoint?> LatestAsync(string fitId, CancellationToken cancellationToken)
    {
        var state = await region.Ask<FitCheckpointState>(new FitCheckpointGet(fitId), AskTimeout, cancellationToken).ConfigureAwait(false);
        return state.Files.Count == 0 ? null : new FitCheckpoint(fitId, state.Epoch, state.Files);
    }

    public async Task SaveAsync(FitCheckpoint checkpoint, CancellationToken cancellationToken)
    {
        if (checkpoint.Bytes > MaxBytes)
        {
            _log.Warning("Fit {FitId}: the checkpoint of epoch {Epoch} is {Size}, more than a message carries ({Max}); not kept by the coordinator",
                checkpoint.FitId, checkpoint.Epoch, Bytes.Show(checkpoint.Bytes), Bytes.Show(MaxBytes));
            return;
        }
        try
        {
            await region.Ask<FitCheckpointSaved>(new FitCheckpointSave(checkpoint.FitId, checkpoint.Epoch, new Dictionary<string, byte[]>(checkpoint.Files), _node),
                AskTimeout, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is AskTimeoutException or TimeoutException)
        {
            _log.Warning("Fit {FitId}: the coordinator did not store the checkpoint of epoch {Epoch} within {Seconds} s; the fit goes on",
                checkpoint.FitId, checkpoint.Epoch, AskTimeout.TotalSeconds);
        }
    }

    public async Task ForgetAsync(string fitId, CancellationToken cancellationToken)
    {
        try
        {
            await region.Ask<FitCheckpointForgotten>(new FitCheckpointForget(fitId), AskTimeout, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is AskTimeoutException or TimeoutException)
        {
            _log.Warning("Fit {FitId}: its checkpoints were not deleted (no answer within {Seconds} s)", fitId, AskTimeout.TotalSeconds);
        }
    }
}
