using Microsoft.AspNetCore.Authorization;

namespace GcmActors.Host.Security;

/// <summary>Reads are open while the host listens on loopback only, unless configured otherwise.</summary>
public sealed record ReadRequirement : IAuthorizationRequirement;

/// <summary>Gcm:Auth:RequireTokenForReads: <c>auto</c>, <c>true</c> or <c>false</c>.</summary>
public enum ReadTokens
{
    /// <summary>Reads need a token unless the host listens on loopback only.</summary>
    Auto,

    Always,

    Never,
}

public sealed class ReadAccess
{
    // Until the listening addresses are known, be strict.
    public bool RequireToken { get; private set; } = true;

    public ReadTokens Mode { get; init; } = ReadTokens.Auto;

    /// <summary>Reads the setting; anything but auto, true/yes or false/no stops the start, where an operator sees it.</summary>
    public static ReadTokens ParseMode(string? setting) => setting?.Trim().ToLowerInvariant() switch
    {
        null or "" or "auto" => ReadTokens.Auto,
        "true" or "yes" => ReadTokens.Always,
        "false" or "no" => ReadTokens.Never,
        _ => throw new InvalidOperationException($"Gcm:Auth:RequireTokenForReads is '{setting}'; it takes auto, true or false"),
    };

    public void Decide(IEnumerable<string> listeningOn)
    {
        RequireToken = Mode switch
        {
            ReadTokens.Always => true,
            ReadTokens.Never => false,
            _ => !listeningOn.All(IsLoopback),
        };
    }

    /// <summary>True for localhost, 127.0.0.0/8 and [::1]; false for wildcards (+, *, 0.0.0.0, [::]) and anything else.</summary>
    public static bool IsLoopback(string url) =>
        Uri.TryCreate(url.Replace("://+", "://0.0.0.0", StringComparison.Ordinal).Replace("://*", "://0.0.0.0", StringComparison.Ordinal),
            UriKind.Absolute, out var uri) && uri.IsLoopback;
}

public sealed class ReadHandler(ReadAccess reads) : AuthorizationHandler<ReadRequirement>
{
    protected override Task HandleRequirementAsync(AuthorizationHandlerContext context, ReadRequirement requirement)
    {
        if (!reads.RequireToken || context.User.Identity?.IsAuthenticated == true)
        {
            context.Succeed(requirement);
        }

        return Task.CompletedTask;
    }
}
