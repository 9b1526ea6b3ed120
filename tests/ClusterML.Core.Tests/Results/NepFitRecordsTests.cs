using System.Diagnostics;
using ClusterML.Core.Results;

namespace ClusterML.Core.Tests.Results;

public sealed class NepFitRecordsTests : IDisposable
{
    private readonly string _dataDir = Directory.CreateTempSubdirectory("clusterml-nepfit-").FullName;

    public void Dispose() => Directory.Delete(_dataDir, recursive: true);

    private static readonly long Start = new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.Zero).ToUnixTimeMilliseconds();

    private NepFitInfo Info(string outDir = "runs/My Fit", int? pid = null, long? started = null) =>
        new("", Path.Combine(_dataDir, outDir), "running", started ?? Start, null, "adam", ["Si", "O"], 3, 12, 4, true, pid ?? Environment.ProcessId, null);

    [Fact]
    public void A_recorded_fit_should_read_back_exactly_as_written()
    {
        NepFitPoint[] points =
        [
            new(1, 0.25, 1.5, 0.1, 0.2, 0.3, 0.11, 0.21, null),
            new(2, 0.5, 1.0 / 3, 0.05, 0.15, null, null, null, null),
            new(3, 0.75, 0.1, 1e-310, double.Epsilon, 2.5e300, 0.01, 0.02, 0.03),
        ];
        NepFitShard[] shards = [new("akka://a@1:2", 0, 5, 1234), new("akka://b@1:3", 1, 7, 1L << 40)];
        NepFitWorkerStep[] steps = [new(1, "akka://a@1:2", 3, 0.4, 0.2, 0.125), new(1, "akka://b@1:3", 4, 0.6, 0.3, 0.125)];
        string id;
        using (var writer = NepFitRecords.Begin(_dataDir, Info()))
        {
            id = writer.Id;
            Assert.Equal("my-fit-20260102-030405", id);
            Assert.Equal("running", NepFitRecords.Find(_dataDir, id)!.Status);
            writer.Placement(shards);
            foreach (var point in points)
            {
                writer.Epoch(point);
                writer.WorkerSteps([.. steps.Select(s => s with { Epoch = point.Epoch })]);
                // Each epoch is readable while the fit runs.
                Assert.Equal(point, NepFitRecords.Progress(_dataDir, id)[^1]);
            }
            writer.End("completed", null);
        }

        var info = Assert.Single(NepFitRecords.List(_dataDir));
        Assert.Equivalent(info, NepFitRecords.Find(_dataDir, id), strict: true);
        Assert.Equal(id, info.Id);
        Assert.Equal("completed", info.Status);
        Assert.Equal(Path.Combine(_dataDir, "runs", "My Fit"), info.OutDir);
        Assert.Equal(["Si", "O"], info.Species);
        Assert.Equal((Start, "adam", 3, 12, 4, true, Environment.ProcessId, (string?)null),
            (info.StartedAtMs, info.Optimizer, info.Epochs, info.TrainFrames, info.TestFrames, info.Distributed, info.ProcessId, info.Error));
        Assert.True(info.EndedAtMs >= Start);
        Assert.Equal(points, NepFitRecords.Progress(_dataDir, id));
        Assert.Equal(shards, NepFitRecords.Placement(_dataDir, id));
        Assert.Equal([.. points.SelectMany(p => steps.Select(s => s with { Epoch = p.Epoch }))], NepFitRecords.WorkerSteps(_dataDir, id));

        var folder = Path.Combine(NepFitRecords.FolderIn(_dataDir), id);
        Assert.Equal(Path.Combine(_dataDir, "nep-fits"), NepFitRecords.FolderIn(_dataDir));
        Assert.Equal("epoch,seconds,loss,rmse_e_train,rmse_f_train,rmse_v_train,rmse_e_test,rmse_f_test,rmse_v_test", File.ReadLines(Path.Combine(folder, "progress.csv")).First());
        Assert.Equal("2,0.5,0.3333333333333333,0.05,0.15,,,,", File.ReadLines(Path.Combine(folder, "progress.csv")).ElementAt(2));
        Assert.Equal("epoch,node,answers,compute_s,max_shard_s,step_s", File.ReadLines(Path.Combine(folder, "workers.csv")).First());
        var json = File.ReadAllText(Path.Combine(folder, "fit.json"));
        foreach (var name in new[] { "\"id\"", "\"out_dir\"", "\"started_at_ms\"", "\"ended_at_ms\"", "\"train_frames\"", "\"test_frames\"", "\"process_id\"" })
        {
            Assert.Contains(name, json, StringComparison.Ordinal);
        }
        Assert.DoesNotContain(Directory.EnumerateFiles(folder), f => Path.GetFileName(f).StartsWith('.'));
    }

    [Fact]
    public void A_half_written_last_line_should_be_ignored()
    {
        using var writer = NepFitRecords.Begin(_dataDir, Info());
        writer.Epoch(new NepFitPoint(1, 0.1, 2.0, 0.1, 0.2, null, null, null, null));
        writer.WorkerSteps([new NepFitWorkerStep(1, "a", 1, 0.1, 0.1, 0.2)]);
        var folder = Path.Combine(NepFitRecords.FolderIn(_dataDir), writer.Id);
        // The next epoch cut short mid-number: "2,0.2,1.5" would parse as a complete row with a wrong loss.
        File.AppendAllText(Path.Combine(folder, "progress.csv"), "2,0.2,1.5");
        File.AppendAllText(Path.Combine(folder, "workers.csv"), "2,a,1,0.1,0.1,0.2");

        Assert.Equal([1], NepFitRecords.Progress(_dataDir, writer.Id).Select(p => p.Epoch));
        Assert.Equal([1], NepFitRecords.WorkerSteps(_dataDir, writer.Id).Select(s => s.Epoch));
    }

    [Fact]
    public void A_running_record_whose_process_is_gone_should_be_listed_as_failed_without_changing_the_file()
    {
        using var done = Process.Start(new ProcessStartInfo("true") { UseShellExecute = false })!;
        done.WaitForExit();
        using var dead = NepFitRecords.Begin(_dataDir, Info("dead", done.Id, Start));
        using var alive = NepFitRecords.Begin(_dataDir, Info("alive", started: Start + 1000));

        var fits = NepFitRecords.List(_dataDir);
        Assert.Equal([alive.Id, dead.Id], fits.Select(f => f.Id)); // newest first
        Assert.Equal(("running", (string?)null), (fits[0].Status, fits[0].Error));
        Assert.Equal(("failed", "the process ended without finishing the fit"), (fits[1].Status, fits[1].Error));
        Assert.Equal("failed", NepFitRecords.Find(_dataDir, dead.Id)!.Status);
        Assert.Contains("\"running\"", File.ReadAllText(Path.Combine(NepFitRecords.FolderIn(_dataDir), dead.Id, "fit.json")), StringComparison.Ordinal);
        dead.End("failed", "test over");
        alive.End("completed", null);
    }

    [Fact]
    public void Two_fits_of_the_same_out_folder_in_the_same_second_should_get_different_ids()
    {
        using var first = NepFitRecords.Begin(_dataDir, Info());
        using var second = NepFitRecords.Begin(_dataDir, Info());
        using var third = NepFitRecords.Begin(_dataDir, Info());
        Assert.Equal(["my-fit-20260102-030405", "my-fit-20260102-030405-2", "my-fit-20260102-030405-3"], new[] { first.Id, second.Id, third.Id });
        first.Epoch(new NepFitPoint(1, 0.1, 2.0, 0.1, 0.2, null, null, null, null));
        Assert.Single(NepFitRecords.Progress(_dataDir, first.Id));
        Assert.Empty(NepFitRecords.Progress(_dataDir, second.Id));
        Assert.Equal(3, NepFitRecords.List(_dataDir).Count);
    }

    [Fact]
    public void A_resumed_fit_should_continue_its_record_and_drop_the_epochs_computed_again()
    {
        string id;
        using (var writer = NepFitRecords.Begin(_dataDir, Info()))
        {
            id = writer.Id;
            for (var epoch = 1; epoch <= 5; epoch++)
            {
                writer.Epoch(new NepFitPoint(epoch, epoch, 10 - epoch, 0.1, 0.2, null, null, null, null));
                writer.WorkerSteps([new NepFitWorkerStep(epoch, "a", 1, 0.1, 0.1, 0.2)]);
            }
            writer.End("cancelled", null);
        }
        using (var resumed = NepFitRecords.Resume(_dataDir, Info() with { StartedAtMs = Start + 60_000 }))
        {
            Assert.Equal(id, resumed.Id);
            Assert.Equal(("running", (long?)null, Start), NepFitRecords.Find(_dataDir, id) is { } f ? (f.Status, f.EndedAtMs, f.StartedAtMs) : default);
            // The checkpoint was at epoch 3: epochs 4 and 5 are computed again.
            resumed.Epoch(new NepFitPoint(4, 4.5, 5.5, 0.1, 0.2, null, null, null, null));
            resumed.WorkerSteps([new NepFitWorkerStep(4, "b", 2, 0.1, 0.1, 0.2)]);
            resumed.End("completed", null);
        }
        Assert.Equal([(1, 9.0), (2, 8.0), (3, 7.0), (4, 5.5)], NepFitRecords.Progress(_dataDir, id).Select(p => (p.Epoch, p.Loss)));
        Assert.Equal(["a", "a", "a", "b"], NepFitRecords.WorkerSteps(_dataDir, id).Select(s => s.Node));
        Assert.Equal("completed", Assert.Single(NepFitRecords.List(_dataDir)).Status);
    }

    [Fact]
    public void A_restart_refused_before_training_should_leave_the_earlier_record_as_it_was()
    {
        NepFitInfo before;
        using (var writer = NepFitRecords.Begin(_dataDir, Info()))
        {
            writer.Epoch(new NepFitPoint(1, 1, 9, 0.1, 0.2, null, null, null, null));
            writer.End("completed", null);
            before = NepFitRecords.Find(_dataDir, writer.Id)!;
        }
        using (var refused = NepFitRecords.Resume(_dataDir, Info() with { StartedAtMs = Start + 60_000, Epochs = 99 }))
        {
            Assert.Equal("running", NepFitRecords.Find(_dataDir, refused.Id)!.Status);
            refused.Abandon("--restart: the settings differ from the restart state's");
        }
        var after = Assert.Single(NepFitRecords.List(_dataDir));
        Assert.Equal(before with { Species = [] }, after with { Species = [] });
        Assert.Equal(before.Species, after.Species);
        Assert.Equal([1], NepFitRecords.Progress(_dataDir, before.Id).Select(p => p.Epoch));

        // A new record abandoned the same way ends as failed with the reason.
        using var fresh = NepFitRecords.Begin(_dataDir, Info("other"));
        fresh.Abandon("bad --train");
        Assert.Equal(("failed", "bad --train"), NepFitRecords.Find(_dataDir, fresh.Id) is { } f ? (f.Status, f.Error) : default);
    }

    [Fact]
    public void A_record_that_cannot_be_written_should_warn_once_and_not_throw()
    {
        var blocked = Path.Combine(_dataDir, "file");
        File.WriteAllText(blocked, "not a folder");
        var warnings = new List<string>();
        using var writer = NepFitRecords.Begin(blocked, Info(), warnings.Add);
        writer.Epoch(new NepFitPoint(1, 0.1, 2.0, 0.1, 0.2, null, null, null, null));
        writer.End("completed", null);
        Assert.Single(warnings);
        Assert.False(writer.Recording);

        // A record whose folder disappears mid-fit stops recording after one warning.
        warnings.Clear();
        using var gone = NepFitRecords.Begin(_dataDir, Info(), warnings.Add);
        Directory.Delete(NepFitRecords.FolderIn(_dataDir), recursive: true);
        File.WriteAllText(NepFitRecords.FolderIn(_dataDir), "in the way");
        gone.Epoch(new NepFitPoint(1, 0.1, 2.0, 0.1, 0.2, null, null, null, null));
        gone.Epoch(new NepFitPoint(2, 0.1, 2.0, 0.1, 0.2, null, null, null, null));
        gone.End("completed", null);
        Assert.Single(warnings);
        Assert.False(gone.Recording);
        Assert.Empty(NepFitRecords.List(_dataDir));
    }

    [Fact]
    public void Ids_that_are_not_plain_folder_names_should_find_nothing()
    {
        using var writer = NepFitRecords.Begin(_dataDir, Info());
        Assert.Null(NepFitRecords.Find(_dataDir, ".."));
        Assert.Null(NepFitRecords.Find(_dataDir, $"../nep-fits/{writer.Id}"));
        Assert.Empty(NepFitRecords.Progress(_dataDir, "nope"));
        Assert.Empty(NepFitRecords.Placement(_dataDir, writer.Id));
        Assert.Empty(NepFitRecords.WorkerSteps(_dataDir, writer.Id));
    }
}
