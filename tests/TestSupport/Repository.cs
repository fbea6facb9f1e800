namespace Monitoring.TestSupport;

/// <summary>The repository the tests run from (for shipped files: manifests, policies, docs, service binaries).</summary>
public static class Repository
{
    /// <summary>The folder holding Monitoring.sln, found upwards from the test binaries.</summary>
    public static string Root { get; } = Find() ?? throw new InvalidOperationException("Monitoring.sln not found above " + AppContext.BaseDirectory);

    /// <summary>The repository root, or null when the tests run from a copy outside it.</summary>
    public static string? TryRoot() => Find();

    private static string? Find()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Monitoring.sln"))) return dir.FullName;
        }

        return null;
    }
}
