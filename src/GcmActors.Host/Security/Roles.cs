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
