namespace GcmActors.Host.Faults;

/// <summary>
/// Tells grain calls in flight that the client lost a gateway. Orleans does not fail the calls it had sent through
/// a gateway whose connection closed (their answers can no longer come, and they would wait for the request deadline);
/// a call made before the loss watches <see cref="Token"/> and is sent again (<see cref="RequestDeadlineFilter"/>).
/// In the silo role no gateway is involved and the token never fires.
/// </summary>
internal sealed class GatewayLosses
{
    private CancellationTokenSource _current = new();

    /// <summary>Fires at the next gateway loss; a call takes it before it is sent.</summary>
    public CancellationToken Token => Volatile.Read(ref _current).Token;

    /// <summary>A gateway is gone: every call sent before now learns it, later calls watch for the next loss.</summary>
    public void Lost()
    {
        // Not disposed: calls in flight still hold its token, and a source without a timer owns nothing to release.
        var lost = Interlocked.Exchange(ref _current, new CancellationTokenSource());
        lost.Cancel();
    }
}
