using System.Globalization;
using GcmActors.Contracts;
using GcmActors.Grains;
using GcmActors.Host.Security;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace GcmActors.Host.Api;

/// <summary>Regional rounds: the dashboard document (GET) and the co-organizers' configuration (PUT).</summary>
public static class RegionApi
{
    /// <summary>
    /// Dashboards poll this from many screens, so it is short-circuited past the middleware (measured: the
    /// authentication and authorization middleware cost about a quarter of an open read; decision 0005).
    /// It therefore checks the read policy and maps failures itself, with the same rules as the pipeline.
    /// </summary>
    [EndpointDescription(
        "The dashboard document: the round's phase (preparing, in-conference, concluded, postponed), members, counts "
        + "per milestone and status, who lags and by how many days, days to the conference, the nudges' effect and the "
        + "forecast of submissions. A concluded round shows its members as they were on its conclusion day, and what "
        + "changed since as lateUpdates. ?asOf=YYYY-MM-DD replays the document as it stood at the end of that day. "
        + "With Accept: text/csv or ?format=csv, the member table as CSV instead (text/csv, one line per member: country, "
        + "name, participation, the five milestones, lagging, daysBehind, lastNudge; its ETag ends in .csv); "
        + "?format=json or any other Accept keeps JSON.")]
    [ProducesResponseType<RegionProgress>(StatusCodes.Status200OK, "application/json")]
    public static async Task<Results<FileContentHttpResult, StatusCodeHttpResult, ProblemHttpResult>> GetProgressAsync(
        string cycle, string region, HttpContext context, IGrainFactory grains, RegionDocumentBoard board, ReadAccess reads,
        ILoggerFactory logs, [FromKeyedServices(GcmClock.Key)] TimeProvider time, string? asOf = null, string? format = null)
    {
        if (reads.RequireToken && !(await context.AuthenticateAsync()).Succeeded)
        {
            return Access.Unauthorized(context);
        }

        var today = time.Today();
        if (!Days.TryRead("asOf", asOf, today, out var day, out var problem))
        {
            return Problems.BadRequest(problem!);
        }

        // When the region lives in this process, its current document is a lookup away.
        var key = Keys.Region(cycle, region);
        RegionDocument? document;
        try
        {
            document = day is { } past && past < today
                ? await grains.Region(key).GetProgressAsOfAsync(past)
                : board.Find(key, today) ?? await grains.Region(key).GetProgressAsync();
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            logs.CreateLogger(typeof(RegionApi)).LogError(ex, "Reading region {Region} failed", key);
            return Problems.Of(ApiSetup.StatusFor(ex), null);
        }

        return document is null
            ? day is { } before ? Problems.NotFound($"no regional round '{region}' in cycle {cycle} on {before:yyyy-MM-dd}") : Resources.NoRound(cycle, region)
            : Serve(context, document, format, table: true);
    }

    [EndpointDescription(
        "Progress over time: for each step from ?from= (default: the round's first day) to ?to= (default: today), "
        + "the counts per milestone and status, submitted, lagging, participating and nudges sent, each as the round "
        + "stood at the end of that day; and the nudges' effect. ?step=day|week|month (default week), at most 1000 points.")]
    [ProducesResponseType<RegionTimeline>(StatusCodes.Status200OK, "application/json")]
    public static async Task<Results<FileContentHttpResult, StatusCodeHttpResult, ProblemHttpResult>> GetTimelineAsync(
        string cycle, string region, HttpContext context, IGrainFactory grains, [FromKeyedServices(GcmClock.Key)] TimeProvider time,
        string? from = null, string? to = null, string? step = null)
    {
        var today = time.Today();
        if (!Days.TryRead("from", from, today, out var first, out var problem) || !Days.TryRead("to", to, today, out var last, out problem))
        {
            return Problems.BadRequest(problem!);
        }

        var every = TimelineStep.Week;
        if (step is not null && !GcmJson.TryParseSlug(step, out every))
        {
            return Problems.BadRequest($"step must be day, week or month, not '{step}'");
        }

        if (first > (last ?? today))
        {
            return Problems.BadRequest("from must not be after to");
        }

        var result = await grains.Region(Keys.Region(cycle, region)).GetTimelineAsync(first, last, every);
        return result switch
        {
            null => Resources.NoRound(cycle, region),
            { Document: { } document } => Serve(context, document),
            _ => Problems.BadRequest(result.Refusal!),
        };
    }

    [EndpointDescription(
        "Creates or changes a regional round: name, co-organizers, conference (dates, modality, or postponed), "
        + "deadlines, members, nudge policy, conclusion (the co-organizers conclude the round on that day; the document's concludedOn is computed and ignored here) and lastReport (where what the "
        + "service knows of the round ends). The co-organizer of that region, or admin. A GET's document may be edited and sent back: "
        + "computed fields are ignored.")]
    [ProducesResponseType<RegionProgress>(StatusCodes.Status200OK, "application/json")]
    public static async Task<Results<FileContentHttpResult, StatusCodeHttpResult, ProblemHttpResult>> ConfigureAsync(
        string cycle, string region, RegionRequest? body, HttpContext context, IGrainFactory grains)
    {
        if (body is not { Name: not null, Conference: not null, Deadlines: not null, Members: not null })
        {
            return Problems.BadRequest("a round needs name, conference, deadlines and members");
        }

        if (!Preconditions.TryExpectedVersion(context.Request, out var expected))
        {
            return Problems.BadRequest("If-Match must be an entity tag returned by GET");
        }

        var config = new RegionConfig(
            body.Name.Trim(),
            body.CoOrganizers ?? [],
            body.Conference,
            body.Deadlines,
            [.. body.Members.Value.Select(m => (m?.Country ?? "").Trim().ToUpperInvariant())],
            body.NudgePolicy,
            body.Conclusion,
            body.LastReport is { } report ? report with { Source = report.Source?.Trim() ?? "" } : null);

        if (RegionRules.ValidateSchedule(int.Parse(cycle, CultureInfo.InvariantCulture), config) is { } schedule)
        {
            return Problems.BadRequest(schedule);
        }

        var grain = Resources.Round(grains, cycle, region);
        var result = await grain.ConfigureAsync(new ConfigureRegion(config, Access.Actor(context.User), expected));
        if (result.Outcome is not (Outcome.Applied or Outcome.Unchanged))
        {
            return Problems.From(result.Outcome, result.Detail);
        }

        var document = await grain.GetProgressAsync();
        return Serve(context, document!);
    }

    private static Results<FileContentHttpResult, StatusCodeHttpResult, ProblemHttpResult> Serve(
        HttpContext context, RegionDocument document, string? format = null, bool table = false)
    {
        // Only the round's own document (table) has a member table to export; the timeline and PUT answer JSON.
        var read = HttpMethods.IsGet(context.Request.Method) || HttpMethods.IsHead(context.Request.Method);
        var representation = read && table ? RegionCsv.Negotiate(format, context.Request) : RegionCsv.Format.Json;
        if (representation is RegionCsv.Format.Unknown)
        {
            return Problems.BadRequest("format is csv or json");
        }

        var etag = representation is RegionCsv.Format.Csv ? RegionCsv.ETagOf(document.ETag) : document.ETag;
        context.Response.Headers.ETag = etag;
        context.Response.Headers.CacheControl = "no-cache";
        context.Response.Headers.Vary = "Accept";
        if (read && Preconditions.IfNoneMatch(context.Request, etag))
        {
            return TypedResults.StatusCode(StatusCodes.Status304NotModified);
        }

        if (representation is RegionCsv.Format.Csv)
        {
            return TypedResults.Bytes(RegionCsv.Write(document.Json), "text/csv; charset=utf-8; header=present",
                fileDownloadName: $"gcm-{context.GetRouteValue("cycle")}-{context.GetRouteValue("region")}.csv");
        }

        // The grain hands over bytes it serialized once per change; nothing is re-serialized here.
        return TypedResults.Bytes(document.Json, "application/json");
    }
}
