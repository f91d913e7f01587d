using GcmActors.Host.Security;

namespace GcmActors.IntegrationTests.Http;

/// <summary>The signing key in the data directory, as several processes of a cluster create and read it.</summary>
public sealed class TokensTests
{
    [Fact]
    public void LoadOrCreate_FromManyStartersAtOnce_AllGetTheSameCompleteKey()
    {
        // Many rounds of starters released together: a reader that could see a half-written key would.
        for (var round = 0; round < 50; round++)
        {
            var directory = Path.Combine(Path.GetTempPath(), "gcm-keys-" + Guid.NewGuid().ToString("N"));
            try
            {
                const int starters = 6;
                using var gate = new Barrier(starters);
                var keys = new byte[starters][];
                var threads = Enumerable.Range(0, starters).Select(i => new Thread(() =>
                {
                    gate.SignalAndWait();
                    keys[i] = Tokens.LoadOrCreate(directory).Key.Key;
                })).ToList();
                threads.ForEach(t => t.Start());
                threads.ForEach(t => t.Join());

                Assert.All(keys, key => Assert.Equal(64, key?.Length));
                Assert.Single(keys.Select(Convert.ToHexString).Distinct());
                Assert.Equal([Tokens.KeyFileName], Directory.GetFiles(directory).Select(Path.GetFileName));
            }
            finally
            {
                Directory.Delete(directory, recursive: true);
            }
        }
    }
}
