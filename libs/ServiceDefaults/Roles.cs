namespace Monitoring.ServiceDefaults;

/// <summary>The product's roles. Every service authorizes against these names.</summary>
public static class Roles
{
    /// <summary>Inference servers and PACS integrations: may send events, nothing else.</summary>
    public const string Producer = "producer";

    /// <summary>MLOps on-call: reads state, acknowledges alerts.</summary>
    public const string OnCall = "oncall";

    /// <summary>Clinical safety officer: reads, acknowledges, records oversight decisions.</summary>
    public const string SafetyOfficer = "safety-officer";

    /// <summary>Auditor or regulator: reads everything, changes nothing.</summary>
    public const string Auditor = "auditor";

    /// <summary>Administrator: everything.</summary>
    public const string Admin = "admin";

    /// <summary>All roles.</summary>
    public static readonly IReadOnlyList<string> All = [Producer, OnCall, SafetyOfficer, Auditor, Admin];
}

/// <summary>Named authorization policies built from <see cref="Roles"/>.</summary>
public static class Policies
{
    /// <summary>Send inference events, ground truth and feedback: producer, admin.</summary>
    public const string Ingest = "ingest";

    /// <summary>Read monitoring state, findings and alerts: oncall, safety-officer, auditor, admin.</summary>
    public const string Read = "read";

    /// <summary>Operate alerts (acknowledge, silence, resolve): oncall, safety-officer, admin.</summary>
    public const string Operate = "operate";

    /// <summary>Record oversight decisions and approve clinical-safety silences: safety-officer, admin.</summary>
    public const string Decide = "decide";

    /// <summary>Change configuration, rebuild projections: admin.</summary>
    public const string Admin = "admin";

    internal static readonly IReadOnlyDictionary<string, string[]> RolesByPolicy = new Dictionary<string, string[]>
    {
        [Ingest] = [Roles.Producer, Roles.Admin],
        [Read] = [Roles.OnCall, Roles.SafetyOfficer, Roles.Auditor, Roles.Admin],
        [Operate] = [Roles.OnCall, Roles.SafetyOfficer, Roles.Admin],
        [Decide] = [Roles.SafetyOfficer, Roles.Admin],
        [Admin] = [Roles.Admin],
    };
}
