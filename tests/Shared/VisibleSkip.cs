using System.Diagnostics.CodeAnalysis;

namespace ClusterML.Testing;

/// <summary>
/// Skips a test and says why where <c>dotnet test</c> shows it: the reason of a plain skip appears only at normal verbosity,
/// so it is also added as a test warning, which the console prints under the skipped test at the default verbosity.
/// </summary>
public static class VisibleSkip
{
    /// <summary>Skips the calling test with <paramref name="reason"/>.</summary>
    [DoesNotReturn]
    public static Exception Because(string reason)
    {
        TestContext.Current.AddWarning($"skipped: {reason}");
        Assert.Skip(reason);
        return new InvalidOperationException("unreachable: Assert.Skip throws");
    }

    public static void When([DoesNotReturnIf(true)] bool condition, string reason)
    {
        if (condition)
        {
            Because(reason);
        }
    }

    public static void Unless([DoesNotReturnIf(false)] bool condition, string reason)
    {
        if (!condition)
        {
            Because(reason);
        }
    }
}
