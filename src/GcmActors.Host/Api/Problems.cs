using GcmActors.Contracts;
using Microsoft.AspNetCore.Http.HttpResults;

namespace GcmActors.Host.Api;

/// <summary>
/// Every error the API returns is an RFC 9457 problem, built here and only here, with a stable
/// <c>type</c> per kind so that clients can branch on it.
/// </summary>
public static class Problems
{
    public const string TypePrefix = "urn:gcm-actors:problem:";

    private static readonly Dictionary<int, (string Kind, string Title)> s_kinds = new()
    {
        [StatusCodes.Status400BadRequest] = ("bad-request", "The request is malformed"),
        [StatusCodes.Status401Unauthorized] = ("unauthorized", "A valid bearer token is required"),
        [StatusCodes.Status403Forbidden] = ("forbidden", "The token's role or scope does not allow this"),
        [StatusCodes.Status404NotFound] = ("not-found", "No such resource"),
        [StatusCodes.Status405MethodNotAllowed] = ("method-not-allowed", "This method is not allowed here"),
        [StatusCodes.Status409Conflict] = ("workflow-rule", "A workflow rule forbids this change"),
        [StatusCodes.Status412PreconditionFailed] = ("version-mismatch", "The resource has changed since you read it"),
        [StatusCodes.Status413PayloadTooLarge] = ("too-large", "The request body is too large"),
        [StatusCodes.Status415UnsupportedMediaType] = ("unsupported-media-type", "Send the body as application/json"),
        [StatusCodes.Status429TooManyRequests] = ("throttled", "Too many requests"),
        [StatusCodes.Status500InternalServerError] = ("internal", "An unexpected error occurred"),
        [StatusCodes.Status503ServiceUnavailable] = ("unavailable", "Storage or the cluster is unavailable; retry later"),
    };

    public static ProblemHttpResult BadRequest(string detail) => Of(StatusCodes.Status400BadRequest, detail);

    public static ProblemHttpResult NotFound(string detail) => Of(StatusCodes.Status404NotFound, detail);

    /// <summary>Maps a grain's business outcome to its problem. Success outcomes are not problems.</summary>
    public static ProblemHttpResult From(Outcome outcome, string? detail) => outcome switch
    {
        Outcome.NotFound => Of(StatusCodes.Status404NotFound, detail),
        Outcome.RuleViolated => Of(StatusCodes.Status409Conflict, detail),
        Outcome.VersionMismatch => Of(StatusCodes.Status412PreconditionFailed, detail),
        Outcome.Invalid => Of(StatusCodes.Status400BadRequest, detail),
        _ => throw new ArgumentOutOfRangeException(nameof(outcome), outcome, "not a failure"),
    };

    public static ProblemHttpResult Of(int status, string? detail) => TypedResults.Problem(
        detail: detail, statusCode: status, title: TitleOf(status), type: TypeOf(status));

    public static string TypeOf(int status) => TypePrefix + (s_kinds.TryGetValue(status, out var k) ? k.Kind : "http-" + status);

    public static string? TitleOf(int status) => s_kinds.TryGetValue(status, out var k) ? k.Title : null;
}
