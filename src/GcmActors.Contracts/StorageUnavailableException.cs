namespace GcmActors.Contracts;

/// <summary>
/// The database could not be reached or did not answer: a transient infrastructure fault, answered 503 with
/// Retry-After. Silos raise it in place of the driver's exception (Npgsql, SQLite), whose types the Orleans
/// serializer cannot carry to another silo or to a client-role front end. It carries a message only: the driver's
/// exception stays in the silo's log.
/// </summary>
[GenerateSerializer, Alias("gcm.storage-unavailable")]
public sealed class StorageUnavailableException : Exception
{
    public StorageUnavailableException()
    {
    }

    public StorageUnavailableException(string message)
        : base(message)
    {
    }

    public StorageUnavailableException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
