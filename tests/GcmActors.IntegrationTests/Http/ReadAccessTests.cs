using GcmActors.Host.Security;

namespace GcmActors.IntegrationTests.Http;

/// <summary>Reads are open only while every listening address is loopback (unless configured). Pure: no host.</summary>
[Trait("Category", "Fast")]
public sealed class ReadAccessTests
{
    [Theory]
    [InlineData("http://localhost:5080", true)]
    [InlineData("http://127.0.0.1:5080", true)]
    [InlineData("http://127.8.9.10:5080", true)]
    [InlineData("http://[::1]:5080", true)]
    [InlineData("http://0.0.0.0:5080", false)]
    [InlineData("http://[::]:5080", false)]
    [InlineData("http://+:5080", false)]
    [InlineData("http://*:5080", false)]
    [InlineData("http://192.168.1.20:5080", false)]
    [InlineData("http://gcm.example.org:5080", false)]
    public void IsLoopback_RecognizesLoopbackAddressesOnly(string url, bool expected) =>
        Assert.Equal(expected, ReadAccess.IsLoopback(url));

    [Theory]
    [InlineData("auto", new[] { "http://127.0.0.1:5080", "http://[::1]:5080" }, false)]
    [InlineData("auto", new[] { "http://127.0.0.1:5080", "http://0.0.0.0:8080" }, true)]
    [InlineData("true", new[] { "http://127.0.0.1:5080" }, true)]
    [InlineData("false", new[] { "http://0.0.0.0:8080" }, false)]
    public void Decide_RequiresTokensUnlessEveryAddressIsLoopback(string mode, string[] addresses, bool requireToken)
    {
        var reads = new ReadAccess { Mode = ReadAccess.ParseMode(mode) };

        reads.Decide(addresses);

        Assert.Equal(requireToken, reads.RequireToken);
    }

    [Theory]
    [InlineData("sometimes")]
    [InlineData("1")]
    public void ParseMode_AnUnknownSetting_StopsTheStart(string setting) =>
        Assert.Throws<InvalidOperationException>(() => ReadAccess.ParseMode(setting));
}
