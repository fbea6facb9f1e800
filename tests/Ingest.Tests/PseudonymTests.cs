using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using Monitoring.Pseudonym;

namespace Monitoring.Ingest.Tests;

public sealed class PseudonymTests
{
    private const string Secret = "0123456789abcdef0123456789abcdef";

    [Fact]
    public void GivenASecretAndALocalId_WhenDerived_ThenItIsTheHexHmacSha256OfTheTrimmedId()
    {
        var expected = Convert.ToHexStringLower(new HMACSHA256(Encoding.UTF8.GetBytes(Secret)).ComputeHash(Encoding.UTF8.GetBytes("12345")));

        Assert.Equal(expected, Pseudonymizer.Derive(Secret, " 12345\n"));
        Assert.NotEqual(expected, Pseudonymizer.Derive(Secret.ToUpperInvariant(), "12345"));
        Assert.Throws<ArgumentException>(() => Pseudonymizer.Derive("short", "12345"));
    }

    [Fact]
    public void GivenThePythonHelper_WhenRunOnTheSameIds_ThenItPrintsTheSamePseudonyms()
    {
        var script = Path.Combine(RepositoryRoot(), "tools", "Pseudonym", "pseudonym.py");
        var start = new ProcessStartInfo("/usr/bin/python3", [script, "12345", "Zoë-42"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            Environment = { ["MONITORING_SITE_SECRET"] = Secret },
        };
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();

        Assert.Equal(0, process.ExitCode);
        Assert.Equal([Pseudonymizer.Derive(Secret, "12345"), Pseudonymizer.Derive(Secret, "Zoë-42")],
            output.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    internal static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Monitoring.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("Monitoring.sln not found above the test directory");
    }
}
