namespace GcmActors.Grains;

/// <summary>Names the storage provider all grains persist to.</summary>
public static class GcmStorage
{
    public const string Name = "gcm";
}
