using Akka.Actor;
using Akka.Cluster.Sharding;
using Akka.Event;
using Akka.Persistence;
using ClusterML.Core.Messages;

namespace ClusterML.Cluster.Fits;

/// <summary>
/// The persistent coordinator entity of one fit (sharded on the <c>coordinator</c> role, event-sourced through the cluster's
/// journal: SQLite embedded, PostgreSQL on a cluster). It keeps the fit's newest checkpoint, the exact state the fit's
/// step loop continues from, so the loop can be run again anywhere: a campaign trial whose worker died, or a campaign resumed
/// after its coordinator process was killed, continues from the last checkpoint instead of epoch 1. Each checkpoint is an
/// event written before it is acknowledged; the older ones are deleted from the journal once the newer one is durable, so
/// recovery replays one event. A checkpoint older than the kept one (a stale attempt still running) is acknowledged and dropped.
/// </summary>
public sealed class FitCoordinatorActor : ReceivePersistentActor
{
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly string _fitId;
    private FitCheckpointSave? _latest;
    private int _checkpoints;

    public FitCoordinatorActor(string fitId)
    {
        _fitId = fitId;
        Recover<FitCheckpointSave>(e =>
        {
            _latest = e;
            _checkpoints++;
        });
        Command<FitCheckpointSave>(save =>
        {
            if (_latest is { } kept && save.Epoch < kept.Epoch)
            {
                _log.Info("Fit {FitId}: checkpoint of epoch {Epoch} from {Node} is older than the kept one ({Kept}); dropped", _fitId, save.Epoch, save.Node, kept.Epoch);
                Sender.Tell(new FitCheckpointSaved(_fitId, kept.Epoch));
                return;
            }
            var replyTo = Sender;
            Persist(save, e =>
            {
                _latest = e;
                _checkpoints++;
                if (LastSequenceNr > 1)
                {
                    // Answered once the older checkpoints are gone: a saver that goes on (or a process that ends) leaves one
                    // checkpoint in the journal, not two (each can be megabytes of weights).
                    _awaitingDeletion.Add((LastSequenceNr - 1, replyTo, e.Epoch));
                    DeleteMessages(LastSequenceNr - 1);
                }
                else
                {
                    replyTo.Tell(new FitCheckpointSaved(_fitId, e.Epoch));
                }
            });
        });
        Command<RecoveryCompleted>(_ =>
        {
            if (_checkpoints > 1)
            {
                DeleteMessages(LastSequenceNr - 1); // a process ended before an older checkpoint's deletion finished
            }
        });
        Command<FitCheckpointGet>(_ => Sender.Tell(State()));
        Command<FitCheckpointForget>(_ =>
        {
            _latest = null;
            _checkpoints = 0;
            DeleteMessages(LastSequenceNr);
            Sender.Tell(new FitCheckpointForgotten(_fitId));
        });
        Command<DeleteMessagesSuccess>(deleted => Answer(deleted.ToSequenceNr));
        Command<DeleteMessagesFailure>(failure =>
        {
            _log.Warning(failure.Cause, "Fit {FitId}: older checkpoints up to #{To} were not deleted", _fitId, failure.ToSequenceNr);
            Answer(failure.ToSequenceNr); // the new checkpoint is saved all the same
        });
    }

    /// <summary>Saves persisted but not yet answered: (deletion up to this sequence number, saver, epoch).</summary>
    private readonly List<(long DeleteTo, IActorRef ReplyTo, int Epoch)> _awaitingDeletion = [];

    private void Answer(long deletedTo)
    {
        foreach (var waiting in _awaitingDeletion.Where(w => w.DeleteTo <= deletedTo).ToList())
        {
            waiting.ReplyTo.Tell(new FitCheckpointSaved(_fitId, waiting.Epoch));
            _awaitingDeletion.Remove(waiting);
        }
    }

    public override string PersistenceId => $"fit-{_fitId}";

    public static Props Props(string fitId) => Akka.Actor.Props.Create(() => new FitCoordinatorActor(fitId));

    private FitCheckpointState State() =>
        _latest is { } kept
            ? new FitCheckpointState(_fitId, kept.Epoch, kept.Files, kept.Node, _checkpoints)
            : new FitCheckpointState(_fitId, 0, [], null, _checkpoints);
}

/// <summary>Routes fit coordinator messages by fit id.</summary>
public sealed class FitCoordinatorMessageExtractor() : HashCodeMessageExtractor(30)
{
    public override string? EntityId(object message) => (message as IWithFitCoordinator)?.FitId;
}
