using System.Net;
using System.Net.ServerSentEvents;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using ClusterML.Core.Results;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.FileProviders;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Serilog;

namespace ClusterML.Cli.Dashboard;

/// <summary>
/// The dashboard's web application: the page (embedded in this assembly, with uPlot), a JSON API over
/// <see cref="DashboardData"/>, server-sent change events (<see cref="ChangeFeed"/>), and the access rules:
/// <list type="bullet">
/// <item>bound to 127.0.0.1 unless <see cref="DashboardOptions.Listen"/> is given, and on loopback only requests naming a
/// loopback host are answered (a web page elsewhere cannot reach it by DNS rebinding);</item>
/// <item>beyond loopback every API request needs the token; on loopback reading does not;</item>
/// <item>actions (cancel, resume) always need the token, and are refused with <c>--read-only</c>.</item>
/// </list>
/// The token travels in an <c>Authorization: Bearer</c> header or an HttpOnly, SameSite=Strict cookie set by
/// <c>POST /api/session</c>, never in a URL: the address printed at start carries it after <c>#</c>, which browsers do not send.
/// </summary>
internal static class DashboardApp
{
    public const string CookieName = "clusterml_token";

    /// <summary>The API's JSON: snake_case names (dictionary keys as they are), NaN and ∞ as strings.</summary>
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    /// <summary>
    /// The JSON of an answer <see cref="DashboardData"/> keeps for a refresh interval, written once for all the pages that ask
    /// in that interval (the campaign page of a large campaign is the largest answer, and every open page asks for it on
    /// every change).
    /// </summary>
    private static readonly ConditionalWeakTable<object, byte[]> Serialized = new();

    private static IResult Shared(object value) =>
        Results.Bytes(Serialized.GetValue(value, v => JsonSerializer.SerializeToUtf8Bytes(v, v.GetType(), Json)), "application/json; charset=utf-8");

    /// <summary>The web application, not started. <paramref name="configure"/> lets tests put it on the in-memory test server.</summary>
    public static WebApplication Build(DashboardOptions options, IResultStore store, ICampaignActions actions, IClusterSource? cluster, Serilog.ILogger log,
        Action<WebApplicationBuilder>? configure = null)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ApplicationName = typeof(DashboardApp).Assembly.GetName().Name });
        builder.Logging.ClearProviders();
        builder.Services.AddSerilog(log, dispose: false);
        // Request lines are not logged at all (nothing with a query string or cookie reaches a log file); errors are.
        builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        builder.Logging.AddFilter("Microsoft.Hosting", LogLevel.Warning);
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Listen(options.Listen ?? IPAddress.Loopback, options.Port);
        });
        if (options.Listen is null)
        {
            builder.Services.AddHostFiltering(filter => filter.AllowedHosts = ["localhost", "127.0.0.1", "[::1]"]);
        }
        builder.Services.ConfigureHttpJsonOptions(json =>
        {
            json.SerializerOptions.PropertyNamingPolicy = Json.PropertyNamingPolicy;
            json.SerializerOptions.NumberHandling = Json.NumberHandling;
        });
        var data = new DashboardData(options, store, cluster);
        builder.Services.AddSingleton(data);
        builder.Services.AddSingleton(options);
        builder.Services.AddSingleton(actions);
        builder.Services.AddSingleton(log);
        builder.Services.AddSingleton<ChangeFeed>();
        builder.Services.AddHostedService(s => s.GetRequiredService<ChangeFeed>());
        builder.Services.Configure<HostOptions>(host => host.ShutdownTimeout = TimeSpan.FromSeconds(5));
        configure?.Invoke(builder);

        var app = builder.Build();
        if (options.Listen is null)
        {
            app.UseHostFiltering();
        }
        app.Use(async (context, next) =>
        {
            context.Response.Headers["X-Content-Type-Options"] = "nosniff";
            context.Response.Headers["Referrer-Policy"] = "no-referrer";
            context.Response.Headers["Content-Security-Policy"] = "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; frame-ancestors 'none'";
            if (context.Request.Path.StartsWithSegments("/api", StringComparison.Ordinal) && Refusal(context, options) is { } refusal)
            {
                context.Response.StatusCode = refusal.Status;
                await context.Response.WriteAsJsonAsync(new { error = refusal.Message });
                return;
            }
            try
            {
                await next(context);
            }
            catch (Exception e) when (e is not OperationCanceledException && !context.Response.HasStarted)
            {
                // The path only: no query string or header can carry a secret into the log.
                log.Error(e, "Dashboard: {Method} {Path} failed", context.Request.Method, context.Request.Path.Value);
                context.Response.StatusCode = StatusCodes.Status500InternalServerError;
                await context.Response.WriteAsJsonAsync(new { error = e.Message });
            }
        });
        // The page's files, embedded as wwwroot.NAME (see the project file).
        var files = new EmbeddedFileProvider(typeof(DashboardApp).Assembly, "wwwroot");
        app.UseDefaultFiles(new DefaultFilesOptions { FileProvider = files });
        app.UseStaticFiles(new StaticFileOptions { FileProvider = files });
        Map(app, options, data);
        return app;
    }

    /// <summary>Why a request to the API is refused (status and message), or null.</summary>
    private static (int Status, string Message)? Refusal(HttpContext context, DashboardOptions options)
    {
        var authorized = HasToken(context.Request, options.Token);
        var isAction = HttpMethods.IsPost(context.Request.Method) && !context.Request.Path.Equals("/api/session", StringComparison.Ordinal);
        if (isAction && options.ReadOnly)
        {
            return (StatusCodes.Status403Forbidden, "this dashboard is read-only (--read-only): cancel and resume are off");
        }
        if (!authorized && (isAction || options.TokenForReading) && !context.Request.Path.Equals("/api/session", StringComparison.Ordinal))
        {
            return (StatusCodes.Status401Unauthorized, isAction
                ? "cancel and resume need the dashboard's token (printed when it started, or the Dashboard:Token setting)"
                : "this dashboard listens beyond loopback: every request needs its token (printed when it started, or the Dashboard:Token setting)");
        }
        return null;
    }

    internal static bool HasToken(HttpRequest request, string token)
    {
        var given = request.Headers.Authorization.ToString() is { } header && header.StartsWith("Bearer ", StringComparison.Ordinal) ? header[7..].Trim()
            : request.Cookies.TryGetValue(CookieName, out var cookie) ? cookie : null;
        return given is not null && CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(given), Encoding.UTF8.GetBytes(token));
    }

    private static void Map(WebApplication app, DashboardOptions options, DashboardData data)
    {
        var api = app.MapGroup("/api");
        api.MapGet("/info", (HttpContext context) => Results.Json(new
        {
            version = typeof(DashboardApp).Assembly.GetName().Version?.ToString(3),
            data_dir = options.DataDir,
            read_only = options.ReadOnly,
            token_for_reading = options.TokenForReading,
            authorized = HasToken(context.Request, options.Token),
            // How often this dashboard has read the results store, and for how long it has run: the load it puts there.
            store_reads = data.StoreReads,
            uptime_seconds = (DateTime.UtcNow - System.Diagnostics.Process.GetCurrentProcess().StartTime.ToUniversalTime()).TotalSeconds,
        }));
        // Exchanges the token (Authorization header) for a cookie, so that event streams and downloads carry it too.
        api.MapPost("/session", (HttpContext context) =>
        {
            if (!HasToken(context.Request, options.Token))
            {
                return Results.Json(new { error = "wrong or missing token" }, statusCode: StatusCodes.Status401Unauthorized);
            }
            context.Response.Cookies.Append(CookieName, options.Token, new CookieOptions { HttpOnly = true, SameSite = SameSiteMode.Strict, Path = "/", IsEssential = true });
            return Results.NoContent();
        });
        api.MapGet("/campaigns", () => Shared(data.Campaigns()));
        api.MapGet("/campaigns/{id}", (string id) => data.Page(id, !options.ReadOnly) is { } page ? Shared(page) : NotFound($"no campaign '{id}'"));
        api.MapGet("/campaigns/{id}/curves", (string id, int? top, string[]? trial) => data.Campaign(id) is null ? NotFound($"no campaign '{id}'")
            : Shared(data.Curves(id, top ?? 5, trial ?? [])));
        api.MapGet("/campaigns/{id}/trials/{trial}", (string id, string trial) =>
            data.TrialDetail(id, trial) is { } page ? Results.Ok(page) : NotFound($"no trial '{trial}' in campaign '{id}'"));
        api.MapGet("/campaigns/{id}/trials/{trial}/files/{**path}", (string id, string trial, string path) =>
            data.ArtifactPath(id, trial, path) is { } file
                ? Results.File(file, "application/octet-stream", Path.GetFileName(file))
                : NotFound($"trial '{trial}' of '{id}' has no file '{path}'"));
        api.MapPost("/campaigns/{id}/cancel", async (string id, ICampaignActions actions, CancellationToken cancellationToken) =>
            data.Campaign(id) is null ? NotFound($"no campaign '{id}'") : Outcome(await actions.CancelAsync(id, cancellationToken)));
        api.MapPost("/campaigns/{id}/resume", async (string id, ICampaignActions actions, CancellationToken cancellationToken) =>
            data.Campaign(id) is null ? NotFound($"no campaign '{id}'") : Outcome(await actions.ResumeAsync(id, cancellationToken)));
        api.MapGet("/cluster", async (CancellationToken cancellationToken) => await data.ClusterAsync(cancellationToken));
        api.MapGet("/fits", () => data.Fits());
        api.MapGet("/fits/{id}", (string id) => data.Fit(id) is { } fit ? Results.Ok(fit) : NotFound($"no NEP fit '{id}'"));
        // An event stream never ends by itself: it also ends when the dashboard stops (else shutdown would wait for every open page).
        api.MapGet("/events", (string[]? topic, ChangeFeed feed, IHostApplicationLifetime lifetime, HttpContext context) =>
            TypedResults.ServerSentEvents(Events(feed, topic is { Length: > 0 } ? topic : ["campaigns"],
                CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, lifetime.ApplicationStopping).Token)));
    }

    private static IResult NotFound(string message) => Results.Json(new { error = message }, statusCode: StatusCodes.Status404NotFound);

    private static IResult Outcome(ActionOutcome outcome) =>
        Results.Json(new { done = outcome.Done, message = outcome.Message }, statusCode: outcome.Done ? StatusCodes.Status200OK : StatusCodes.Status409Conflict);

    /// <summary>Change events for <paramref name="topics"/> until the page goes away; a ping every 15 s keeps proxies from closing the stream.</summary>
    private static async IAsyncEnumerable<SseItem<string>> Events(ChangeFeed feed, IReadOnlyCollection<string> topics, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var subscription = feed.Subscribe(topics);
        try
        {
            yield return new SseItem<string>(string.Join(",", topics), "subscribed") { ReconnectionInterval = TimeSpan.FromSeconds(2) };
            while (!cancellationToken.IsCancellationRequested)
            {
                using var ping = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                ping.CancelAfter(TimeSpan.FromSeconds(15));
                string? topic = null;
                try
                {
                    topic = await subscription.Changes.Reader.ReadAsync(ping.Token);
                }
                catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
                {
                }
                yield return topic is null ? new SseItem<string>("", "ping") : new SseItem<string>(topic, "changed");
            }
        }
        finally
        {
            feed.Unsubscribe(subscription);
        }
    }
}
