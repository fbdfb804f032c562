# 整改进展看板 离线安装（Windows）：无需联网。与 install.sh 步骤相同。
#   powershell -ExecutionPolicy Bypass -File install.ps1 [-Sample] [-Target 目标目录]
# 目标目录默认为本安装包所在目录；升级时指向原安装目录（如 D:\rectification），其中的数据库保留并先备份。
# Saved as UTF-8 with a BOM: Windows PowerShell 5.1 reads a .ps1 without one in the ANSI code page (GBK).
param([switch]$Sample, [string]$Target = "")
$ErrorActionPreference = "Stop"
$Bundle = $PSScriptRoot
if (-not $Target) { $Target = $Bundle }

function Fail($message) { Write-Host "安装未完成：$message" -ForegroundColor Red; exit 1 }
function Setting($name) {
    (Get-Content -Encoding UTF8 (Join-Path $Bundle "BUNDLE.txt") | Where-Object { $_ -like "$name=*" }) -replace "^$name=", ""
}

# CPython 3.11: the wheels in wheels\ are built for it and no other.
$Python = @()
if ($env:PYTHON) { $Python = @($env:PYTHON) }
elseif (Get-Command py -ErrorAction SilentlyContinue) { $Python = @("py", "-3.11") }
elseif (Get-Command python -ErrorAction SilentlyContinue) { $Python = @("python") }
else { Fail "没有找到 Python。需要 Python 3.11（64 位）：请安装后重试，或设置环境变量 PYTHON 为 python.exe 的完整路径。" }
$exe = $Python[0]; $pyArgs = @($Python | Select-Object -Skip 1)
# try: with "Stop", Windows PowerShell turns a line on the probe's stderr (py: "not found") into an exception.
try { $found = & $exe @pyArgs -c "import platform, sys; print(platform.python_implementation(), platform.python_version(), sys.maxsize > 2**32)" 2>$null }
catch { $found = "无法运行" }
if ("$found" -notmatch "^CPython 3\.11\.\d+ True$") {
    Fail "需要 Python 3.11（64 位 CPython），$($Python -join ' ') 为 $found。请安装 Python 3.11 后重试，或设置环境变量 PYTHON 为其 python.exe。"
}
if ((Setting "platform") -ne "windows-x86_64") { Fail "本安装包适用于 $(Setting 'platform')，不是 Windows：请换用 windows-x86_64 的安装包。" }

Write-Host "整改进展看板 $(Setting 'version')：校验安装包文件"
$sums = Get-Content -Encoding UTF8 (Join-Path $Bundle "SHA256SUMS")
foreach ($line in $sums) {
    $hash = $line.Substring(0, 64); $file = $line.Substring(66)
    $path = Join-Path $Bundle $file
    if (-not (Test-Path -LiteralPath $path) -or (Get-FileHash -Algorithm SHA256 -LiteralPath $path).Hash -ne $hash.ToUpper()) {
        Fail "$file 与 SHA256SUMS 不符（安装包不完整或被改动），请重新拷入安装包。"
    }
}

New-Item -ItemType Directory -Force -Path $Target | Out-Null
$Target = (Resolve-Path -LiteralPath $Target).Path
$Db = if ($env:RECTIFICATION_DB) { $env:RECTIFICATION_DB } else { Join-Path $Target "data\rectification.duckdb" }

# Before anything changes: a plain copy of the store (and its .wal), which needs no program to restore.
if (Test-Path -LiteralPath $Db) {
    $backups = Join-Path (Split-Path $Db) "backups"
    New-Item -ItemType Directory -Force -Path $backups | Out-Null
    $copy = Join-Path $backups ("before-upgrade-" + (Get-Date -Format "yyyyMMdd-HHmmss") + ".duckdb")
    Copy-Item -LiteralPath $Db "$copy.partial"; Move-Item -LiteralPath "$copy.partial" $copy
    if (Test-Path -LiteralPath "$Db.wal") { Copy-Item -LiteralPath "$Db.wal" "$copy.wal" }
    Write-Host "已把现有数据库复制到 $copy"
}

if ($Target -ne $Bundle) {
    $new = $sums | ForEach-Object { $_.Substring(66) }
    $oldSums = Join-Path $Target "SHA256SUMS"
    if (Test-Path -LiteralPath $oldSums) {
        # The old version's files that this one no longer has: only those named in its own SHA256SUMS.
        foreach ($old in (Get-Content -Encoding UTF8 $oldSums | ForEach-Object { $_.Substring(66) })) {
            if ($new -notcontains $old) { Remove-Item -Force -ErrorAction SilentlyContinue -LiteralPath (Join-Path $Target $old) }
        }
    }
    # Only the bundle's own files: not a .venv or a store someone made in the unpacked folder.
    foreach ($file in @($new) + "SHA256SUMS") {
        $to = Join-Path $Target $file
        New-Item -ItemType Directory -Force -Path (Split-Path $to) | Out-Null
        Copy-Item -Force -LiteralPath (Join-Path $Bundle $file) $to
    }
    Write-Host "已把程序复制到 $Target"
}

Set-Location $Target
Write-Host "建立 .venv（从 wheels\ 安装，不联网）"
if (Test-Path .venv) { Remove-Item -Recurse -Force .venv }
& $exe @pyArgs -m venv .venv
if ($LASTEXITCODE -ne 0) { Fail "建立 .venv 失败（见上）。" }
# No pip.ini or PIP_* variable of this machine may add an index or a mirror: everything comes from wheels\.
$env:PIP_CONFIG_FILE = "nul"
& .venv\Scripts\python.exe -m pip install --isolated --quiet --disable-pip-version-check --no-index --find-links wheels --only-binary=:all: -r requirements.txt
if ($LASTEXITCODE -ne 0) { Fail "从 wheels\ 安装依赖失败（见上）。" }
Remove-Item Env:\PIP_CONFIG_FILE

# On an existing store, opening it applies this version's migrations; init itself changes nothing there.
$init = @("-m", "rectification", "init", "--db", $Db)
if (-not (Test-Path -LiteralPath $Db) -and -not $Sample) { $init += "--no-sample" }
& .venv\Scripts\python.exe @init
if ($LASTEXITCODE -ne 0) { Fail "建立数据库失败（见上）。" }

Write-Host ""
Write-Host "安装完成：$Target"
Write-Host "启动看板：cd $Target; .venv\Scripts\python.exe -m streamlit run dashboard.py"
Write-Host "（浏览器打开 http://本机地址:8501；开机自动运行见 README「内网部署」。）"
Write-Host "第一个管理员：.venv\Scripts\python.exe -m rectification users add admin --role admin --display-name 管理员"
if ($Db -ne (Join-Path $Target "data\rectification.duckdb")) { Write-Host "数据库不在默认位置：启动前设置 RECTIFICATION_DB=$Db" }
Write-Host ""
& .venv\Scripts\python.exe -m rectification doctor --db $Db
exit $LASTEXITCODE
