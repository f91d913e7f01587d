using System.Text.Json;
using System.Text.Json.Nodes;
using GcmActors.Contracts;
using GcmActors.Host.Security;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace GcmActors.Host.Api;

/// <summary>What the OpenAPI document says of an endpoint beyond its handler's signature (see <see cref="OpenApiContract"/>).</summary>
public sealed record ContractMetadata
{
    /// <summary>The access policy, for endpoints that check it themselves (short-circuited past the middleware).</summary>
    public string? Policy { get; init; }

    /// <summary>200 carries an ETag; If-None-Match answers 304.</summary>
    public bool ConditionalRead { get; init; }

    /// <summary>Honours If-Match (412 when stale, 400 when unreadable); 200 carries the new ETag.</summary>
    public bool ConditionalWrite { get; init; }

    /// <summary>A request body that is valid, shown in the document and checked against its schema by the linters.</summary>
    public object? Example { get; init; }

    /// <summary>Paginated with <c>?limit=</c> and <c>?after=</c> this cursor; 200 carries <c>Link: &lt;...&gt;; rel="next"</c>.</summary>
    public PageCursor Paginated { get; init; }
}

/// <summary>What <c>?after=</c> of a paginated list names.</summary>
public enum PageCursor
{
    None,

    /// <summary>A history entry's sequence number.</summary>
    Sequence,

    /// <summary>An ISO 3166-1 alpha-3 code in upper case.</summary>
    Country,
}

/// <summary>
/// The OpenAPI document (<c>/openapi/v1.json</c>) as clients and linters need it: the bearer scheme with each
/// operation's requirement (optional for reads while they are open), the conditional-request and Retry-After
/// headers, every status an operation can return, enums as their exact slugs, and an example for every body.
/// Statuses that follow from facts are added here so they cannot drift from the endpoints: 503 everywhere,
/// 401/403 from the policy, 400/413/415 from a JSON body, 404 from a route with keys.
/// </summary>
public static class OpenApiContract
{
    public const string BearerScheme = "bearer";

    private static readonly Dictionary<string, string> s_tags = new(StringComparer.Ordinal)
    {
        ["Discovery"] = "What exists: cycles, their regional rounds, their reviews, and the country catalogue.",
        ["Regions"] = "Regional review rounds: the dashboard document and the co-organizers' configuration.",
        ["Reviews"] = "One State's voluntary review: milestones, evidence, participation and audit trail.",
        ["Nudges"] = "Co-organizers' reminders to lagging States, the ministries' inboxes and webhooks.",
    };

    /// <summary>Types that only ever appear in answers (never in a request body).</summary>
    private static readonly HashSet<Type> s_answers =
    [
        typeof(ReviewView), typeof(MilestoneRecord), typeof(HistoryEntry), typeof(RegionProgress), typeof(MemberProgress),
        typeof(StatusCounts), typeof(Nudge), typeof(NudgeDelivery), typeof(NudgeResult), typeof(Evidence),
    ];

    public static void Configure(OpenApiOptions options)
    {
        options.AddDocumentTransformer(DescribeDocument);
        options.AddOperationTransformer(DescribeOperation);
        options.AddSchemaTransformer(DescribeSchema);
    }

    private static Task DescribeDocument(OpenApiDocument document, OpenApiDocumentTransformerContext context, CancellationToken cancellationToken)
    {
        document.Info = new OpenApiInfo
        {
            Title = "GcmActors API",
            Version = "v1",
            Description = "How each State prepares its voluntary GCM review, and how each regional review round progresses. "
                + "Errors are RFC 9457 problem details with a stable type (urn:gcm-actors:problem:*). "
                + "Every GET also answers HEAD (the same status and headers, no body).",
            Contact = new OpenApiContact { Name = "GcmActors maintainers", Url = new Uri("https://github.com/gcm-actors/gcm-actors") },
            License = new OpenApiLicense { Name = "MIT", Identifier = "MIT" },
        };
        // HEAD is answered wherever GET is; listed twice, every generated client would have each read twice.
        foreach (var path in document.Paths.Values.OfType<OpenApiPathItem>())
        {
            path.Operations?.Remove(HttpMethod.Head);
        }

        foreach (var server in document.Servers ?? [])
        {
            server.Url = server.Url?.TrimEnd('/');
        }

        document.Tags = new HashSet<OpenApiTag>(
            s_tags.Select(t => new OpenApiTag { Name = t.Key, Description = t.Value }));
        document.Components ??= new OpenApiComponents();
        document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
        document.Components.SecuritySchemes[BearerScheme] = new OpenApiSecurityScheme
        {
            Type = SecuritySchemeType.Http,
            Scheme = "bearer",
            BearerFormat = "JWT",
            Description = "A JWT with a role (ministry, coorganizer, viewer, admin) and, for the first two, a scope "
                + "(ISO3 code or region slug). The host's 'token' command mints one.",
        };
        return Task.CompletedTask;
    }

    private static Task DescribeOperation(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken cancellationToken)
    {
        var metadata = context.Description.ActionDescriptor.EndpointMetadata;
        var contract = metadata.OfType<ContractMetadata>().LastOrDefault() ?? new ContractMetadata();
        var policy = contract.Policy ?? metadata.OfType<IAuthorizeData>().Select(a => a.Policy).LastOrDefault(p => p is not null);
        var document = context.Document!;
        operation.Responses ??= [];
        if (metadata.OfType<Microsoft.AspNetCore.Http.Metadata.ITagsMetadata>().LastOrDefault()?.Tags is [.., var innermost])
        {
            // Groups nest (the inbox within its review), outer conventions first: an operation takes the innermost tag only.
            operation.Tags = new HashSet<OpenApiTagReference> { new(innermost, document) };
        }

        if (policy is not null)
        {
            var bearer = new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(BearerScheme, document)] = [] };
            var reads = context.ApplicationServices.GetRequiredService<ReadAccess>();
            // An empty requirement first: no token is needed while reads are open (a token is still accepted).
            operation.Security = policy == Access.Read && !reads.RequireToken ? [new OpenApiSecurityRequirement(), bearer] : [bearer];
            AddProblem(operation, document, StatusCodes.Status401Unauthorized);
            if (policy != Access.Read)
            {
                AddProblem(operation, document, StatusCodes.Status403Forbidden);
            }
        }

        foreach (var parameter in operation.Parameters ?? [])
        {
            DescribeRouteKey(parameter);
        }

        if (context.Description.ParameterDescriptions.Any(p => p.Source == Microsoft.AspNetCore.Mvc.ModelBinding.BindingSource.Path))
        {
            AddProblem(operation, document, StatusCodes.Status404NotFound);
        }

        if (operation.RequestBody is OpenApiRequestBody body)
        {
            body.Required = true;
            foreach (var media in body.Content?.Values ?? [])
            {
                // The handlers take the body as nullable to answer a missing one with a problem; the contract needs one.
                if (media.Schema is OpenApiSchema { OneOf: [var first, var second] } && (first as OpenApiSchema)?.Type == JsonSchemaType.Null)
                {
                    media.Schema = second;
                }
            }

            AddProblem(operation, document, StatusCodes.Status400BadRequest);
            AddProblem(operation, document, StatusCodes.Status413PayloadTooLarge);
            AddProblem(operation, document, StatusCodes.Status415UnsupportedMediaType);
            if (contract.Example is { } example && body.Content?.TryGetValue("application/json", out var json) == true)
            {
                json.Example = JsonSerializer.SerializeToNode(example, GcmJson.Options);
            }
        }

        if (contract.ConditionalRead)
        {
            AddHeaderParameter(operation, "If-None-Match", "An ETag of an earlier answer: 304 Not Modified while it is still current.");
            AddHeader(operation, "200", "ETag", "The version of this representation, for If-None-Match.");
            operation.Responses["304"] = new OpenApiResponse
            {
                Description = "Not Modified: the If-None-Match tag is still current.",
                Headers = new Dictionary<string, IOpenApiHeader> { ["ETag"] = Header("The current version.") },
            };
        }

        if (contract.ConditionalWrite)
        {
            AddHeaderParameter(operation, "If-Match", "The ETag read earlier: the change is made only if the resource is still at that version.");
            AddHeader(operation, "200", "ETag", "The version after the change.");
            AddProblem(operation, document, StatusCodes.Status400BadRequest);
            AddProblem(operation, document, StatusCodes.Status412PreconditionFailed);
        }

        if (contract.Paginated is not PageCursor.None)
        {
            // The handlers read the query as text to answer a bad one with a problem; the contract is integers.
            foreach (var query in (operation.Parameters ?? []).OfType<OpenApiParameter>().Where(p => p.In == ParameterLocation.Query))
            {
                (query.Description, query.Schema) = query.Name switch
                {
                    "limit" => ("Entries per page: 1 to 1000, 100 when left out.", new OpenApiSchema { Type = JsonSchemaType.Integer, Minimum = "1", Maximum = "1000" }),
                    "after" when contract.Paginated is PageCursor.Sequence =>
                        ("The sequence after which the page starts: the last one of the previous page.", new OpenApiSchema { Type = JsonSchemaType.Integer, Minimum = "0" }),
                    "after" => ("The ISO3 code after which the page starts: the last one of the previous page.", new OpenApiSchema { Type = JsonSchemaType.String, Pattern = "^[A-Z]{3}$" }),
                    _ => (query.Description, query.Schema),
                };
            }

            AddHeader(operation, "200", "Link", "The next page, as <url>; rel=\"next\", while there is one.");
            AddProblem(operation, document, StatusCodes.Status400BadRequest);
        }

        // Days in time (decision 0013): read as text so that a bad one is answered with a problem.
        var dated = false;
        foreach (var query in (operation.Parameters ?? []).OfType<OpenApiParameter>().Where(p => p.In == ParameterLocation.Query))
        {
            var date = new OpenApiSchema { Type = JsonSchemaType.String, Format = "date" };
            (query.Description, query.Schema, dated) = query.Name switch
            {
                "asOf" => ("Replays the resource as it stood at the end of that day (UTC, YYYY-MM-DD), today at the latest; 404 before it existed.", date, true),
                "from" => ("The first day (YYYY-MM-DD); the round's first day when left out.", date, true),
                "to" => ("The last day (YYYY-MM-DD), today at the latest; today when left out.", date, true),
                "step" => ("One point per day, week (the default) or month.",
                    new OpenApiSchema { Type = JsonSchemaType.String, Enum = [JsonValue.Create("day"), JsonValue.Create("week"), JsonValue.Create("month")] }, true),
                _ => (query.Description, query.Schema, dated),
            };
        }

        if (dated)
        {
            AddProblem(operation, document, StatusCodes.Status400BadRequest);
        }

        AddProblem(operation, document, StatusCodes.Status503ServiceUnavailable);
        foreach (var status in new[] { "429", "503" })
        {
            if (operation.Responses.ContainsKey(status))
            {
                AddHeader(operation, status, "Retry-After", "Seconds to wait before trying again.", JsonSchemaType.Integer);
            }
        }

        return Task.CompletedTask;
    }

    private static Task DescribeSchema(OpenApiSchema schema, OpenApiSchemaTransformerContext context, CancellationToken cancellationToken)
    {
        var type = context.JsonTypeInfo.Type;
        if (s_answers.Contains(type) && schema.Properties is { Count: > 0 } properties)
        {
            // Answers always carry every property (null where there is nothing), defaults or not.
            schema.Required = new HashSet<string>(properties.Keys, StringComparer.Ordinal);
        }

        if (type.IsEnum || type == typeof(MemberRef))
        {
            Describe(schema, type);
        }
        else if (schema.Type?.HasFlag(JsonSchemaType.Array) == true && ElementOf(type) is { } element && (element.IsEnum || element == typeof(MemberRef)))
        {
            // The exporter leaves out the items it cannot see into (converters of our own): describe them inline.
            var items = new OpenApiSchema();
            Describe(items, element);
            schema.Items = items;
        }

        return Task.CompletedTask;
    }

    private static Type? ElementOf(Type type) =>
        (Nullable.GetUnderlyingType(type) ?? type).GetInterfaces()
            .FirstOrDefault(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(IEnumerable<>))?.GetGenericArguments()[0];

    private static void Describe(OpenApiSchema schema, Type type)
    {
        if (type.IsEnum)
        {
            // The slug converter is not the framework's, so the exporter cannot see its values: say them here.
            schema.Type = JsonSchemaType.String;
            schema.Enum = [.. SlugEnumConverter.Slugs(type).Select(s => (JsonNode)JsonValue.Create(s)!)];
        }
        else
        {
            schema.Type = JsonSchemaType.String;
            schema.Pattern = "^[A-Z]{3}$";
            schema.Description = "An ISO 3166-1 alpha-3 code (a member object as GET returns it is also accepted).";
            schema.Properties = null;
            schema.Required = null;
        }
    }

    private static void DescribeRouteKey(IOpenApiParameter parameter)
    {
        if (parameter is not OpenApiParameter { In: ParameterLocation.Path } path || path.Schema is not OpenApiSchema schema)
        {
            return;
        }

        (string? Description, string? Pattern, IReadOnlyList<string>? Values) key = path.Name switch
        {
            "cycle" => ("The review cycle: the year its regional rounds start.", "^[0-9]{4}$", null),
            "region" => ("A region slug: lowercase letters, digits and dashes.", "^[a-z][a-z0-9-]{0,31}$", null),
            "country" => ("A State: its ISO 3166-1 alpha-3 code.", "^[A-Za-z]{3}$", null),
            "milestone" => ("A milestone slug.", null, SlugEnumConverter.Slugs<Milestone>()),
            "id" => ("A nudge id, as the inbox lists it.", null, null),
            _ => (path.Description, schema.Pattern, null),
        };
        (path.Description, schema.Pattern, var values) = key;
        if (values is not null)
        {
            schema.Enum = [.. values.Select(s => (JsonNode)JsonValue.Create(s)!)];
        }
    }

    private static void AddProblem(OpenApiOperation operation, OpenApiDocument document, int status)
    {
        var key = status.ToString(System.Globalization.CultureInfo.InvariantCulture);
        if (operation.Responses!.ContainsKey(key))
        {
            return;
        }

        operation.Responses[key] = new OpenApiResponse
        {
            Description = Problems.TitleOf(status) ?? key,
            Content = new Dictionary<string, OpenApiMediaType>
            {
                ["application/problem+json"] = new() { Schema = new OpenApiSchemaReference("ProblemDetails", document) },
            },
        };
    }

    private static void AddHeader(OpenApiOperation operation, string status, string name, string description, JsonSchemaType type = JsonSchemaType.String)
    {
        if (operation.Responses!.TryGetValue(status, out var response) && response is OpenApiResponse concrete)
        {
            concrete.Headers ??= new Dictionary<string, IOpenApiHeader>();
            concrete.Headers[name] = Header(description, type);
        }
    }

    private static OpenApiHeader Header(string description, JsonSchemaType type = JsonSchemaType.String) =>
        new() { Description = description, Schema = new OpenApiSchema { Type = type } };

    private static void AddHeaderParameter(OpenApiOperation operation, string name, string description)
    {
        operation.Parameters ??= [];
        operation.Parameters.Add(new OpenApiParameter
        {
            Name = name,
            In = ParameterLocation.Header,
            Description = description,
            Schema = new OpenApiSchema { Type = JsonSchemaType.String },
        });
    }
}

/// <summary>The route table's vocabulary: an endpoint's problems and contract on one line.</summary>
public static class EndpointContract
{
    private static readonly string[] s_read = [HttpMethods.Get, HttpMethods.Head];

    /// <summary>A read: GET, and HEAD for the same headers without the body (the server drops the body of a HEAD).</summary>
    public static RouteHandlerBuilder MapRead(this IEndpointRouteBuilder app, string pattern, Delegate handler) =>
        app.MapMethods(pattern, s_read, handler);

    /// <summary>The problems an endpoint returns beyond those <see cref="OpenApiContract"/> derives.</summary>
    public static TBuilder Problems<TBuilder>(this TBuilder builder, params int[] statuses) where TBuilder : IEndpointConventionBuilder
    {
        foreach (var status in statuses)
        {
            builder.WithMetadata(new ProducesResponseTypeMetadata(status, typeof(Microsoft.AspNetCore.Mvc.ProblemDetails), ["application/problem+json"]));
        }

        return builder;
    }

    /// <summary>The endpoint's name (its operationId) and a summary of a few words.</summary>
    public static TBuilder Named<TBuilder>(this TBuilder builder, string name, string summary) where TBuilder : IEndpointConventionBuilder =>
        builder.WithName(name).WithSummary(summary);

    public static TBuilder Contract<TBuilder>(this TBuilder builder, ContractMetadata contract) where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(contract);
}
