using System.Text.Json;
using System.Text.Json.Serialization;
using GcmActors.Host.Security;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.EntityFrameworkCore;
using Microsoft.IdentityModel.Tokens;

namespace GcmActors.Benchmarks;

/// <summary>
/// The plain CRUD peer: what a small team would write first with ASP.NET Core, EF Core and Npgsql. One table of reviews
/// (one row per State and cycle, its region and its five milestone statuses), one UPDATE per milestone POST, and the
/// region document computed by SQL on every GET (the members, and the counts per milestone and status). It validates
/// the same bearer tokens as the host (a ministry writes its own State only). No workflow rules, no history, no
/// versions for clients, no pushes. Never shipped: it lives in the harness and runs as its child process,
/// <c>dotnet GcmActors.Benchmarks.dll peer &lt;connection string&gt; &lt;key directory&gt; &lt;members file&gt; --urls ...</c>.
/// </summary>
internal static class PeerServer
{
    public const string Command = "peer";

    private static readonly string[] s_statuses = ["not-started", "in-progress", "completed"];

    public static async Task<int> RunAsync(string[] args)
    {
        if (args.Length < 4)
        {
            await Console.Error.WriteLineAsync("usage: peer <connection string> <key directory> <members file> --urls http://127.0.0.1:<port>");
            return 2;
        }

        var connectionString = args[1];
        var tokens = Tokens.LoadOrCreate(args[2]);
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            Args = args[4..],
            // Its own folder: no appsettings.json is picked up from the harness's output (it holds the host's).
            ContentRootPath = Path.GetDirectoryName(Path.GetFullPath(args[3])),
        });
        builder.Services.AddDbContextPool<PeerDb>(o => o.UseNpgsql(connectionString));
        builder.Services.AddAuthentication(JwtBearerDefaults.AuthenticationScheme).AddJwtBearer(o =>
        {
            o.MapInboundClaims = false;
            o.TokenValidationParameters = new TokenValidationParameters
            {
                ValidIssuer = Tokens.Issuer,
                ValidAudience = Tokens.Issuer,
                IssuerSigningKey = tokens.Key,
                RoleClaimType = Tokens.RoleClaim,
            };
        });
        builder.Services.AddAuthorization();
        builder.Services.ConfigureHttpJsonOptions(o => o.SerializerOptions.DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull);
        var app = builder.Build();
        app.UseAuthentication();
        app.UseAuthorization();

        await using (var scope = app.Services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<PeerDb>();
            await db.Database.EnsureCreatedAsync();
            if (!await db.Reviews.AnyAsync())
            {
                var members = JsonSerializer.Deserialize<PeerMember[]>(await File.ReadAllBytesAsync(args[3]), JsonSerializerOptions.Web) ?? [];
                db.Reviews.AddRange(members.Select(m => new PeerReview { Cycle = m.Cycle, Country = m.Country, Region = m.Region, Name = m.Name }));
                await db.SaveChangesAsync();
            }
        }

        app.MapGet("/api/cycles/{cycle}/regions/{region}", GetRegionAsync);
        app.MapPost("/api/cycles/{cycle}/reviews/{country}/milestones/{milestone}", RecordMilestoneAsync).RequireAuthorization();

        await app.StartAsync();
        // The readiness line the harness waits for, worded like the host's.
        Console.WriteLine($"Listening on {string.Join(", ", app.Urls)}; reads are open (EF Core peer)");
        await app.WaitForShutdownAsync();
        return 0;
    }

    private static async Task<IResult> RecordMilestoneAsync(string cycle, string country, string milestone, MilestoneBody body,
        HttpContext context, PeerDb db)
    {
        var user = context.User;
        var allowed = user.IsInRole(Roles.Admin)
                      || (user.IsInRole(Roles.Ministry) && string.Equals(user.FindFirst(Tokens.ScopeClaim)?.Value, country, StringComparison.OrdinalIgnoreCase));
        if (!allowed)
        {
            return Results.Problem(statusCode: StatusCodes.Status403Forbidden, detail: "a ministry writes its own State only");
        }

        if (body.Status is not { } status || !s_statuses.Contains(status))
        {
            return Results.Problem(statusCode: StatusCodes.Status400BadRequest, detail: "status must be not-started, in-progress or completed");
        }

        var now = DateTime.UtcNow;
        var rows = db.Reviews.Where(r => r.Cycle == cycle && r.Country == country);
        var updated = milestone switch
        {
            "coordination-body-appointed" => await rows.ExecuteUpdateAsync(s => s.SetProperty(r => r.CoordinationBodyAppointed, status)
                .SetProperty(r => r.Version, r => r.Version + 1).SetProperty(r => r.UpdatedAt, now)),
            "template-shared" => await rows.ExecuteUpdateAsync(s => s.SetProperty(r => r.TemplateShared, status)
                .SetProperty(r => r.Version, r => r.Version + 1).SetProperty(r => r.UpdatedAt, now)),
            "data-collected" => await rows.ExecuteUpdateAsync(s => s.SetProperty(r => r.DataCollected, status)
                .SetProperty(r => r.Version, r => r.Version + 1).SetProperty(r => r.UpdatedAt, now)),
            "approved" => await rows.ExecuteUpdateAsync(s => s.SetProperty(r => r.Approved, status)
                .SetProperty(r => r.Version, r => r.Version + 1).SetProperty(r => r.UpdatedAt, now)),
            "submitted" => await rows.ExecuteUpdateAsync(s => s.SetProperty(r => r.Submitted, status)
                .SetProperty(r => r.Version, r => r.Version + 1).SetProperty(r => r.UpdatedAt, now)),
            _ => -1,
        };
        return updated switch
        {
            -1 => Results.Problem(statusCode: StatusCodes.Status404NotFound, detail: "no such milestone"),
            0 => Results.Problem(statusCode: StatusCodes.Status404NotFound, detail: "no such review"),
            _ => Results.Ok(new { cycle, country, milestone, status }),
        };
    }

    private static async Task<IResult> GetRegionAsync(string cycle, string region, PeerDb db)
    {
        var rows = db.Reviews.AsNoTracking().Where(r => r.Cycle == cycle && r.Region == region);
        var members = (await rows.OrderBy(r => r.Country).Select(r => new
        {
            r.Country, r.Name, r.CoordinationBodyAppointed, r.TemplateShared, r.DataCollected, r.Approved, r.Submitted, r.UpdatedAt,
        }).ToListAsync()).Select(r => new
        {
            r.Country,
            r.Name,
            Milestones = new Dictionary<string, string>
            {
                ["coordination-body-appointed"] = r.CoordinationBodyAppointed,
                ["template-shared"] = r.TemplateShared,
                ["data-collected"] = r.DataCollected,
                ["approved"] = r.Approved,
                ["submitted"] = r.Submitted,
            },
            r.UpdatedAt,
        }).ToList();
        if (members.Count == 0)
        {
            return Results.Problem(statusCode: StatusCodes.Status404NotFound, detail: $"no regional round '{region}' in cycle {cycle}");
        }

        // One aggregate query: every count per milestone and status, computed by the database on each read.
        var counts = await rows.GroupBy(_ => 1).Select(g => new[]
        {
            g.Count(r => r.CoordinationBodyAppointed == "not-started"), g.Count(r => r.CoordinationBodyAppointed == "in-progress"),
            g.Count(r => r.CoordinationBodyAppointed == "completed"),
            g.Count(r => r.TemplateShared == "not-started"), g.Count(r => r.TemplateShared == "in-progress"), g.Count(r => r.TemplateShared == "completed"),
            g.Count(r => r.DataCollected == "not-started"), g.Count(r => r.DataCollected == "in-progress"), g.Count(r => r.DataCollected == "completed"),
            g.Count(r => r.Approved == "not-started"), g.Count(r => r.Approved == "in-progress"), g.Count(r => r.Approved == "completed"),
            g.Count(r => r.Submitted == "not-started"), g.Count(r => r.Submitted == "in-progress"), g.Count(r => r.Submitted == "completed"),
        }).SingleAsync();
        string[] milestones = ["coordination-body-appointed", "template-shared", "data-collected", "approved", "submitted"];
        var byMilestone = milestones.Select((m, i) => (m, i)).ToDictionary(x => x.m, x => new Dictionary<string, int>
        {
            ["not-started"] = counts[3 * x.i],
            ["in-progress"] = counts[3 * x.i + 1],
            ["completed"] = counts[3 * x.i + 2],
        });
        return Results.Ok(new { cycle, region, counts = byMilestone, submitted = counts[14], memberCount = members.Count, members });
    }

    private sealed record MilestoneBody(string? Status, string? Note);
}

/// <summary>One member of a round, for the peer's seed file.</summary>
internal sealed record PeerMember(string Cycle, string Region, string Country, string Name);

internal sealed class PeerReview
{
    public string Cycle { get; set; } = "";

    public string Country { get; set; } = "";

    public string Region { get; set; } = "";

    public string Name { get; set; } = "";

    public string CoordinationBodyAppointed { get; set; } = "not-started";

    public string TemplateShared { get; set; } = "not-started";

    public string DataCollected { get; set; } = "not-started";

    public string Approved { get; set; } = "not-started";

    public string Submitted { get; set; } = "not-started";

    public int Version { get; set; }

    public DateTime UpdatedAt { get; set; } = DateTime.UtcNow;
}

internal sealed class PeerDb(DbContextOptions<PeerDb> options) : DbContext(options)
{
    public DbSet<PeerReview> Reviews => Set<PeerReview>();

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        var review = modelBuilder.Entity<PeerReview>();
        review.ToTable("reviews");
        review.HasKey(r => new { r.Cycle, r.Country });
        review.HasIndex(r => new { r.Cycle, r.Region });
    }
}
