namespace GcmActors.Host.Operations;

/// <summary>What may be logged of a value that can carry a secret.</summary>
public static class Redact
{
    /// <summary>
    /// <c>scheme://host[:port]/path</c> of a URL: no user name or password, no query (tokens and signatures travel
    /// there), no fragment. Something that is not an absolute URL is not logged at all.
    /// </summary>
    public static string Url(string? url) =>
        Uri.TryCreate(url, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https"
            ? uri.GetComponents(UriComponents.SchemeAndServer | UriComponents.Path, UriFormat.UriEscaped)
            : "(not an http url)";
}
