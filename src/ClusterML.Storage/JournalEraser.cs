using Akka.Actor;
using Akka.Persistence;

namespace ClusterML.Storage;

/// <summary>
/// Deletes every journal event and snapshot of one persistence id through Akka.Persistence itself (so SQLite and PostgreSQL
/// journals alike), the way <c>campaign delete</c> erases a campaign's coordinator history. Akka.Persistence.Sql keeps the
/// highest sequence number as a deleted marker, so nothing is replayed and a later actor with the same id starts empty.
/// </summary>
public sealed class JournalEraser : ReceivePersistentActor
{
    private readonly string _persistenceId;
    private readonly TaskCompletionSource _done;

    public JournalEraser(string persistenceId, TaskCompletionSource done)
    {
        _persistenceId = persistenceId;
        _done = done;
        var pending = 2;
        void Step()
        {
            if (--pending == 0)
            {
                done.TrySetResult();
                Context.Stop(Self);
            }
        }
        Recover<RecoveryCompleted>(_ =>
        {
            DeleteMessages(long.MaxValue);
            DeleteSnapshots(SnapshotSelectionCriteria.Latest);
        });
        Recover<object>(_ => { });
        Command<DeleteMessagesSuccess>(_ => Step());
        Command<DeleteSnapshotsSuccess>(_ => Step());
        Command<DeleteMessagesFailure>(f => done.TrySetException(f.Cause));
        Command<DeleteSnapshotsFailure>(f => done.TrySetException(f.Cause));
    }

    public override string PersistenceId => _persistenceId;

    /// <summary>Nothing is replayed (the events need not even be readable by this process); deleting up to the maximum removes them all.</summary>
    public override Recovery Recovery => Recovery.None;

    protected override void OnRecoveryFailure(Exception reason, object? message = null)
    {
        _done.TrySetException(reason);
        base.OnRecoveryFailure(reason, message);
    }

    /// <summary>An eraser of <paramref name="persistenceId"/> that completes <paramref name="done"/> when events and snapshots are gone.</summary>
    public static Props Props(string persistenceId, TaskCompletionSource done) =>
        Akka.Actor.Props.Create(() => new JournalEraser(persistenceId, done));
}
