using System.Net;
using System.Net.Sockets;
using GcmActors.Host.Hosting;

namespace GcmActors.IntegrationTests.Cluster;

/// <summary>How a silo decides the address it advertises to the cluster (no traffic is sent).</summary>
public sealed class AdvertisedAddressTests
{
    [Fact]
    public void Auto_PicksAnUpNonLoopbackIPv4Address()
    {
        var ip = new GcmOptions { AdvertisedAddress = "auto" }.AdvertisedIp;

        Assert.Equal(AddressFamily.InterNetwork, ip.AddressFamily);
        Assert.False(IPAddress.IsLoopback(ip));
    }

    [Fact]
    public void AnExplicitAddress_IsTakenAsIs_AndANameIsRefused()
    {
        Assert.Equal(IPAddress.Parse("10.1.2.3"), new GcmOptions { AdvertisedAddress = "10.1.2.3" }.AdvertisedIp);
        Assert.Throws<InvalidOperationException>(() => new GcmOptions { AdvertisedAddress = "silo-1.local" }.AdvertisedIp);
    }
}
