namespace GcmActors.Host.Operations;

/// <summary>
/// A client-role front end's view of its gateways: each change of the number it is connected to is logged (a silo
/// gone, or back), so that an operator sees the front end lose and regain its way into the cluster. A loss is also
/// announced to the calls in flight (<see cref="Faults.GatewayLosses"/>), which may have gone through that gateway.
/// </summary>
internal sealed partial class GatewayWatch(Faults.GatewayLosses losses, ILogger<GatewayWatch> logger) : IClusterConnectionStatusObserver
{
    public void NotifyGatewayCountChanged(int currentNumberOfGateways, int previousNumberOfGateways, bool connectionRecovered)
    {
        // Fewer gateways is news for an operator; more is the cluster starting or a silo back.
        if (currentNumberOfGateways < previousNumberOfGateways)
        {
            losses.Lost();
            LogFewer(logger, previousNumberOfGateways, currentNumberOfGateways);
        }
        else
        {
            LogMore(logger, previousNumberOfGateways, currentNumberOfGateways, connectionRecovered);
        }
    }

    public void NotifyClusterConnectionLost()
    {
        losses.Lost();
        LogLost(logger);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Gateways connected: {Previous} -> {Current}")]
    private static partial void LogFewer(ILogger logger, int previous, int current);

    [LoggerMessage(Level = LogLevel.Information, Message = "Gateways connected: {Previous} -> {Current} (recovered: {Recovered})")]
    private static partial void LogMore(ILogger logger, int previous, int current, bool recovered);

    [LoggerMessage(Level = LogLevel.Error, Message = "The connection to the cluster is lost: no gateway answers")]
    private static partial void LogLost(ILogger logger);
}
