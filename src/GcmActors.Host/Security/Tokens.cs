using System.Security.Cryptography;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace GcmActors.Host.Security;

/// <summary>Roles a token can carry, with the scope each one needs.</summary>
public static class Roles
{
    public const string Ministry = "ministry";     // scope: one State (ISO3)
    public const string CoOrganizer = "coorganizer"; // scope: one region slug
    public const string Viewer = "viewer";         // no scope
    public const string Admin = "admin";           // no scope

    public static readonly string[] All = [Ministry, CoOrganizer, Viewer, Admin];

    public static bool NeedsScope(string role) => role is Ministry or CoOrganizer;
}

/// <summary>
/// The embedded default's own token authority: an HMAC key created in the data directory on first start,
/// used to sign tokens (the <c>token</c> command) and to validate them.
/// </summary>
public sealed class Tokens
{
    public const string Issuer = "gcm-actors";
    public const string RoleClaim = "role";
    public const string ScopeClaim = "scope";
    public const string KeyFileName = "jwt-signing.key";

    private Tokens(SymmetricSecurityKey key) => Key = key;

    public SymmetricSecurityKey Key { get; }

    /// <summary>Loads the signing key from <paramref name="dataDirectory"/>, creating it (mode 600) if absent.</summary>
    public static Tokens LoadOrCreate(string dataDirectory)
    {
        Directory.CreateDirectory(dataDirectory);
        var path = Path.Combine(dataDirectory, KeyFileName);
        if (!File.Exists(path))
        {
            try
            {
                var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
                if (!OperatingSystem.IsWindows())
                {
                    options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
                }

                using var writer = new StreamWriter(path, options);
                writer.Write(Convert.ToBase64String(RandomNumberGenerator.GetBytes(64)));
            }
            catch (IOException) when (File.Exists(path))
            {
                // Another process created it first; use theirs.
            }
        }

        var bytes = Convert.FromBase64String(File.ReadAllText(path).Trim());
        return new Tokens(new SymmetricSecurityKey(bytes) { KeyId = Convert.ToHexString(SHA256.HashData(bytes))[..16] });
    }

    public string Issue(string role, string? scope, TimeSpan lifetime, string audience, string? subject = null, DateTime? issuedAt = null)
    {
        var claims = new Dictionary<string, object>
        {
            [RoleClaim] = role,
            [JwtRegisteredClaimNames.Sub] = subject ?? (scope is null ? role : $"{role}:{scope}"),
        };
        if (scope is not null)
        {
            claims[ScopeClaim] = scope;
        }

        var now = issuedAt ?? DateTime.UtcNow;
        return new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = Issuer,
            Audience = audience,
            Claims = claims,
            IssuedAt = now,
            NotBefore = now,
            Expires = now + lifetime,
            SigningCredentials = new SigningCredentials(Key, SecurityAlgorithms.HmacSha256),
        });
    }
}
