using System.Collections.Concurrent;
using System.Diagnostics.Tracing;

namespace ClusterML.Benchmarks;

/// <summary>Counts the methods the runtime compiles (by namespace and name) while enabled: finds code that compiles per request.</summary>
internal sealed class JitCounter : EventListener
{
    public ConcurrentDictionary<string, int> Counts { get; } = new();

    public volatile bool Counting;

    protected override void OnEventSourceCreated(EventSource source)
    {
        if (source.Name == "Microsoft-Windows-DotNETRuntime")
        {
            EnableEvents(source, EventLevel.Verbose, (EventKeywords)0x10);
        }
    }

    protected override void OnEventWritten(EventWrittenEventArgs e)
    {
        if (!Counting || e.EventName is not "MethodLoadVerbose_V1" and not "MethodLoadVerbose_V2" || e.Payload is null)
        {
            return;
        }
        var ns = e.PayloadNames!.IndexOf("MethodNamespace") is var i and >= 0 ? e.Payload[i] as string : "?";
        var name = e.PayloadNames!.IndexOf("MethodName") is var j and >= 0 ? e.Payload[j] as string : "?";
        Counts.AddOrUpdate($"{ns}::{name}", 1, (_, n) => n + 1);
    }
}
