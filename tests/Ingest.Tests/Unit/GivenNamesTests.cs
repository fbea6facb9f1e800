using Monitoring.Ingest.Validation;

namespace Monitoring.Ingest.Tests.Unit;

/// <summary>
/// Every given name the name guard knows today, each tried in a name-shaped text: the guard must refuse it and name the word.
/// The list is the test's own copy (not read from the guard), so dropping a name from the guard fails here; the guard may know more.
/// </summary>
public sealed class GivenNamesTests
{
    /// <summary>The guard's given names (its "jean-pierre" and "jan-erik" cannot be one word of a name shape: see below).</summary>
    public static readonly string[] GivenNames =
    [
        "james", "john", "robert", "michael", "william", "david", "richard", "joseph", "thomas", "charles", "christopher",
        "daniel", "matthew", "anthony", "donald", "mark", "paul", "steven", "andrew", "kenneth", "joshua", "kevin", "brian",
        "george", "edward", "ronald", "timothy", "jason", "jeffrey", "ryan", "jacob", "gary", "nicholas", "eric",
        "jonathan", "stephen", "larry", "justin", "scott", "brandon", "benjamin", "samuel", "frank", "gregory", "raymond",
        "alexander", "patrick", "jack", "dennis", "jerry", "tyler", "aaron", "jose", "henry", "adam", "douglas", "nathan",
        "peter", "zachary", "kyle", "walter", "harold", "jeremy", "ethan", "carl", "keith", "roger", "gerald", "christian",
        "terry", "sean", "arthur", "austin", "noah", "lawrence", "jesse", "joe", "bryan", "billy", "jordan", "albert",
        "dylan", "bruce", "willie", "gabriel", "alan", "juan", "logan", "wayne", "ralph", "roy", "eugene", "randy",
        "vincent", "russell", "louis", "philip", "bobby", "johnny", "bradley", "oliver", "harry", "mary", "patricia",
        "jennifer", "linda", "elizabeth", "barbara", "susan", "jessica", "sarah", "karen", "nancy", "lisa", "betty",
        "margaret", "sandra", "ashley", "kimberly", "emily", "donna", "michelle", "dorothy", "carol", "amanda", "melissa",
        "deborah", "stephanie", "rebecca", "sharon", "laura", "cynthia", "kathleen", "amy", "shirley", "angela", "helen",
        "anna", "brenda", "pamela", "nicole", "emma", "samantha", "katherine", "christine", "debra", "rachel", "catherine",
        "carolyn", "janet", "ruth", "maria", "heather", "diane", "virginia", "julie", "joyce", "victoria", "olivia",
        "kelly", "christina", "lauren", "joan", "evelyn", "judith", "megan", "cheryl", "andrea", "hannah", "martha",
        "jacqueline", "frances", "gloria", "ann", "teresa", "kathryn", "sara", "janice", "jean", "alice", "madison",
        "doris", "abigail", "julia", "judy", "grace", "denise", "amber", "marilyn", "beverly", "danielle", "theresa",
        "sophia", "marie", "diana", "brittany", "natalie", "isabella", "charlotte", "rose", "alexis", "kayla", "jane",
        "mia", "ava", "chloe", "lily", "ella", "lucy", "jan", "jo", "hans", "jurgen", "klaus", "wolfgang", "stefan",
        "andreas", "ursula", "petra", "sabine", "monika", "pierre", "marc", "philippe", "nicolas", "sophie", "camille",
        "isabelle", "nathalie", "giuseppe", "giovanni", "marco", "francesco", "luca", "alessandro", "giulia", "francesca",
        "chiara", "antonio", "manuel", "francisco", "javier", "carlos", "miguel", "luis", "pedro", "pablo", "ana", "carmen",
        "lucia", "sofia", "isabel", "rosa", "guadalupe", "jesus", "alejandro", "fernando", "lars", "anders", "erik", "nils",
        "ingrid", "astrid", "karin", "pieter", "johannes", "willem", "sanne", "piotr", "krzysztof", "tomasz", "katarzyna",
        "malgorzata", "ivan", "sergei", "dmitri", "olga", "natalia", "tatiana", "elena", "mohammed", "muhammad", "ahmed",
        "ali", "hassan", "hussein", "omar", "fatima", "aisha", "khadija", "mustafa", "yusuf", "raj", "rahul", "amit",
        "sanjay", "priya", "anjali", "sunita", "deepak", "arjun", "vijay", "lakshmi", "ravi", "wei", "jing", "li", "ming",
        "hui", "yan", "xin", "hiroshi", "takashi", "yuki", "haruto", "sakura", "kenji", "akira", "minjun", "jiwoo",
        "seojun", "nguyen", "thi", "van", "kwame", "kofi", "ama", "chinedu", "ngozi", "oluwaseun", "tunde"
    ];

    [Fact]
    public void GivenEachKnownGivenNameBesideAnUnknownWord_WhenChecked_ThenItIsRefusedAsAPersonsNameNamingThatWord()
    {
        Assert.Equal(331, GivenNames.Distinct(StringComparer.Ordinal).Count());
        var wrong = new List<string>();
        foreach (var name in GivenNames)
        {
            // As written on a form and upper-cased, after or before a word that is no given name, in each of the shape's places.
            var word = char.ToUpperInvariant(name[0]) + name[1..];
            var upper = name.ToUpperInvariant();
            foreach (var (text, found) in new[] { ($"Qwx {word}", word), ($"{word} Qwx", word), ($"QWX, Qwx {word}", word), ($"Qwx_{upper}", upper) })
            {
                var problem = NameAndDateGuard.Problem(text);
                if (problem != $"looks like a person's name ('{found}' is a given name)")
                {
                    wrong.Add($"{text}: {problem ?? "accepted"}");
                }
            }
        }

        Assert.True(wrong.Count == 0, string.Join("; ", wrong));
    }

    [Theory]
    [InlineData("Jean-Pierre Qwx", "Jean")]
    [InlineData("Jan-Erik Qwx", "Jan")]
    public void GivenAHyphenatedGivenName_WhenChecked_ThenItsFirstPartIsTheGivenNameFound(string text, string word) =>
        Assert.Equal($"looks like a person's name ('{word}' is a given name)", NameAndDateGuard.Problem(text));
}
