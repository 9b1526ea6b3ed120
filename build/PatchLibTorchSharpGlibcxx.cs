// Inline MSBuild task (RoslynCodeTaskFactory) used by TorchSharpNativeFix.targets. Plain C#, no dependencies.
#nullable enable
// Compiled by MSBuild against netstandard2.0: no newer BCL APIs here.
// See the targets file and shared/notes/torchsharp-linux.md for why it exists.
using System;
using System.Collections.Generic;
using System.IO;
using System.Text;
using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;

public sealed class PatchLibTorchSharpGlibcxx : Task
{
    private const string NeededVersion = "GLIBCXX_3.4.32";
    private const string MarkerSymbol = "_ZSt21ios_base_library_initv";
    private const uint ShtDynsym = 11;
    private const uint ShtGnuVerneed = 0x6ffffffe;
    private const uint ShtGnuVersym = 0x6fffffff;
    private const ushort VerFlgWeak = 0x2;
    private const byte StbWeak = 2;

    [Required]
    public ITaskItem[] Files { get; set; } = Array.Empty<ITaskItem>();

    public override bool Execute()
    {
        var hostLib = FindHostLibStdCxx();
        if (hostLib != null && Contains(File.ReadAllBytes(hostLib), Encoding.ASCII.GetBytes(NeededVersion)))
        {
            Log.LogMessage(MessageImportance.Low, "{0} provides {1}: libLibTorchSharp.so left as shipped.", hostLib, NeededVersion);
            return true;
        }

        foreach (var item in Files)
        {
            var path = item.GetMetadata("FullPath");
            try
            {
                var bytes = File.ReadAllBytes(path);
                var changed = Patch(bytes, out var message);
                if (message != null)
                {
                    Log.LogError("Cannot adapt {0} to this host's libstdc++ ({1}): {2}", path, hostLib ?? "not found", message);
                    return false;
                }
                if (!changed)
                {
                    continue;
                }
                // Write a new file and rename it over the old one, so a hard link into the NuGet cache is replaced, not edited.
                var temp = path + ".clusterml-patch.tmp";
                File.WriteAllBytes(temp, bytes);
                File.Replace(temp, path, null);
                Log.LogMessage(MessageImportance.Normal, "Patched {0}: {1} requirement made weak ({2} lacks it).", path, NeededVersion, hostLib ?? "libstdc++.so.6");
            }
            catch (IOException ex)
            {
                Log.LogError("Cannot patch {0}: {1}", path, ex.Message);
                return false;
            }
        }
        return true;
    }

    private static string? FindHostLibStdCxx()
    {
        var dirs = new List<string>();
        var ldPath = Environment.GetEnvironmentVariable("LD_LIBRARY_PATH");
        if (!string.IsNullOrEmpty(ldPath))
        {
            dirs.AddRange(ldPath.Split(new[] { ':' }, StringSplitOptions.RemoveEmptyEntries));
        }
        dirs.AddRange(new[]
        {
            "/usr/lib/x86_64-linux-gnu", "/lib/x86_64-linux-gnu", "/usr/lib64", "/lib64", "/usr/lib", "/lib",
            "/usr/lib/aarch64-linux-gnu", "/lib/aarch64-linux-gnu",
        });
        foreach (var dir in dirs)
        {
            var candidate = Path.Combine(dir, "libstdc++.so.6");
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }
        return null;
    }

    private static bool Contains(byte[] haystack, byte[] needle)
    {
        for (var i = 0; i + needle.Length <= haystack.Length; i++)
        {
            var j = 0;
            while (j < needle.Length && haystack[i + j] == needle[j])
            {
                j++;
            }
            if (j == needle.Length)
            {
                return true;
            }
        }
        return false;
    }

    /// <summary>Edits an ELF64 little-endian image in place. Returns true when bytes changed; sets message on malformed input.</summary>
    private static bool Patch(byte[] elf, out string? message)
    {
        message = null;
        if (elf.Length < 64 || elf[0] != 0x7f || elf[1] != (byte)'E' || elf[2] != (byte)'L' || elf[3] != (byte)'F' || elf[4] != 2 || elf[5] != 1)
        {
            message = "not an ELF64 little-endian file";
            return false;
        }
        var shoff = (long)BitConverter.ToUInt64(elf, 0x28);
        int shentsize = BitConverter.ToUInt16(elf, 0x3A);
        int shnum = BitConverter.ToUInt16(elf, 0x3C);
        long Header(int index) => shoff + (long)index * shentsize;
        uint Type(int index) => BitConverter.ToUInt32(elf, (int)Header(index) + 4);
        long Offset(int index) => (long)BitConverter.ToUInt64(elf, (int)Header(index) + 24);
        long Size(int index) => (long)BitConverter.ToUInt64(elf, (int)Header(index) + 32);
        int Link(int index) => (int)BitConverter.ToUInt32(elf, (int)Header(index) + 40);
        string Name(long strtabOffset, uint offset)
        {
            var start = (int)(strtabOffset + offset);
            var end = Array.IndexOf(elf, (byte)0, start);
            return Encoding.ASCII.GetString(elf, start, end - start);
        }

        int verneed = -1, dynsym = -1, versym = -1;
        for (var i = 0; i < shnum; i++)
        {
            switch (Type(i))
            {
                case ShtGnuVerneed: verneed = i; break;
                case ShtDynsym: dynsym = i; break;
                case ShtGnuVersym: versym = i; break;
            }
        }
        if (verneed < 0 || dynsym < 0 || versym < 0)
        {
            message = "no .gnu.version_r, .dynsym or .gnu.version section";
            return false;
        }

        var changed = false;
        var foundVersion = false;
        var verStr = Offset(Link(verneed));
        var need = Offset(verneed);
        var needEnd = need + Size(verneed);
        while (need < needEnd)
        {
            int count = BitConverter.ToUInt16(elf, (int)need + 2);
            var aux = need + BitConverter.ToUInt32(elf, (int)need + 8);
            for (var k = 0; k < count; k++)
            {
                if (Name(verStr, BitConverter.ToUInt32(elf, (int)aux + 8)) == NeededVersion)
                {
                    foundVersion = true;
                    var flags = BitConverter.ToUInt16(elf, (int)aux + 4);
                    if ((flags & VerFlgWeak) == 0)
                    {
                        BitConverter.GetBytes((ushort)(flags | VerFlgWeak)).CopyTo(elf, (int)aux + 4);
                        changed = true;
                    }
                }
                aux += BitConverter.ToUInt32(elf, (int)aux + 12);
            }
            var next = BitConverter.ToUInt32(elf, (int)need + 12);
            if (next == 0)
            {
                break;
            }
            need += next;
        }
        if (!foundVersion)
        {
            return false; // A build of TorchSharp that does not ask for GLIBCXX_3.4.32: nothing to do.
        }

        var symStr = Offset(Link(dynsym));
        var symCount = Size(dynsym) / 24;
        for (var s = 0; s < symCount; s++)
        {
            var sym = (int)(Offset(dynsym) + s * 24);
            if (Name(symStr, BitConverter.ToUInt32(elf, sym)) != MarkerSymbol)
            {
                continue;
            }
            var info = elf[sym + 4];
            var weakInfo = (byte)((StbWeak << 4) | (info & 0xf));
            if (info != weakInfo)
            {
                elf[sym + 4] = weakInfo;
                changed = true;
            }
            var versymEntry = (int)(Offset(versym) + s * 2);
            if (BitConverter.ToUInt16(elf, versymEntry) != 1)
            {
                BitConverter.GetBytes((ushort)1).CopyTo(elf, versymEntry);
                changed = true;
            }
        }
        return changed;
    }
}
