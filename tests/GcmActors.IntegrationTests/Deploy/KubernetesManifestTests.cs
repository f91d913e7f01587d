using GcmActors.Host.Hosting;
using GcmActors.Host.Operations;
using YamlDotNet.RepresentationModel;

namespace GcmActors.IntegrationTests.Deploy;

/// <summary>
/// deploy/k8s cannot be applied here (no cluster), so what the manifests promise is checked against the host
/// they run: the probe paths it serves, the management port the image sets, the cluster identity Kubernetes
/// hosting matches pods by, the RBAC that hosting needs, and the hardening of every pod.
/// </summary>
public sealed class KubernetesManifestTests
{
    private static readonly string Folder = Path.Combine(Podman.RepositoryRoot, "deploy", "k8s");

    private static readonly List<YamlMappingNode> Objects = Directory.GetFiles(Folder, "*.yaml")
        .Where(f => Path.GetFileName(f) != "kustomization.yaml")
        .SelectMany(f =>
        {
            var stream = new YamlStream();
            using var reader = File.OpenText(f);
            stream.Load(reader);
            return stream.Documents.Select(d => (YamlMappingNode)d.RootNode);
        })
        .ToList();

    [Fact]
    public void Kustomization_AppliesEveryManifest_ButTheSecretTemplate()
    {
        var stream = new YamlStream();
        using (var reader = File.OpenText(Path.Combine(Folder, "kustomization.yaml")))
        {
            stream.Load(reader);
        }

        var resources = Seq(stream.Documents[0].RootNode, "resources").Select(n => n.ToString()).Order().ToArray();
        var files = Directory.GetFiles(Folder, "*.yaml").Select(Path.GetFileName)
            .Where(f => f is not ("kustomization.yaml" or "secret.yaml")).Order().ToArray();
        Assert.Equal(files, resources);
    }

    [Theory]
    [InlineData("gcm-silo")]
    [InlineData("gcm-front")]
    public void Deployment_ProbesTheHostsHealthEndpoints_OnTheManagementPort_AndIsHardened(string name)
    {
        var pod = Map(Map(Named("Deployment", name), "spec", "template"), "spec");
        var container = (YamlMappingNode)Seq(pod, "containers").Single();

        Assert.Equal(Health.ReadyPath, Scalar(container, "readinessProbe", "httpGet", "path"));
        Assert.Equal(Health.LivePath, Scalar(container, "livenessProbe", "httpGet", "path"));
        Assert.Equal(Health.LivePath, Scalar(container, "startupProbe", "httpGet", "path"));
        var ports = Seq(container, "ports").Cast<YamlMappingNode>().ToDictionary(p => Scalar(p, "name"), p => Scalar(p, "containerPort"));
        Assert.Equal(DockerfileEnv("Gcm__Management__Port"), ports["management"]);
        Assert.Equal(new Uri(DockerfileEnv("Urls")).Port.ToString(System.Globalization.CultureInfo.InvariantCulture), ports["http"]);
        foreach (var probe in new[] { "readinessProbe", "livenessProbe", "startupProbe" })
        {
            Assert.Contains(Scalar(container, probe, "httpGet", "port"), ports.Keys);
        }

        Assert.Equal("true", Scalar(pod, "securityContext", "runAsNonRoot"));
        Assert.Equal("true", Scalar(container, "securityContext", "readOnlyRootFilesystem"));
        Assert.Equal("false", Scalar(container, "securityContext", "allowPrivilegeEscalation"));
        Assert.NotNull(Map(container, "resources", "requests"));
        Assert.NotNull(Map(container, "resources", "limits"));
        // The only writable path is an emptyDir; /data is the Secret with the signing key, read-only.
        var mounts = Seq(container, "volumeMounts").Cast<YamlMappingNode>().ToDictionary(m => Scalar(m, "mountPath"), m => Scalar(m, "name"));
        var volumes = Seq(pod, "volumes").Cast<YamlMappingNode>().ToDictionary(v => Scalar(v, "name"));
        Assert.True(volumes[mounts["/tmp"]].Children.ContainsKey("emptyDir"));
        Assert.Equal("gcm-actors", Scalar(volumes[mounts["/data"]], "secret", "secretName"));
        var secretKeys = Map(Named("Secret", "gcm-actors"), "stringData").Children.Keys.Select(k => k.ToString()).ToHashSet();
        Assert.Contains(Tokens(), secretKeys);
        Assert.Contains("connection-string", secretKeys);
        Assert.Contains(Named("PodDisruptionBudget", name), Objects);
    }

    [Fact]
    public void SiloPods_CarryTheClusterIdentity_AndMayWatchAndDeletePods_ForKubernetesHosting()
    {
        var deployment = Named("Deployment", "gcm-silo");
        var labels = Map(deployment, "spec", "template", "metadata", "labels");
        var defaults = new GcmOptions();
        Assert.Equal(defaults.ServiceId, Scalar(labels, "orleans/serviceId"));
        Assert.Equal(defaults.ClusterId, Scalar(labels, "orleans/clusterId"));

        var pod = Map(deployment, "spec", "template", "spec");
        var env = Seq((YamlMappingNode)Seq(pod, "containers").Single(), "env").Cast<YamlMappingNode>()
            .ToDictionary(e => Scalar(e, "name"), e => e.Children.TryGetValue("value", out var v) ? v.ToString() : "(from " + e.Children["valueFrom"] + ")");
        Assert.Equal("true", env["Gcm__Kubernetes__Enabled"]);
        Assert.Contains("POD_NAME", env.Keys);
        Assert.Contains("POD_NAMESPACE", env.Keys);
        Assert.Equal("$(POD_IP)", env["Gcm__AdvertisedAddress"]);

        var account = Scalar(pod, "serviceAccountName");
        var binding = Objects.Single(o => Scalar(o, "kind") == "RoleBinding"
                                          && Seq(o, "subjects").Cast<YamlMappingNode>().Any(s => Scalar(s, "name") == account));
        var role = Named("Role", Scalar(binding, "roleRef", "name"));
        var rule = Seq(role, "rules").Cast<YamlMappingNode>().Single(r => Seq(r, "resources").Any(x => x.ToString() == "pods"));
        Assert.Equal(["delete", "get", "list", "watch"], Seq(rule, "verbs").Select(v => v.ToString()).Order());
    }

    private static string Tokens() => GcmActors.Host.Security.Tokens.KeyFileName;

    /// <summary>A value the Dockerfile's ENV instruction sets (NAME=value).</summary>
    private static string DockerfileEnv(string name) => System.Text.RegularExpressions.Regex.Match(
        File.ReadAllText(Path.Combine(Podman.RepositoryRoot, "deploy", "Dockerfile")), $@"(?m)^(?:ENV)?\s+{name}=(\S+)").Groups[1].Value;

    private static YamlMappingNode Named(string kind, string name) =>
        Objects.Single(o => Scalar(o, "kind") == kind && Scalar(o, "metadata", "name") == name);

    private static YamlMappingNode Map(YamlNode node, params string[] path) =>
        (YamlMappingNode)path.Aggregate(node, (n, key) => ((YamlMappingNode)n).Children[new YamlScalarNode(key)]);

    private static YamlSequenceNode Seq(YamlNode node, params string[] path) =>
        (YamlSequenceNode)path.Aggregate(node, (n, key) => ((YamlMappingNode)n).Children[new YamlScalarNode(key)]);

    private static string Scalar(YamlNode node, params string[] path) =>
        ((YamlScalarNode)path.Aggregate(node, (n, key) => ((YamlMappingNode)n).Children[new YamlScalarNode(key)])).Value!;
}
