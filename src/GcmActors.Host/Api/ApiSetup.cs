using System.Globalization;
using GcmActors.Contracts;
using GcmActors.Host.Faults;
using GcmActors.Host.Hosting;
using GcmActors.Host.Security;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Timeouts;
using Scalar.AspNetCore;

namespace GcmActors.Host.Api;

public static class ApiSetup
{
    /// <summary>Largest request body accepted; a region PUT with every UN Member State is far below it.</summary>
    public const long MaxBodyBytes = 64 * 1024;

    public static WebApplicationBuilder AddGcmApi(this WebApplicationBuilder builder, GcmOptions options)
    {
        builder.WebHost.ConfigureKestrel(k => k.Limits.MaxRequestBodySize = MaxBodyBytes);
        builder.Services.ConfigureHttpJsonOptions(o => GcmJson.Configure(o.SerializerOptions));
        builder.Services.Configure<RouteHandlerOptions>(o => o.ThrowOnBadRequest = true);
        builder.Services.Configure<RouteOptions>(RouteConstraints.Register);
        builder.Services.AddProblemDetails(o => o.CustomizeProblemDetails = context =>
        {
            var status = context.ProblemDetails.Status ?? context.HttpContext.Response.StatusCode;
            if (context.ProblemDetails.Type is null || context.ProblemDetails.Type.StartsWith("https://tools.ietf.org", StringComparison.Ordinal))
            {
                context.ProblemDetails.Type = Problems.TypeOf(status);
                context.ProblemDetails.Title = Problems.TitleOf(status) ?? context.ProblemDetails.Title;
            }

            if (context.Exception is BadHttpRequestException bad)
            {
                // Say what was wrong with the request, never how the server is built (no type names).
                context.ProblemDetails.Detail = bad.InnerException is System.Text.Json.JsonException json
                    ? $"the JSON body is malformed, has a property twice or a value of the wrong kind at '{json.Path ?? "$"}' "
                      + $"(line {json.LineNumber + 1}, byte {json.BytePositionInLine}): "
                      + (json.Message.StartsWith(SlugEnumConverter.Expected, StringComparison.Ordinal) ? json.Message : "numbers are JSON numbers, enum values exact kebab-case slugs")
                    : bad.StatusCode == StatusCodes.Status413PayloadTooLarge ? $"bodies are limited to {MaxBodyBytes} bytes" : bad.Message;
            }
            else if (status == StatusCodes.Status404NotFound && context.ProblemDetails.Detail is null)
            {
                context.ProblemDetails.Detail = RouteConstraints.NotFoundHint;
            }

            if (status == StatusCodes.Status503ServiceUnavailable)
            {
                // Every 503 (storage or cluster down, a request out of time) says when to try again.
                context.HttpContext.Response.Headers.RetryAfter = Fault.RetryAfterSeconds.ToString(CultureInfo.InvariantCulture);
            }

            context.ProblemDetails.Extensions["traceId"] = context.HttpContext.TraceIdentifier;
        });
        // No request outlives its deadline: the grain calls it makes stop waiting then (RequestDeadlineFilter).
        builder.Services.AddRequestTimeouts(o => o.DefaultPolicy = new RequestTimeoutPolicy
        {
            Timeout = options.RequestTimeout,
            TimeoutStatusCode = StatusCodes.Status503ServiceUnavailable,
        });
        builder.Services.AddExceptionHandler<TransientFaultLog>();
        builder.Services.AddOpenApi(OpenApiContract.Configure);

        return builder;
    }

    public static WebApplication UseGcmApi(this WebApplication app)
    {
        app.UseExceptionHandler(new ExceptionHandlerOptions
        {
            StatusCodeSelector = StatusFor,
            // A client's malformed request is answered with a 400/413 problem; it is not a server error to log. Nor
            // is an unavailable store or cluster (503), which TransientFaultLog reports in one warning line.
            SuppressDiagnosticsCallback = context => context.Exception is BadHttpRequestException || Fault.IsTransient(context.Exception),
        });
        app.UseStatusCodePages();
        app.UseRequestTimeouts();
        app.UseAuthentication();
        app.UseAuthorization();

        var reads = app.Services.GetRequiredService<ReadAccess>();
        app.Lifetime.ApplicationStarted.Register(() =>
        {
            var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses ?? [];
            reads.Decide(addresses);
            app.Logger.LogInformation("Listening on {Addresses}; reads {Reads}", string.Join(", ", addresses),
                reads.RequireToken ? "require a token" : "are open (loopback only)");
        });

        app.MapOpenApi();
        app.MapScalarApiReference();
        app.MapGet("/", () => TypedResults.Ok(new
        {
            service = "GcmActors",
            openApi = "/openapi/v1.json",
            reference = "/scalar",
            example = "/api/cycles/2020/regions/arab",
            dashboard = "/dashboard/2020/arab",
        })).ExcludeFromDescription();
        return app;
    }

    /// <summary>
    /// Failures that are not the client's fault: storage or cluster unavailable, or out of time, is 503 (with
    /// Retry-After, added where problems are written); anything else is a bug (500).
    /// </summary>
    internal static int StatusFor(Exception exception) => exception switch
    {
        BadHttpRequestException bad => bad.StatusCode,
        _ when Fault.IsTransient(exception) => StatusCodes.Status503ServiceUnavailable,
        _ => StatusCodes.Status500InternalServerError,
    };
}
