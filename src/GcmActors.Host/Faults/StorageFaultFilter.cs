using GcmActors.Contracts;

namespace GcmActors.Host.Faults;

/// <summary>
/// The grain boundary, silo side: a storage failure inside a grain call (state write, reminder registration, ...)
/// leaves the grain as <see cref="StorageUnavailableException"/>, never as the driver's exception, which the
/// Orleans serializer cannot carry to the caller's process (CodecNotFoundException, then a 500 there).
/// </summary>
internal sealed partial class StorageFaultFilter(ILogger<StorageFaultFilter> logger) : IIncomingGrainCallFilter
{
    public async Task Invoke(IIncomingGrainCallContext context)
    {
        try
        {
            await context.Invoke();
        }
        catch (Exception exception) when (exception is not StorageUnavailableException && Fault.IsStorage(exception))
        {
            LogTranslated(logger, exception, context.InterfaceName, context.MethodName, context.TargetId);
            throw Fault.Translate(exception, $"{context.InterfaceName}.{context.MethodName}");
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Storage failed in {Interface}.{Method} of {Grain}; the caller gets a 503")]
    private static partial void LogTranslated(ILogger logger, Exception exception, string @interface, string method, GrainId grain);
}
