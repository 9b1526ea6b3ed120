#!/usr/bin/env pwsh
# Thin wrapper over the same dotnet commands the README and .ci/run use, for PowerShell users.
# Nothing depends on this script; bash users run the dotnet commands directly.
param(
    [ValidateSet('restore', 'build', 'test', 'bench', 'publish')]
    [string]$Target = 'build',
    [string]$Configuration = 'Release',
    [string]$Runtime = 'linux-x64'
)
$ErrorActionPreference = 'Stop'
Set-Location $PSScriptRoot

function Invoke-Dotnet([string[]]$Arguments) {
    & dotnet @Arguments
    if ($LASTEXITCODE -ne 0) { exit $LASTEXITCODE }
}

switch ($Target) {
    'restore' { Invoke-Dotnet @('restore', 'ClusterML.sln') }
    'build'   { Invoke-Dotnet @('build', 'ClusterML.sln', '-c', $Configuration) }
    'test'    { Invoke-Dotnet @('test', 'ClusterML.sln', '-c', $Configuration) }
    'bench'   { Invoke-Dotnet @('run', '-c', 'Release', '--project', 'bench/ClusterML.Benchmarks', '--', '--filter', '*') }
    'publish' { Invoke-Dotnet @('publish', 'src/ClusterML.Cli', '-c', $Configuration, '-r', $Runtime, '--self-contained', 'false', '-o', "artifacts/clusterml-$Runtime") }
}
