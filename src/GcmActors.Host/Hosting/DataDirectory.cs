namespace GcmActors.Host.Hosting;

/// <summary>
/// The data directory holds the database, the token signing key and the Data Protection keys: only the service's
/// own user may read it. It is created 0700, and the SQLite files are 0600 (SQLite gives the -wal and -shm files the
/// database file's mode, so the database is created 0600 before SQLite first opens it).
/// </summary>
public static class DataDirectory
{
    public const UnixFileMode PrivateDirectory = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;

    public const UnixFileMode PrivateFile = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    /// <summary>Creates <paramref name="path"/> (and missing parents) readable by this user only. An existing directory is left as it is.</summary>
    public static void CreatePrivate(string path)
    {
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(path);
            return;
        }

        if (!Directory.Exists(path))
        {
            Directory.CreateDirectory(path, PrivateDirectory);
        }
    }

    /// <summary>Creates the SQLite file empty and 0600 when it is missing, and tightens the database's files to 0600 when they exist.</summary>
    public static void ProtectSqliteFiles(string databaseFile)
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        CreatePrivate(Path.GetDirectoryName(databaseFile)!);
        if (!File.Exists(databaseFile))
        {
            using var created = new FileStream(databaseFile, new FileStreamOptions
            {
                Mode = FileMode.CreateNew, Access = FileAccess.Write, UnixCreateMode = PrivateFile,
            });
        }

        foreach (var file in new[] { databaseFile, databaseFile + "-wal", databaseFile + "-shm" })
        {
            if (File.Exists(file) && File.GetUnixFileMode(file) != PrivateFile)
            {
                File.SetUnixFileMode(file, PrivateFile);
            }
        }
    }
}
