using GcmActors.Grains;

namespace GcmActors.UnitTests;

public class CountryCatalogTests
{
    public static TheoryData<string, string> LeagueOfArabStates => new()
    {
        { "DZA", "Algeria" }, { "BHR", "Bahrain" }, { "COM", "Comoros" }, { "DJI", "Djibouti" },
        { "EGY", "Egypt" }, { "IRQ", "Iraq" }, { "JOR", "Jordan" }, { "KWT", "Kuwait" },
        { "LBN", "Lebanon" }, { "LBY", "Libya" }, { "MRT", "Mauritania" }, { "MAR", "Morocco" },
        { "OMN", "Oman" }, { "PSE", "State of Palestine" }, { "QAT", "Qatar" }, { "SAU", "Saudi Arabia" },
        { "SOM", "Somalia" }, { "SDN", "Sudan" }, { "SYR", "Syrian Arab Republic" }, { "TUN", "Tunisia" },
        { "ARE", "United Arab Emirates" }, { "YEM", "Yemen" },
    };

    [Theory]
    [MemberData(nameof(LeagueOfArabStates))]
    public void Catalog_KnowsEveryLeagueOfArabStatesMember(string code, string name)
    {
        Assert.True(CountryCatalog.Default.Contains(code));
        Assert.Equal(name, CountryCatalog.Default.NameOf(code));
    }

    [Fact]
    public void LeagueOfArabStates_HasTwentyTwoDistinctMembers()
    {
        Assert.Equal(22, LeagueOfArabStates.Select(row => (string)row[0]).Distinct().Count());
    }

    [Fact]
    public void Catalog_NamesPalestineStateOfPalestine()
    {
        Assert.Equal("State of Palestine", CountryCatalog.Default.NameOf("PSE"));
    }

    [Theory]
    [InlineData("LBN", "LB")]
    [InlineData("PSE", "PS")]
    [InlineData("MAR", "MA")]
    [InlineData("ARE", "AE")]
    [InlineData("ESH", "EH")]
    public void Catalog_GivesTheAlpha2CodeThatPagesNameStatesWith(string code, string alpha2)
    {
        Assert.Equal(alpha2, CountryCatalog.Default.Alpha2Of(code));
    }

    [Fact]
    public void Catalog_HasOneDistinctTwoLetterCodeForEveryState()
    {
        var codes = CountryCatalog.Default.All.Select(c => CountryCatalog.Default.Alpha2Of(c.Code)).ToList();

        Assert.All(codes, c => Assert.Matches("^[A-Z]{2}$", c));
        Assert.Equal(codes.Count, codes.Distinct(StringComparer.Ordinal).Count());
    }

    [Theory]
    [InlineData("XXX")]
    [InlineData("lbn")]
    [InlineData("LB")]
    [InlineData("")]
    public void Catalog_RejectsUnknownCodes(string code)
    {
        Assert.False(CountryCatalog.Default.Contains(code));
        Assert.Equal(code, CountryCatalog.Default.NameOf(code));
    }
}
