using System.Text.RegularExpressions;

namespace ClusterML.Core.Files;

/// <summary>Where campaigns keep their files in a data directory (paths relative to it use forward slashes).</summary>
public static partial class ArtifactLayout
{
    /// <summary><c>campaigns/ID</c>: the campaign's exports and trial artifacts.</summary>
    public static string CampaignFolder(string campaignId) => $"campaigns/{campaignId}";

    /// <summary><c>campaigns/ID/trials/TRIAL</c>: one trial's artifacts, as its last successful attempt wrote them.</summary>
    public static string TrialFolder(string campaignId, string trialId) => $"campaigns/{campaignId}/trials/{trialId}";

    /// <summary>
    /// True for ids that are safe as one folder name: 1–128 letters, digits, <c>-</c>, <c>_</c> or <c>.</c>, not starting with
    /// a dot. Campaign and trial ids name folders, so anything else is refused before it touches the disk.
    /// </summary>
    public static bool IsSafeId(string? id) => id is not null && SafeId().IsMatch(id);

    [GeneratedRegex("^[A-Za-z0-9_-][A-Za-z0-9._-]{0,127}$")]
    private static partial Regex SafeId();
}
