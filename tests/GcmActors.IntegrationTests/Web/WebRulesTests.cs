using System.Text;
using GcmActors.Host.Api;
using GcmActors.Host.Security;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;

namespace GcmActors.IntegrationTests.Web;

/// <summary>The pure parts behind the web app: sign-in links and the CSV of the member table.</summary>
[Trait("Category", "Fast")]
public sealed class WebRulesTests
{
    [Theory]
    [InlineData("ministry", "LBN", "http://127.0.0.1:5080/ministry/2020/LBN#token=T")]
    [InlineData("coorganizer", "arab", "http://127.0.0.1:5080/console/2020/arab#token=T")]
    [InlineData("viewer", null, "http://127.0.0.1:5080/dashboard/2020/arab#token=T")]
    public void SignInLink_PointsAtTheRolesPage_WithTheTokenOnlyInTheFragment(string role, string? scope, string expected)
    {
        Assert.Equal(expected, TokenCommand.SignInLink("http://127.0.0.1:5080/", role, scope, "2020", "arab", "T"));
    }

    [Fact]
    public void TokenCommand_WithLink_RefusesABaseThatIsNotAnHttpUrl()
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(
            new Dictionary<string, string?> { ["Gcm:DataDirectory"] = Path.Combine(Path.GetTempPath(), "gcm-link-" + Guid.NewGuid().ToString("N")) }).Build();

        var status = TokenCommand.Run(["--role", "viewer", "--link", "--base", "javascript:alert(1)"], configuration, output, error);

        Assert.Equal(2, status);
        Assert.Equal("", output.ToString());
        Assert.Contains("--base", error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void RegionCsv_QuotesFieldsWithCommasAndQuotes_AndEndsLinesWithCrLf()
    {
        var document = """
            {"members":[{"country":"BIH","name":"Bosnia, \"and\" Herzegovina","participation":"participating",
              "milestones":{"coordination-body-appointed":"completed","template-shared":"in-progress","data-collected":"not-started",
              "approved":"not-started","submitted":"not-started"},"lagging":true,"daysBehind":12,"missed":[],"version":3,
              "lastNudge":"2026-11-30T09:00:00+00:00"}]}
            """;

        var csv = Encoding.UTF8.GetString(RegionCsv.Write(Encoding.UTF8.GetBytes(document)));

        Assert.Equal(
            "country,name,participation,coordination-body-appointed,template-shared,data-collected,approved,submitted,lagging,daysBehind,lastNudge\r\n"
            + "BIH,\"Bosnia, \"\"and\"\" Herzegovina\",participating,completed,in-progress,not-started,not-started,not-started,true,12,2026-11-30T09:00:00+00:00\r\n",
            csv);
    }

    [Theory]
    [InlineData(null, "text/csv", RegionCsv.Format.Csv)]
    [InlineData(null, "text/csv, application/json", RegionCsv.Format.Json)]
    [InlineData(null, "*/*", RegionCsv.Format.Json)]
    [InlineData(null, null, RegionCsv.Format.Json)]
    [InlineData("csv", "application/json", RegionCsv.Format.Csv)]
    [InlineData("json", "text/csv", RegionCsv.Format.Json)]
    [InlineData("xml", null, RegionCsv.Format.Unknown)]
    public void RegionCsv_Negotiates_FormatFirstThenAccept(string? format, string? accept, RegionCsv.Format expected)
    {
        var context = new DefaultHttpContext();
        if (accept is not null)
        {
            context.Request.Headers.Accept = accept;
        }

        Assert.Equal(expected, RegionCsv.Negotiate(format, context.Request));
    }
}
