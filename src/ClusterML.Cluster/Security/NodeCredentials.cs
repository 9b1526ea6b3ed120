using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using ClusterML.Core.Validation;

namespace ClusterML.Cluster.Security;

/// <summary>
/// A node's TLS identity: the cluster's CA certificate (the only trust anchor), this node's certificate with its private key,
/// and the roles the certificate allows. Read from a folder written by <c>clusterml cert issue</c>.
/// </summary>
public sealed class NodeCredentials
{
    private NodeCredentials(X509Certificate2 authority, X509Certificate2 certificate, IReadOnlyList<string> roles, string folder)
    {
        (Certificate, Roles, Folder) = (certificate, roles, folder);
        Trust = new ClusterTrust(authority);
    }

    /// <summary>This node's certificate, with its private key.</summary>
    public X509Certificate2 Certificate { get; }

    /// <summary>The roles this node's certificate allows.</summary>
    public IReadOnlyList<string> Roles { get; }

    public ClusterTrust Trust { get; }

    public string Folder { get; }

    /// <summary>Reads <c>ca.crt</c>, <c>node.crt</c> and <c>node.key</c> from <paramref name="folder"/>; bad files are bad input of <paramref name="field"/>.</summary>
    public static NodeCredentials Load(string folder, string field = "--tls")
    {
        if (!Directory.Exists(folder))
        {
            throw new InvalidInputException(field, $"folder '{folder}' does not exist; create it with clusterml cert issue --ca CA_DIR --name NODE --roles ROLES --out {folder}");
        }
        var caPath = Path.Combine(folder, ClusterCertificates.AuthorityCertificateFile);
        var certPath = Path.Combine(folder, ClusterCertificates.NodeCertificateFile);
        var keyPath = Path.Combine(folder, ClusterCertificates.NodeKeyFile);
        foreach (var path in new[] { caPath, certPath, keyPath })
        {
            if (!File.Exists(path))
            {
                throw new InvalidInputException(field, $"'{path}' is missing; a node folder holds {ClusterCertificates.AuthorityCertificateFile}, {ClusterCertificates.NodeCertificateFile} and {ClusterCertificates.NodeKeyFile} (clusterml cert issue writes them)");
            }
        }
        X509Certificate2 authority;
        X509Certificate2 certificate;
        try
        {
            authority = X509Certificate2.CreateFromPem(File.ReadAllText(caPath));
            certificate = ClusterCertificates.LoadWithKey(certPath, keyPath);
        }
        catch (CryptographicException e)
        {
            throw new InvalidInputException(field, $"cannot read the certificates in '{folder}': {e.Message}");
        }
        if (certificate.GetECDsaPublicKey() is null)
        {
            throw new InvalidInputException(field, $"'{certPath}' does not hold an ECDSA certificate of clusterml cert issue");
        }
        var roles = ClusterCertificates.Roles(certificate)
            ?? throw new InvalidInputException(field, $"'{certPath}' carries no ClusterML roles; issue it with clusterml cert issue");
        return new NodeCredentials(authority, certificate, roles, folder);
    }
}
