namespace GcmActors.Host.Operations;

/// <summary>
/// <c>Gcm:Kubernetes:Enabled</c>: the silo runs in a Kubernetes pod and uses <c>Microsoft.Orleans.Hosting.Kubernetes</c>:
/// it names itself after its pod (POD_NAME, POD_NAMESPACE, POD_IP), watches the pods of its cluster and, with
/// <c>Gcm:Kubernetes:DeleteDefunctSiloPods</c>, deletes the pod of a silo the cluster declared dead (RBAC: pods
/// get, list, watch, delete). Membership stays in PostgreSQL.
/// </summary>
public sealed class KubernetesOptions
{
    public bool Enabled { get; set; }

    public bool DeleteDefunctSiloPods { get; set; }

    public static void Configure(ISiloBuilder silo, KubernetesOptions options)
    {
        if (!options.Enabled)
        {
            return;
        }

        silo.UseKubernetesHosting(o => o.Configure(k => k.DeleteDefunctSiloPods = options.DeleteDefunctSiloPods));
    }
}
