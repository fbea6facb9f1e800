using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Monitoring.Ingest.Tests;

/// <summary>
/// Every direct-identifier property name the privacy guard refuses today, tried one by one through the public HTTP API:
/// as written, and upper-cased with separators (the guard ignores case, '_', '-' and spaces). The list is the test's own
/// copy, not read from the guard, so removing a name from the guard fails here; the guard may refuse more names.
/// </summary>
public sealed class PrivacyGuardNamesTests(PrivacyGuardNamesFixture fixture) : IClassFixture<PrivacyGuardNamesFixture>
{
    /// <summary>Names that designate a patient or staff identifier (DICOM attribute names and their common spellings).</summary>
    public static readonly string[] ForbiddenNames =
    [
        "name", "patientname", "firstname", "lastname", "givenname", "familyname", "surname", "fullname", "middlename",
        "mrn", "medicalrecordnumber", "patientid", "otherpatientids", "patientidentifier", "localpatientid", "hospitalnumber",
        "accessionnumber", "accession", "accessionno", "studyid", "studyinstanceuid", "seriesinstanceuid", "sopinstanceuid",
        "birthdate", "dateofbirth", "dob", "patientbirthdate", "patientbirthtime", "birthday",
        "ssn", "socialsecuritynumber", "nationalid", "nhsnumber", "insurancenumber", "medicarenumber", "passportnumber",
        "address", "patientaddress", "street", "streetaddress", "postcode", "postalcode", "zipcode", "zip",
        "phone", "phonenumber", "telephone", "patienttelephonenumbers", "mobile", "email", "emailaddress",
        "referringphysicianname", "performingphysicianname", "operatorsname", "readername", "physicianname",
        "patientmothersbirthname", "mothersmaidenname", "ipaddress", "deviceserialnumber",
    ];

    [Fact]
    public async Task GivenEachForbiddenNameOnThePatient_WhenPosted_ThenEachItemIsRefusedForPrivacyAtThatPathAndNothingIsStored()
    {
        Assert.Equal(60, ForbiddenNames.Distinct().Count()); // the 60 names of issue 16, none lost from this copy
        // Item 2i carries the name as written, item 2i+1 a spelling the guard must normalise ("P_ATIENTID" style).
        var items = ForbiddenNames.SelectMany(name => new[] { name, Respelled(name) }).Select(name =>
        {
            var item = Samples.Inference();
            item["patient"]![name] = "x"; // a harmless value: the name alone must be refused
            return item;
        }).ToList();

        using var response = await fixture.Host.PostAsync("/v1/inferences", Samples.Array(items));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("urn:monitoring:ingest:privacy", problem.GetProperty("type").GetString());
        var privacyPaths = problem.GetProperty("errors").EnumerateArray()
            .Where(e => e.GetProperty("reason").GetString() == "privacy")
            .Select(e => e.GetProperty("path").GetString()!).ToHashSet(StringComparer.Ordinal);
        var missed = ForbiddenNames.SelectMany((name, i) => new[] { $"$[{2 * i}].patient.{name}", $"$[{2 * i + 1}].patient.{Respelled(name)}" })
            .Where(path => !privacyPaths.Contains(path)).ToList();
        Assert.True(missed.Count == 0, "not refused for privacy: " + string.Join(", ", missed));
        Assert.Equal(Enumerable.Range(0, items.Count), problem.GetProperty("invalidItems").EnumerateArray().Select(i => i.GetInt32()));
        Assert.Equal(0, await fixture.Host.EventCountAsync());
    }

    /// <summary>"patientid" → "P_ATIENTID": upper case and a separator, both ignored by the guard's comparison.</summary>
    internal static string Respelled(string name) => name[..1].ToUpperInvariant() + "_" + name[1..].ToUpperInvariant();
}

public sealed class PrivacyGuardNamesFixture : IAsyncLifetime
{
    public IngestHost Host { get; private set; } = null!;

    public async Task InitializeAsync() => Host = await IngestHost.StartAsync("ingest_names");

    public async Task DisposeAsync()
    {
        if (Host is not null) await Host.DisposeAsync();
    }
}
