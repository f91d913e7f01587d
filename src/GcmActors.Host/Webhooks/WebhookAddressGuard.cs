using System.Collections.Immutable;
using System.Net;
using System.Net.Sockets;
using GcmActors.Grains;
using Microsoft.Extensions.Options;

namespace GcmActors.Host.Webhooks;

/// <summary>A delivery refused because its host leads to an internal address (found when connecting).</summary>
public sealed class WebhookAddressRefusedException(string message) : Exception(message);

/// <summary>A host name that does not resolve (registration refuses it; a delivery attempt records it).</summary>
public sealed class WebhookHostUnresolvedException(string host, Exception? inner = null)
    : Exception($"the url's host '{host}' does not resolve", inner);

/// <summary>
/// Keeps webhook deliveries out of internal networks (SSRF), twice: at registration, on every address the URL's host
/// resolves to (<see cref="CheckAsync"/>); and when connecting, on the address actually connected to
/// (<see cref="ConnectAsync"/>, the <see cref="SocketsHttpHandler.ConnectCallback"/> of the webhook client), so that a
/// name that resolves elsewhere later (DNS rebinding) is refused too. The rules are <see cref="WebhookRules"/>'s.
/// </summary>
public sealed class WebhookAddressGuard(IOptions<WebhookOptions> options)
{
    private readonly WebhookRules.AddressPolicy _policy = WebhookRules.AddressPolicy.From(options.Value);

    /// <summary>Resolution of a name by DNS, at most this long (a registration then answers 503).</summary>
    public static readonly TimeSpan ResolveTimeout = TimeSpan.FromSeconds(5);

    /// <summary>Checks a URL for registration: returns it in canonical form, or why it is refused. Throws <see cref="TimeoutException"/> when DNS does not answer.</summary>
    public async Task<(string? Url, string? Refusal)> CheckAsync(string? url, CancellationToken cancellationToken)
    {
        var (uri, refusal) = WebhookRules.CheckUrl(url);
        if (uri is null)
        {
            return (null, refusal);
        }

        var host = uri.IdnHost;
        ImmutableArray<IPAddress> addresses;
        try
        {
            addresses = await ResolveAsync(host, cancellationToken);
        }
        catch (WebhookHostUnresolvedException unresolved)
        {
            return (null, unresolved.Message);
        }

        var allowed = _policy.AllowsHost(host) || addresses.All(_policy.AllowsAddress);
        if (WebhookRules.SchemeRefusal(uri, allowed, options.Value.AllowHttp) is { } scheme)
        {
            return (null, scheme);
        }

        foreach (var address in addresses)
        {
            if (WebhookRules.AddressRefusal(host, address, _policy) is { } internalAddress)
            {
                return (null, internalAddress);
            }
        }

        return (uri.AbsoluteUri, null);
    }

    /// <summary>
    /// The addresses of <paramref name="host"/>: itself when it is an IP literal, else the operator's hosts file
    /// (<see cref="WebhookOptions.HostsFile"/>, read afresh), else DNS.
    /// </summary>
    public async Task<ImmutableArray<IPAddress>> ResolveAsync(string host, CancellationToken cancellationToken)
    {
        var name = host.Trim('[', ']');
        if (IPAddress.TryParse(name, out var literal))
        {
            return [literal];
        }

        if (HostsFileEntries(name) is { IsEmpty: false } pinned)
        {
            return pinned;
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(ResolveTimeout);
        try
        {
            var found = await Dns.GetHostAddressesAsync(name, timeout.Token);
            return found.Length > 0 ? [.. found] : throw new WebhookHostUnresolvedException(name);
        }
        catch (SocketException ex) when (ex.SocketErrorCode is SocketError.HostNotFound or SocketError.NoData)
        {
            throw new WebhookHostUnresolvedException(name, ex);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"DNS did not answer for '{name}' within {ResolveTimeout.TotalSeconds} s");
        }
    }

    /// <summary>
    /// Connects a webhook request: resolves the host itself, refuses every internal address (unless the operator
    /// allowed it) and connects only to an address it checked. A host with no allowed address fails the attempt.
    /// </summary>
    public async ValueTask<Stream> ConnectAsync(SocketsHttpConnectionContext context, CancellationToken cancellationToken)
    {
        var host = context.DnsEndPoint.Host;
        string? refusal = null;
        Exception? failure = null;
        foreach (var address in await ResolveAsync(host, cancellationToken))
        {
            if (WebhookRules.AddressRefusal(host, address, _policy) is { } refused)
            {
                refusal = refused;
                continue;
            }

            var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                await socket.ConnectAsync(new IPEndPoint(address, context.DnsEndPoint.Port), cancellationToken);
                return new NetworkStream(socket, ownsSocket: true);
            }
            catch (Exception ex) when (ex is SocketException or OperationCanceledException)
            {
                socket.Dispose();
                failure = ex;
                if (ex is OperationCanceledException)
                {
                    throw;
                }
            }
        }

        throw failure ?? new WebhookAddressRefusedException(refusal ?? $"the url's host '{host}' has no address");
    }

    private ImmutableArray<IPAddress> HostsFileEntries(string name)
    {
        if (options.Value.HostsFile is not { Length: > 0 } file || !File.Exists(file))
        {
            return [];
        }

        var found = ImmutableArray.CreateBuilder<IPAddress>();
        foreach (var line in File.ReadLines(file))
        {
            var fields = line.Split('#', 2)[0].Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length >= 2 && IPAddress.TryParse(fields[0], out var address)
                && fields.Skip(1).Any(f => f.Equals(name, StringComparison.OrdinalIgnoreCase)))
            {
                found.Add(address);
            }
        }

        return found.ToImmutable();
    }
}
