using GcmActors.Host.Hosting;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Authorization;
using Microsoft.IdentityModel.Tokens;

namespace GcmActors.Host.Security;

/// <summary>
/// Who the caller is and what it may do: JWT bearer validation (the data directory's key, or an external
/// OpenID Connect authority), the access policies and the read policy (decision 0011).
/// </summary>
public static class SecuritySetup
{
    public static WebApplicationBuilder AddGcmSecurity(this WebApplicationBuilder builder, GcmOptions options)
    {
        var tokens = Tokens.LoadOrCreate(options.DataPath);
        builder.Services.AddSingleton(tokens);
        var auth = builder.Configuration.GetSection("Gcm:Auth");
        var audience = auth["Audience"] is { Length: > 0 } a ? a : Tokens.Issuer;
        builder.Services.AddAuthentication(JwtBearerDefaults.AuthenticationScheme).AddJwtBearer(o =>
        {
            o.MapInboundClaims = false;
            if (auth["Authority"] is { Length: > 0 } authority)
            {
                // A deployment that trusts an external OpenID Connect authority: its tokens carry role and scope.
                o.Authority = authority;
                o.Audience = audience;
                // Plain http only for an authority on this machine (a development or test provider on loopback).
                o.RequireHttpsMetadata = !ReadAccess.IsLoopback(authority);
                o.TokenValidationParameters.RoleClaimType = Tokens.RoleClaim;
                o.TokenValidationParameters.ClockSkew = Tokens.ClockSkew;
            }
            else
            {
                o.TokenValidationParameters = new TokenValidationParameters
                {
                    ValidIssuer = Tokens.Issuer,
                    ValidAudience = audience,
                    IssuerSigningKey = tokens.Key,
                    RoleClaimType = Tokens.RoleClaim,
                    NameClaimType = "sub",
                    ClockSkew = Tokens.ClockSkew,
                };
            }
        });
        builder.Services.AddAuthorization(Access.AddPolicies);
        builder.Services.AddSingleton<IAuthorizationHandler, ScopeHandler>();
        builder.Services.AddSingleton<IAuthorizationHandler, ReadHandler>();
        builder.Services.AddSingleton<IAuthorizationMiddlewareResultHandler, ProblemAuthorizationResultHandler>();
        builder.Services.AddSingleton(new ReadAccess { Mode = ReadAccess.ParseMode(auth["RequireTokenForReads"]) });
        return builder;
    }
}
