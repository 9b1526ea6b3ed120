using System.Text.Json;
using System.Text.Json.Serialization;
using ClusterML.Core.IO;

namespace ClusterML.Cli.Dashboard;

/// <summary>A trial a worker runs now: its attempt, the worker's address, and since when (Unix ms).</summary>
internal sealed record LiveTrial(string TrialId, int Attempt, string Node, long SinceMs);

/// <summary>
/// A cluster member as the dashboard shows it: address, roles, membership status and reachability, and what the node said of
/// itself (slots, busy slots, device, host, process, blob store bytes); those are null when it did not answer in time.
/// </summary>
internal sealed record MemberView(string Address, IReadOnlyList<string> Roles, string Status, bool Reachable, bool Self,
    int? Slots = null, int? BusySlots = null, string? Device = null, string? Host = null, int? ProcessId = null, long? BlobBytes = null, long? StartedAtMs = null);

/// <summary>A cluster's members at <see cref="UpdatedAtMs"/>, as seen by the process that looked (its own address: <see cref="SeenFrom"/>).</summary>
internal sealed record ClusterView(long UpdatedAtMs, string SeenFrom, IReadOnlyList<MemberView> Members);

/// <summary>
/// What the process driving a campaign knows and the results store does not: trials by state from its coordinator (running
/// among them), where each running trial runs, and its cluster. Written about once a second to
/// <c>DATA_DIR/campaigns/ID.live.json</c> by the driver (<see cref="LiveFiles"/>), read by dashboards of the same data directory.
/// </summary>
internal sealed record LiveCampaign(string CampaignId, long UpdatedAtMs, int ProcessId, string Status, int Planned, int Running, int Completed, int Failed, int Stopped,
    string? BestTrialId, double? BestLoss, IReadOnlyList<LiveTrial> RunningTrials, ClusterView? Cluster)
{
    [JsonIgnore]
    public int Finished => Completed + Failed + Stopped;
}

/// <summary>The live files of a data directory: written atomically by drivers, read (only while their writer lives) by dashboards.</summary>
internal static class LiveFiles
{
    internal static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    public static string PathOf(string dataDir, string campaignId) => Path.Combine(dataDir, "campaigns", $"{campaignId}.live.json");

    public static void Write(string dataDir, LiveCampaign live)
    {
        var path = PathOf(dataDir, live.CampaignId);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        AtomicFile.Write(path, staged => File.WriteAllBytes(staged, JsonSerializer.SerializeToUtf8Bytes(live, Json)));
    }

    /// <summary>The campaign's live state, or null when no live process writes it (never ran, over, or its driver died).</summary>
    public static LiveCampaign? Read(string dataDir, string campaignId)
    {
        LiveCampaign? live;
        try
        {
            live = JsonSerializer.Deserialize<LiveCampaign>(File.ReadAllBytes(PathOf(dataDir, campaignId)), Json);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException or JsonException or IOException)
        {
            return null;
        }
        return live is not null && Processes.IsAlive(live.ProcessId) ? live : null;
    }

    public static void Delete(string dataDir, string campaignId)
    {
        try
        {
            File.Delete(PathOf(dataDir, campaignId));
        }
        catch (IOException)
        {
            // A stale file names a dead process and is ignored.
        }
    }
}
