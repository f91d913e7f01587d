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
        "The dashboard document: members, counts per milestone and status, who lags and by how many days, "
        + "days to the conference. With Accept: text/csv or ?format=csv, the member table as CSV instead (text/csv, "
        + "one line per member: country, name, participation, the five milestones, lagging, daysBehind, lastNudge; "
        + "its ETag ends in .csv); ?format=json or any other Accept keeps JSON.")]
    [ProducesResponseType<RegionProgress>(StatusCodes.Status200OK, "application/json")]
    public static async Task<Results<FileContentHttpResult, StatusCodeHttpResult, ProblemHttpResult>> GetProgressAsync(
        string cycle, string region, HttpContext context, IGrainFactory grains, RegionDocumentBoard board, ReadAccess reads,
        ILoggerFactory logs, [FromKeyedServices(GcmClock.Key)] TimeProvider time, string? format = null)
    {
        if (reads.RequireToken && !(await context.AuthenticateAsync()).Succeeded)
        {
            return Access.Unauthorized(context);
        }

        // When the region lives in this process, its current document is a lookup away.
        var key = Keys.Region(cycle, region);
        RegionDocument? document;
        try
        {
            document = board.Find(key, time.Today()) ?? await grains.GetGrain<IRegionGrain>(key).GetProgressAsync();
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            logs.CreateLogger(typeof(RegionApi)).LogError(ex, "Reading region {Region} failed", key);
            return Problems.Of(ApiSetup.StatusFor(ex), null);
        }

        return document is null
            ? Resources.NoRound(cycle, region)
            : Serve(context, document, format);
    }

    [EndpointDescription(
        "Creates or changes a regional round: name, co-organizers, conference, deadlines, members, nudge "
        + "policy. The co-organizer of that region, or admin. A GET's document may be edited and sent back: "
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
            body.NudgePolicy);

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

    private static Results<FileContentHttpResult, StatusCodeHttpResult, ProblemHttpResult> Serve(HttpContext context, RegionDocument document, string? format = null)
    {
        var read = HttpMethods.IsGet(context.Request.Method) || HttpMethods.IsHead(context.Request.Method);
        var representation = read ? RegionCsv.Negotiate(format, context.Request) : RegionCsv.Format.Json;
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
