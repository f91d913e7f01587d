namespace GcmActors.Grains;

/// <summary>
/// The clock the domain reads (lagging, deadlines, history). Registered as a keyed <see cref="TimeProvider"/>
/// so that tests can fake the domain's time without also faking the time Orleans itself runs on.
/// </summary>
public static class GcmClock
{
    public const string Key = "gcm";

    public static DateOnly Today(this TimeProvider time) => DateOnly.FromDateTime(time.GetUtcNow().UtcDateTime);
}
