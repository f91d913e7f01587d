using System.Security.Cryptography;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace GcmActors.Host.Security;

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

    /// <summary>How far clocks may disagree: a token is refused 30 s after it expires (the library's default is 5 min).</summary>
    public static readonly TimeSpan ClockSkew = TimeSpan.FromSeconds(30);

    /// <summary>Bytes of the HMAC-SHA256 signing key (the hash's block size).</summary>
    public const int KeyBytes = 64;

    /// <summary>How often, and how long apart, a starter retries while another process holds the key file's lock.</summary>
    private const int LockAttempts = 200;

    private static readonly TimeSpan s_lockRetryDelay = TimeSpan.FromMilliseconds(10);

    private Tokens(SymmetricSecurityKey key) => Key = key;

    public SymmetricSecurityKey Key { get; }

    /// <summary>Loads the signing key from <paramref name="dataDirectory"/>, creating it (mode 600) if absent.</summary>
    public static Tokens LoadOrCreate(string dataDirectory)
    {
        Hosting.DataDirectory.CreatePrivate(dataDirectory);
        var path = Path.Combine(dataDirectory, KeyFileName);
        var options = new FileStreamOptions { Mode = FileMode.OpenOrCreate, Access = FileAccess.ReadWrite, Share = FileShare.None };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        // Processes of a cluster may share this directory and start together. The file is only ever read or
        // created under an exclusive lock, so nobody reads a key that is still being written, and the first
        // one to hold the lock writes the key that every other process then reads.
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                // Usually the key exists: read it (also from a read-only mount, as in the Kubernetes manifests).
                if (File.Exists(path))
                {
                    using var existing = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.None);
                    if (existing.Length > 0)
                    {
                        using var keyReader = new StreamReader(existing);
                        return From(keyReader.ReadToEnd());
                    }
                }

                using var file = new FileStream(path, options);
                if (file.Length == 0)
                {
                    var fresh = Convert.ToBase64String(RandomNumberGenerator.GetBytes(KeyBytes));
                    file.Write(System.Text.Encoding.ASCII.GetBytes(fresh));
                    return From(fresh);
                }

                using var reader = new StreamReader(file);
                return From(reader.ReadToEnd());
            }
            catch (IOException) when (attempt < LockAttempts && File.Exists(path))
            {
                Thread.Sleep(s_lockRetryDelay); // another process holds the lock for the few microseconds it needs
            }
        }
    }

    private static Tokens From(string text)
    {
        var bytes = Convert.FromBase64String(text.Trim());
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
