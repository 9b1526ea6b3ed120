using System.CommandLine;
using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.RegularExpressions;
using ClusterML.Cli.Hosting;
using ClusterML.Cluster.Security;
using ClusterML.Core.Validation;

namespace ClusterML.Cli.Commands;

/// <summary><c>clusterml cert init|issue</c>: the cluster's private CA and the node certificates nodes take with <c>--tls</c>.</summary>
internal static partial class CertCommand
{
    public static Command Create(CommandRunner runner)
    {
        var cert = new Command("cert", "Certificates for a secured cluster: a private CA (cert init) and one certificate per node (cert issue) carrying the roles it may take.");
        cert.Subcommands.Add(CreateInit(runner));
        cert.Subcommands.Add(CreateIssue(runner));
        return cert;
    }

    /// <summary>Certificates are valid from a few minutes ago, so clocks a little behind still accept a new one.</summary>
    private static readonly TimeSpan ClockSkew = TimeSpan.FromMinutes(5);

    private static Option<bool> Force() => new("--force") { Description = "Replace files that exist already." };

    private static Command CreateInit(CommandRunner runner)
    {
        var output = new Option<string>("--out") { Description = "Folder for ca.crt (give it to every node) and ca.key (keep it secret, offline if you can).", Required = true };
        var name = new Option<string>("--name") { Description = "Common name of the CA.", DefaultValueFactory = _ => "clusterml-ca" };
        var days = new Option<int>("--days") { Description = "Validity in days.", DefaultValueFactory = _ => 3650 };
        var force = Force();
        var command = new Command("init", "Create the cluster's certificate authority (ECDSA P-256, self-signed, 10 years by default).") { output, name, days, force };
        runner.SetAction(command, (context, _) =>
        {
            var p = context.Parse;
            var folder = CommonOptions.RequiredPath(p, output);
            var caName = Name("--name", p.GetValue(name));
            var validDays = Require.AtLeast("--days", p.GetValue(days), 1);
            var certPath = Path.Combine(folder, ClusterCertificates.AuthorityCertificateFile);
            var keyPath = Path.Combine(folder, ClusterCertificates.AuthorityKeyFile);
            RefuseOverwrite(p.GetValue(force), certPath, keyPath);
            Directory.CreateDirectory(folder);
            var now = DateTimeOffset.UtcNow;
            using var authority = ClusterCertificates.CreateAuthority(caName, now - ClockSkew, now.AddDays(Math.Min(validDays, 36_500)));
            ClusterCertificates.WriteFile(keyPath, ClusterCertificates.PrivateKeyPem(authority), isPrivate: true, force: p.GetValue(force));
            ClusterCertificates.WriteFile(certPath, ClusterCertificates.CertificatePem(authority), isPrivate: false, force: p.GetValue(force));
            context.Out.WriteLine($"CA '{caName}' valid until {authority.NotAfter.ToUniversalTime():yyyy-MM-dd}: {certPath}, private key {keyPath} (mode 0600; keep it off the nodes)");
            context.Out.WriteLine($"Next, for each node: clusterml cert issue --ca {folder} --name NODE --roles worker --out NODE_DIR");
            return Task.FromResult(ExitCodes.Ok);
        });
        return command;
    }

    private static Command CreateIssue(CommandRunner runner)
    {
        var ca = new Option<string>("--ca") { Description = "The CA folder written by cert init (ca.crt and ca.key).", Required = true };
        var name = new Option<string>("--name") { Description = "Node name (a host name: letters, digits, '-' and '.'); the certificate's CN and DNS name.", Required = true };
        var roles = new Option<string>("--roles") { Description = "Roles the node may take: worker, coordinator, aggregator (comma-separated).", Required = true };
        var ips = CommonOptions.List("--ip", "IP addresses of the node to list in the certificate (comma-separated; informational: nodes do not check host names).");
        var output = new Option<string>("--out") { Description = "Folder for the node's ca.crt, node.crt and node.key (pass it to the node with --tls).", Required = true };
        var days = new Option<int>("--days") { Description = "Validity in days (capped at the CA's own expiry).", DefaultValueFactory = _ => 365 };
        var force = Force();
        var command = new Command("issue", "Issue a node certificate signed by the cluster's CA, allowing the given roles.") { ca, name, roles, ips, output, days, force };
        runner.SetAction(command, (context, _) =>
        {
            var p = context.Parse;
            var caFolder = CommonOptions.RequiredPath(p, ca);
            var nodeName = Name("--name", p.GetValue(name));
            var allowed = Roles(p.GetValue(roles));
            var addresses = (p.GetValue(ips) ?? []).Select(ip => IPAddress.TryParse(ip, out var address)
                ? address
                : throw new InvalidInputException("--ip", $"'{ip}' is not an IP address")).ToList();
            var validDays = Require.AtLeast("--days", p.GetValue(days), 1);
            var folder = CommonOptions.RequiredPath(p, output);
            using var authority = LoadAuthority(caFolder);
            var paths = new[] { ClusterCertificates.AuthorityCertificateFile, ClusterCertificates.NodeCertificateFile, ClusterCertificates.NodeKeyFile }
                .Select(f => Path.Combine(folder, f)).ToArray();
            RefuseOverwrite(p.GetValue(force), paths);
            var now = DateTimeOffset.UtcNow;
            using var node = ClusterCertificates.IssueNode(authority, nodeName, allowed, addresses, now - ClockSkew, now.AddDays(Math.Min(validDays, 36_500)));
            WriteNode(folder, authority, node, p.GetValue(force));
            context.Out.WriteLine($"Certificate for {nodeName} (roles {string.Join(",", allowed)}) valid until {node.NotAfter.ToUniversalTime():yyyy-MM-dd} in {folder}; start the node with --tls {folder}");
            return Task.FromResult(ExitCodes.Ok);
        });
        return command;
    }

    /// <summary>Writes a node folder: the CA certificate, the node certificate and its private key (mode 0600).</summary>
    public static void WriteNode(string folder, X509Certificate2 authority, X509Certificate2 node, bool force)
    {
        Directory.CreateDirectory(folder);
        ClusterCertificates.WriteFile(Path.Combine(folder, ClusterCertificates.NodeKeyFile), ClusterCertificates.PrivateKeyPem(node), isPrivate: true, force);
        ClusterCertificates.WriteFile(Path.Combine(folder, ClusterCertificates.NodeCertificateFile), ClusterCertificates.CertificatePem(node), isPrivate: false, force);
        ClusterCertificates.WriteFile(Path.Combine(folder, ClusterCertificates.AuthorityCertificateFile), ClusterCertificates.CertificatePem(authority), isPrivate: false, force);
    }

    /// <summary>The CA certificate with its private key from a folder written by cert init.</summary>
    public static X509Certificate2 LoadAuthority(string folder)
    {
        var certPath = Path.Combine(folder, ClusterCertificates.AuthorityCertificateFile);
        var keyPath = Path.Combine(folder, ClusterCertificates.AuthorityKeyFile);
        if (!Directory.Exists(folder))
        {
            throw new InvalidInputException("--ca", $"folder '{folder}' does not exist; create the CA with clusterml cert init --out {folder}");
        }
        foreach (var path in new[] { certPath, keyPath })
        {
            if (!File.Exists(path))
            {
                throw new InvalidInputException("--ca", $"'{path}' is missing; the CA folder written by clusterml cert init holds ca.crt and ca.key");
            }
        }
        try
        {
            var authority = X509Certificate2.CreateFromPemFile(certPath, keyPath);
            if (authority.Extensions.OfType<X509BasicConstraintsExtension>().FirstOrDefault() is not { CertificateAuthority: true })
            {
                authority.Dispose();
                throw new InvalidInputException("--ca", $"'{certPath}' is not a CA certificate");
            }
            return authority;
        }
        catch (CryptographicException e)
        {
            throw new InvalidInputException("--ca", $"cannot read the CA in '{folder}': {e.Message}");
        }
    }

    private static void RefuseOverwrite(bool force, params string[] paths)
    {
        if (!force && paths.FirstOrDefault(File.Exists) is { } existing)
        {
            throw new InvalidInputException("--out", $"'{existing}' exists already; use --force to replace it");
        }
    }

    private static string Name(string field, string? name) =>
        name is { Length: > 0 and <= 253 } && HostName().IsMatch(name)
            ? name
            : throw new InvalidInputException(field, $"'{name}' is not a valid name: use a host name of letters, digits, '-' and '.' (e.g. gpu-01.lab)");

    private static string[] Roles(string? roles)
    {
        var list = (roles ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Distinct().ToArray();
        if (list.Length == 0 || list.Any(r => !ClusterHostOptions.AllRoles.Contains(r)))
        {
            throw new InvalidInputException("--roles", $"'{roles}' is not a list of roles; use some of {string.Join(", ", ClusterHostOptions.AllRoles)}");
        }
        return list;
    }

    [GeneratedRegex(@"^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$")]
    private static partial Regex HostName();
}
