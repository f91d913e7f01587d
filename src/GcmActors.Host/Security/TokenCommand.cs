using GcmActors.Contracts;
using GcmActors.Grains;
using GcmActors.Host.Hosting;

namespace GcmActors.Host.Security;

/// <summary>
/// <c>token --role ministry --scope LBN [--expires 30d] [--subject name]</c>: prints a bearer token signed
/// with the data directory's key (created if absent). With <c>--link</c>, prints a sign-in link to the role's page
/// instead: the token rides in the URL's fragment, which a browser never sends to the server (nor to its logs), and
/// the page moves it to session storage at once.
/// </summary>
public static class TokenCommand
{
    public const string Usage =
        "usage: token --role ministry|coorganizer|viewer|admin [--scope ISO3|region] [--expires 30d|12h] [--subject name]\n"
        + "             [--link [--base http://localhost:5080] [--cycle 2020] [--region arab]]";

    /// <summary>Where a sign-in link points unless --base says otherwise: the address `dotnet run` serves.</summary>
    public const string DefaultBase = "http://localhost:5080";

    /// <summary>How long a minted token is valid unless --expires says otherwise.</summary>
    public const string DefaultLifetime = "30d";

    public static int Run(string[] args, IConfiguration configuration, TextWriter output, TextWriter error)
    {
        string? role = null, scope = null, subject = null, expires = DefaultLifetime;
        string linkBase = DefaultBase, cycle = "2020", region = "arab";
        var link = false;
        for (var i = 0; i < args.Length; i++)
        {
            var value = i + 1 < args.Length ? args[i + 1] : null;
            switch (args[i])
            {
                case "--link": link = true; break;
                case "--base": linkBase = value ?? ""; i++; break;
                case "--cycle": cycle = value ?? ""; i++; break;
                case "--region": region = value ?? ""; i++; break;
                case "--role": role = value; i++; break;
                case "--scope": scope = value; i++; break;
                case "--expires": expires = value; i++; break;
                case "--subject": subject = value; i++; break;
                default:
                    if (args[i].StartsWith("--Gcm", StringComparison.OrdinalIgnoreCase) || args[i].StartsWith("--urls", StringComparison.Ordinal))
                    {
                        i += args[i].Contains('=', StringComparison.Ordinal) ? 0 : 1;
                        break;
                    }

                    error.WriteLine($"unknown option '{args[i]}'\n{Usage}");
                    return 2;
            }
        }

        if (role is null || !Roles.All.Contains(role))
        {
            error.WriteLine(Usage);
            return 2;
        }

        if (Roles.NeedsScope(role) != (scope is not null))
        {
            error.WriteLine(Roles.NeedsScope(role) ? $"role '{role}' needs --scope" : $"role '{role}' takes no --scope");
            return 2;
        }

        if (role == Roles.Ministry)
        {
            scope = scope!.ToUpperInvariant();
            if (!CountryCatalog.Default.Contains(scope))
            {
                error.WriteLine($"'{scope}' is not an ISO 3166-1 alpha-3 code");
                return 2;
            }
        }
        else if (role == Roles.CoOrganizer && !Keys.IsRegion(scope))
        {
            error.WriteLine($"'{scope}' is not a region slug (lowercase, e.g. arab)");
            return 2;
        }

        if (ParseLifetime(expires) is not { } lifetime)
        {
            error.WriteLine("--expires takes a number of days or hours, e.g. 30d or 12h");
            return 2;
        }

        if (link && (!Uri.TryCreate(linkBase, UriKind.Absolute, out var root) || root.Scheme is not ("http" or "https")
                     || !Keys.IsCycle(cycle) || !Keys.IsRegion(region)))
        {
            error.WriteLine("--link needs --base an http(s) URL, --cycle a year and --region a region slug");
            return 2;
        }

        var options = GcmOptions.From(configuration);
        var audience = configuration["Gcm:Auth:Audience"] is { Length: > 0 } a ? a : Tokens.Issuer;
        var token = Tokens.LoadOrCreate(options.DataPath).Issue(role, scope, lifetime, audience, subject);
        output.WriteLine(link ? SignInLink(linkBase, role, scope, cycle, region, token) : token);
        return 0;
    }

    /// <summary>The role's own page, with the token in the fragment (<c>#token=</c>), never in the path or query.</summary>
    public static string SignInLink(string linkBase, string role, string? scope, string cycle, string region, string token)
    {
        var page = role switch
        {
            Roles.Ministry => $"/ministry/{cycle}/{scope}",
            Roles.CoOrganizer => $"/console/{cycle}/{scope}",
            _ => $"/dashboard/{cycle}/{region}",
        };
        return $"{linkBase.TrimEnd('/')}{page}#token={token}";
    }

    private static TimeSpan? ParseLifetime(string? text)
    {
        if (text is not { Length: >= 2 } || !int.TryParse(text[..^1], out var n) || n <= 0)
        {
            return null;
        }

        return text[^1] switch
        {
            'd' => TimeSpan.FromDays(n),
            'h' => TimeSpan.FromHours(n),
            _ => null,
        };
    }
}
