using Monitoring.Pseudonym;

// Usage: MONITORING_SITE_SECRET=... dotnet run --project tools/Pseudonym -- <local id> [<local id> ...]
//        or ids on standard input, one per line. Prints one pseudonym per line, in order.
var secret = Environment.GetEnvironmentVariable("MONITORING_SITE_SECRET");
if (string.IsNullOrEmpty(secret))
{
    Console.Error.WriteLine("Set MONITORING_SITE_SECRET to the site secret (at least 32 bytes, e.g. `openssl rand -hex 32`).");
    return 2;
}

try
{
    var ids = args.Length > 0 ? args : ReadLines();
    foreach (var id in ids)
    {
        Console.WriteLine(Pseudonymizer.Derive(secret, id));
    }

    return 0;
}
catch (ArgumentException e)
{
    Console.Error.WriteLine(e.Message);
    return 2;
}

static IEnumerable<string> ReadLines()
{
    while (Console.ReadLine() is { } line)
    {
        if (line.Trim().Length > 0)
        {
            yield return line;
        }
    }
}
