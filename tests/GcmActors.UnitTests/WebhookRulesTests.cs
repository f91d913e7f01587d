using System.Net;
using GcmActors.Contracts;
using GcmActors.Grains;

namespace GcmActors.UnitTests;

public class WebhookRulesTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 1, 9, 0, 0, TimeSpan.Zero);
    private static readonly WebhookRules.AddressPolicy NoExemptions = new([], []);

    [Theory]
    [InlineData("127.0.0.1", "loopback")]
    [InlineData("127.255.255.254", "loopback")]
    [InlineData("10.1.2.3", "private")]
    [InlineData("172.16.0.1", "private")]
    [InlineData("172.31.255.255", "private")]
    [InlineData("192.168.1.1", "private")]
    [InlineData("169.254.169.254", "link-local")]
    [InlineData("100.64.0.1", "carrier-grade NAT")]
    [InlineData("100.127.255.255", "carrier-grade NAT")]
    [InlineData("0.0.0.0", "unspecified")]
    [InlineData("224.0.0.1", "multicast")]
    [InlineData("255.255.255.255", "broadcast")]
    [InlineData("240.0.0.1", "reserved")]
    [InlineData("::1", "loopback")]
    [InlineData("::", "unspecified")]
    [InlineData("fe80::1", "link-local")]
    [InlineData("fc00::1", "unique-local")]
    [InlineData("fd12:3456::1", "unique-local")]
    [InlineData("ff02::1", "multicast")]
    [InlineData("::ffff:127.0.0.1", "loopback")]
    [InlineData("::ffff:169.254.169.254", "link-local")]
    [InlineData("::10.0.0.1", "private")]
    [InlineData("64:ff9b::a00:1", "private")]
    [InlineData("2002:a00:1::", "private")]
    public void InternalKind_NamesEveryInternalRange(string address, string kind) =>
        Assert.Equal(kind, WebhookRules.InternalKind(IPAddress.Parse(address)));

    [Theory]
    [InlineData("93.184.215.14")]
    [InlineData("8.8.8.8")]
    [InlineData("172.32.0.1")]
    [InlineData("100.128.0.1")]
    [InlineData("2a00:1450:4007:80e::200e")]
    [InlineData("::ffff:8.8.8.8")]
    public void InternalKind_LetsPublicAddressesThrough(string address) =>
        Assert.Null(WebhookRules.InternalKind(IPAddress.Parse(address)));

    [Theory]
    [InlineData("https://2130706433/hook")]
    [InlineData("https://0x7f000001/hook")]
    [InlineData("https://0177.0.0.1/hook")]
    [InlineData("https://017700000001/hook")]
    [InlineData("https://127.1/hook")]
    [InlineData("https://0/hook")]
    [InlineData("https://[::ffff:7f00:1]/hook")]
    [InlineData("https://127。0。0。1/hook")]
    public void OtherSpellingsOfLoopback_ParseToLoopback(string url)
    {
        var (uri, refusal) = WebhookRules.CheckUrl(url);
        Assert.Null(refusal);
        Assert.NotNull(WebhookRules.AddressRefusal(uri!.IdnHost, IPAddress.Parse(uri.IdnHost), NoExemptions));
    }

    [Theory]
    [InlineData(null, "needs a url")]
    [InlineData("mofa.example.lb/hook", "absolute https")]
    [InlineData("ftp://mofa.example.lb/hook", "absolute https")]
    [InlineData("https://user:secret@mofa.example.lb/hook", "user name or password")]
    [InlineData("https://user@mofa.example.lb/hook", "user name or password")]
    [InlineData("https://@mofa.example.lb/hook", "user name or password")]
    [InlineData("https://mofa.example.lb/hook#part", "fragment")]
    [InlineData("https://localhost/hook", "this machine")]
    [InlineData("https://api.LOCALHOST./hook", "this machine")]
    public void CheckUrl_RefusesWhatCannotBeAWebhook(string? url, string reason)
    {
        var (uri, refusal) = WebhookRules.CheckUrl(url);
        Assert.Null(uri);
        Assert.Contains(reason, refusal, StringComparison.Ordinal);
    }

    [Fact]
    public void CheckUrl_RefusesUrlsLongerThan2048Characters()
    {
        var longest = "https://mofa.example.lb/" + new string('a', WebhookRules.MaxUrlLength - 24);
        Assert.Null(WebhookRules.CheckUrl(longest).Refusal);
        Assert.Contains("2048", WebhookRules.CheckUrl(longest + "a").Refusal, StringComparison.Ordinal);
    }

    [Fact]
    public void HttpIsAllowedOnlyForHostsTheOperatorAllowed()
    {
        var uri = new Uri("http://127.0.0.1:8080/hook");
        Assert.NotNull(WebhookRules.SchemeRefusal(uri, hostAllowed: true, allowHttp: false));
        Assert.NotNull(WebhookRules.SchemeRefusal(uri, hostAllowed: false, allowHttp: true));
        Assert.Null(WebhookRules.SchemeRefusal(uri, hostAllowed: true, allowHttp: true));
    }

    [Fact]
    public void AddressPolicy_ExemptsNamedHostsAndRanges()
    {
        var policy = WebhookRules.AddressPolicy.From(new WebhookOptions { AllowedHosts = ["receiver.internal"], AllowedNetworks = ["127.0.0.1/32", "10.20.0.0/16"] });
        Assert.Null(WebhookRules.AddressRefusal("x", IPAddress.Loopback, policy));
        Assert.Null(WebhookRules.AddressRefusal("x", IPAddress.Parse("::ffff:127.0.0.1"), policy));
        Assert.Null(WebhookRules.AddressRefusal("x", IPAddress.Parse("10.20.3.4"), policy));
        Assert.Null(WebhookRules.AddressRefusal("RECEIVER.internal.", IPAddress.Parse("10.9.9.9"), policy));
        Assert.NotNull(WebhookRules.AddressRefusal("x", IPAddress.Parse("127.0.0.2"), policy));
        Assert.NotNull(WebhookRules.AddressRefusal("x", IPAddress.Parse("10.21.0.1"), policy));
    }

    [Fact]
    public void Secrets_AreWhsecBase64Of24To64Bytes_AndGeneratedOnesAreValid()
    {
        var generated = WebhookRules.NewSecret();
        Assert.StartsWith("whsec_", generated, StringComparison.Ordinal);
        Assert.Null(WebhookRules.SecretRefusal(generated));
        Assert.Equal(32, WebhookRules.SecretKey(generated).Length);
        Assert.NotEqual(generated, WebhookRules.NewSecret());

        Assert.Null(WebhookRules.SecretRefusal("whsec_" + Convert.ToBase64String(new byte[24])));
        Assert.Null(WebhookRules.SecretRefusal("whsec_" + Convert.ToBase64String(new byte[64])));
        Assert.NotNull(WebhookRules.SecretRefusal("whsec_" + Convert.ToBase64String(new byte[23])));
        Assert.NotNull(WebhookRules.SecretRefusal("whsec_" + Convert.ToBase64String(new byte[65])));
        Assert.NotNull(WebhookRules.SecretRefusal(Convert.ToBase64String(new byte[32])));
        Assert.NotNull(WebhookRules.SecretRefusal("whsec_not base64!"));
    }

    [Fact]
    public void DefaultSchedule_GoesFromSecondsToHours_OverAboutADay_ThenFails()
    {
        var options = new WebhookOptions();
        var waits = Enumerable.Range(1, options.MaxAttempts - 1).Select(n => WebhookRules.RetryDelay(n, options, sample: 0.5)).ToList();

        Assert.Equal(
            [5, 25, 125, 625, 3125, 15625, 28800, 28800],
            waits.Select(w => (int)Math.Round(w.TotalSeconds)));
        var total = waits.Aggregate(TimeSpan.Zero, (a, b) => a + b);
        Assert.InRange(total.TotalHours, 18, 30);

        var delivery = WebhookRules.NewDelivery(Now);
        for (var attempt = 1; attempt < options.MaxAttempts; attempt++)
        {
            delivery = WebhookRules.AfterAttempt(delivery, new AttemptResult(500), Now, options, 0.5);
            Assert.Equal((DeliveryStatus.Pending, attempt, 500), (delivery.Status, delivery.Attempts, delivery.LastStatus));
            Assert.Equal(Now + waits[attempt - 1], delivery.NextAttemptAt);
        }

        delivery = WebhookRules.AfterAttempt(delivery, new AttemptResult(null, "connection failed: ConnectionRefused"), Now, options, 0.5);
        Assert.Equal(new WebhookDelivery(DeliveryStatus.Failed, options.MaxAttempts, null, Now, null, "connection failed: ConnectionRefused"), delivery);
    }

    [Fact]
    public void Jitter_SpreadsEachWaitWithinItsShare()
    {
        var options = new WebhookOptions { Jitter = 0.2 };
        Assert.Equal(4, WebhookRules.RetryDelay(1, options, 0).TotalSeconds, 6);
        Assert.Equal(6, WebhookRules.RetryDelay(1, options, 1).TotalSeconds, 6);
        Assert.Equal(28800 * 1.2, WebhookRules.RetryDelay(30, options, 1).TotalSeconds, 3);
    }

    [Fact]
    public void AfterAttempt_Delivers2xx_FailsOn410_AndHonoursRetryAfter()
    {
        var options = new WebhookOptions();
        var pending = new WebhookDelivery(DeliveryStatus.Pending, 2, Now, Now.AddSeconds(-30), 500, "answered 500");

        Assert.Equal(new WebhookDelivery(DeliveryStatus.Delivered, 3, null, Now, 204, null, Now),
            WebhookRules.AfterAttempt(pending, new AttemptResult(204), Now, options, 0.5));
        Assert.Equal((DeliveryStatus.Failed, 3), WebhookRules.AfterAttempt(pending, new AttemptResult(410), Now, options, 0.5) is var gone
            ? (gone.Status, gone.Attempts) : default);
        Assert.Equal(Now.AddMinutes(30),
            WebhookRules.AfterAttempt(pending, new AttemptResult(429, RetryAfter: TimeSpan.FromMinutes(30)), Now, options, 0.5).NextAttemptAt);
        Assert.Equal(Now + options.MaxRetryDelay,
            WebhookRules.AfterAttempt(pending, new AttemptResult(503, RetryAfter: TimeSpan.FromDays(3)), Now, options, 0.5).NextAttemptAt);
        Assert.Contains("redirects are not followed", WebhookRules.AfterAttempt(pending, new AttemptResult(307), Now, options, 0.5).LastError, StringComparison.Ordinal);
    }

    [Fact]
    public void Resend_RestartsAFailedDelivery_AndRefusesADeliveredOne()
    {
        var failed = new WebhookDelivery(DeliveryStatus.Failed, 9, null, Now.AddHours(-1), 500, "answered 500");
        Assert.Equal(failed with { Status = DeliveryStatus.Pending, Attempts = 0, NextAttemptAt = Now }, WebhookRules.Resend(failed, true, Now).Next);
        Assert.NotNull(WebhookRules.Resend(failed, false, Now).Refusal);
        Assert.NotNull(WebhookRules.Resend(failed with { Status = DeliveryStatus.Delivered }, true, Now).Refusal);
        Assert.Equal((null, null), WebhookRules.Resend(failed with { Status = DeliveryStatus.Pending }, true, Now));
    }

    [Fact]
    public void WebhookChanges_AreInTheHistory_WithoutSecrets_AndDoNotBumpTheVersion()
    {
        var state = new ReviewState { Version = 4, HistoryCount = 6, Regions = ["2020/arab"] };
        var endpoint = new WebhookEndpoint("https://user:x@mofa.example.lb/hook?token=abc", [new SigningSecret("protected-1", Now)], Now, "ministry:LBN");

        var registered = WebhookRules.RegisterWebhook(state, endpoint, secretSupplied: false, "ministry:LBN", Now);
        var (rotated, refusal) = WebhookRules.RotateWebhookSecret(registered, new SigningSecret("protected-2", Now), Now.AddHours(24), Now, "ministry:LBN", Now);
        var removed = WebhookRules.RemoveWebhook(rotated!, "admin", Now);

        Assert.Null(refusal);
        var entries = new[] { registered, rotated!, removed! }.Select(s => Assert.Single(s.LastChange)).ToList();
        Assert.Equal([7L, 8L, 9L], entries.Select(e => e.Sequence));
        Assert.All(entries, e => Assert.Equal(4, e.Version));
        Assert.Equal(4, removed!.Version);
        Assert.Equal(("webhook", null, "https://mofa.example.lb/hook"), (entries[0].Field, entries[0].From, entries[0].To));
        Assert.Equal(("webhook.secret", "ministry:LBN"), (entries[1].Field, entries[1].Actor));
        Assert.Equal(("webhook", "https://mofa.example.lb/hook", null), (entries[2].Field, entries[2].From, entries[2].To));
        Assert.All(entries, e => Assert.DoesNotContain("protected", $"{e}", StringComparison.Ordinal));
        Assert.Null(removed.Endpoint);
    }

    [Fact]
    public void Rotation_SignsWithBothSecretsDuringTheGracePeriod_ThenOnlyTheNewOne()
    {
        var state = new ReviewState { Endpoint = new WebhookEndpoint("https://mofa.example.lb/hook", [new SigningSecret("old", Now.AddDays(-3))], Now, "ministry:LBN") };

        var (rotated, _) = WebhookRules.RotateWebhookSecret(state, new SigningSecret("new", Now), Now.AddHours(24), Now, "ministry:LBN", Now);
        var (immediate, _) = WebhookRules.RotateWebhookSecret(state, new SigningSecret("new", Now), Now, Now, "ministry:LBN", Now);

        Assert.Equal(["new", "old"], rotated!.Endpoint!.SigningAt(Now.AddHours(23)).Select(s => s.Protected));
        Assert.Equal(["new"], rotated.Endpoint.SigningAt(Now.AddHours(24)).Select(s => s.Protected));
        Assert.Equal(["new"], immediate!.Endpoint!.Secrets.Select(s => s.Protected));
        Assert.Equal<WebhookSecretInfo>([new WebhookSecretInfo(Now, null), new WebhookSecretInfo(Now.AddDays(-3), Now.AddHours(24))], rotated.Endpoint.ToView(Now).Secrets.AsEnumerable());
    }

    [Fact]
    public void RemovingTheWebhook_EndsWhatWasDueAsFailed()
    {
        var nudge = new Nudge("arab-1", "arab", "coorganizer:arab", "Please", Now, Delivery: WebhookRules.NewDelivery(Now));
        var state = new ReviewState { Nudges = [nudge], Endpoint = new WebhookEndpoint("https://mofa.example.lb/hook", [], Now, "m") };

        var removed = WebhookRules.RemoveWebhook(state, "m", Now)!;

        Assert.Equal((DeliveryStatus.Failed, "the webhook was removed"), (removed.Nudges[0].Delivery!.Status, removed.Nudges[0].Delivery!.LastError));
        Assert.Null(WebhookRules.NextAttemptAt(removed));
    }

    [Fact]
    public void LegacyWebhook_MovesToTheEncryptedEndpoint_AndItsPendingIdsBecomeDeliveries()
    {
        var nudge = new Nudge("arab-1", "arab", "coorganizer:arab", "Please", Now);
        var legacy = new ReviewState { Nudges = [nudge], Webhook = new Webhook("https://mofa.example.lb/hook", "plain-text-secret-16"), PendingDeliveries = ["arab-1"] };

        var moved = WebhookRules.MoveLegacyWebhook(legacy, s => "protected:" + s.Length, Now)!;

        Assert.Null(moved.Webhook);
        Assert.Empty(moved.PendingDeliveries);
        Assert.Equal("https://mofa.example.lb/hook", moved.Endpoint!.Url);
        Assert.Equal("protected:" + WebhookRules.FromLegacySecret("plain-text-secret-16").Length, moved.Endpoint.Secrets.Single().Protected);
        Assert.Equal(WebhookRules.NewDelivery(Now), moved.Nudges[0].Delivery);
        Assert.Null(WebhookRules.MoveLegacyWebhook(moved, s => s, Now));
    }

    [Fact]
    public void Redact_KeepsSchemeHostPortAndPathOnly() =>
        Assert.Equal("https://mofa.example.lb:8443/gcm/hook", WebhookRules.Redact("https://user:pw@mofa.example.lb:8443/gcm/hook?token=abc#x"));
}
