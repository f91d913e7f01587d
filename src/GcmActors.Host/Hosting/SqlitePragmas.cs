using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace GcmActors.Host.Hosting;

/// <summary>
/// Settings every SQLite connection of the process gets when SQLite opens it, whoever opens it (the Orleans ADO.NET
/// providers, which offer no hook, among them): SQLite's own <c>sqlite3_auto_extension</c> runs a callback on each.
/// <list type="bullet">
/// <item><c>secure_delete=ON</c>: what a write deletes or replaces (a removed webhook's encrypted secret, an old state row)
/// is overwritten with zeros instead of lingering in free pages.</item>
/// <item><c>synchronous=NORMAL</c>: a commit does not sync the write-ahead log itself; the <see cref="WriteGate"/> syncs
/// it for every write before the write is acknowledged, once for all the commits made meanwhile (group commit), so
/// what is acknowledged is on disk as with <c>FULL</c> (docs/decisions/0008-the-write-path.md).</item>
/// </list>
/// </summary>
internal static unsafe partial class SqlitePragmas
{
    private const string Library = "e_sqlite3";
    private static int s_registered;

    /// <summary>Registers the callback once. False when the native library does not offer it (the pragmas are then not set).</summary>
    public static bool Enable()
    {
        if (Interlocked.Exchange(ref s_registered, 1) == 1)
        {
            return true;
        }

        try
        {
            // SQLitePCLRaw loads the same native library; make sure it is initialized first.
            SQLitePCL.Batteries_V2.Init();
            return AutoExtension(&OnOpen) == 0;
        }
        catch (Exception ex) when (ex is DllNotFoundException or EntryPointNotFoundException)
        {
            return false;
        }
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static int OnOpen(IntPtr db, IntPtr errorMessage, IntPtr api)
    {
        var sql = "PRAGMA secure_delete=ON; PRAGMA synchronous=NORMAL;\0"u8;
        fixed (byte* text = sql)
        {
            return Exec(db, text, IntPtr.Zero, IntPtr.Zero, IntPtr.Zero);
        }
    }

    [LibraryImport(Library, EntryPoint = "sqlite3_auto_extension")]
    [UnmanagedCallConv(CallConvs = [typeof(CallConvCdecl)])]
    private static partial int AutoExtension(delegate* unmanaged[Cdecl]<IntPtr, IntPtr, IntPtr, int> entry);

    [LibraryImport(Library, EntryPoint = "sqlite3_exec")]
    [UnmanagedCallConv(CallConvs = [typeof(CallConvCdecl)])]
    private static partial int Exec(IntPtr db, byte* sql, IntPtr callback, IntPtr argument, IntPtr errorMessage);
}
