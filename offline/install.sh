#!/usr/bin/env bash
# 整改进展看板 离线安装（Linux）：无需联网。
#   ./install.sh [--sample] [目标目录]
# 目标目录默认为本安装包所在目录；升级时指向原安装目录（如 /opt/rectification），其中的数据库保留并先备份。
# Steps: check Python 3.11 and the files, back the store up (a plain copy), copy the program, build .venv from
# wheels/ with --no-index, build or migrate the store, say how to start, and run doctor last (its exit code is ours).
set -euo pipefail

BUNDLE="$(cd "$(dirname "$0")" && pwd)"
SAMPLE=""
TARGET="$BUNDLE"
for arg in "$@"; do
    case "$arg" in
        --sample) SAMPLE=1 ;;
        -h | --help) sed -n '2,4p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        -*) echo "未知选项：$arg（可用：--sample）" >&2; exit 2 ;;
        *) TARGET="$arg" ;;
    esac
done

fail() { echo "安装未完成：$*" >&2; exit 1; }
setting() { sed -n "s/^$1=//p" "$BUNDLE/BUNDLE.txt"; }

# CPython 3.11: the wheels in wheels/ are built for it and no other.
PY="${PYTHON:-}"
if [ -z "$PY" ]; then
    PY="$(command -v python3.11 || command -v python3 || true)"
fi
[ -n "$PY" ] || fail "没有找到 Python。需要 Python 3.11：请用操作系统的软件源安装 python3.11（及 python3.11-venv），或用 PYTHON=/path/to/python3.11 $0 指定。"
if ! "$PY" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11) or sys.implementation.name != "cpython")' 2>/dev/null; then
    found="$("$PY" -c 'import platform; print(platform.python_implementation(), platform.python_version())' 2>/dev/null || echo 无法运行)"
    fail "需要 Python 3.11（CPython），$PY 为 $found。请安装 Python 3.11，再用 PYTHON=/path/to/python3.11 $0 运行。"
fi

machine="$(uname -m)"
case "$(setting platform)" in
    linux-x86_64) [ "$machine" = x86_64 ] || fail "本安装包适用于 x86_64，这台服务器为 $machine：请换用 linux-aarch64 的安装包。" ;;
    linux-aarch64) [ "$machine" = aarch64 ] || fail "本安装包适用于 aarch64（ARM），这台服务器为 $machine：请换用 linux-x86_64 的安装包。" ;;
    *) fail "本安装包适用于 $(setting platform)，不是 Linux：请换用对应的安装包。" ;;
esac

echo "整改进展看板 $(setting version)：校验安装包文件"
(cd "$BUNDLE" && sha256sum --quiet --strict -c SHA256SUMS) || fail "文件与 SHA256SUMS 不符（安装包不完整或被改动），请重新拷入安装包。"

mkdir -p "$TARGET"
TARGET="$(cd "$TARGET" && pwd)"
DB="${RECTIFICATION_DB:-$TARGET/data/rectification.duckdb}"

# Before anything changes: a plain copy of the store (and its .wal), which needs no program to restore.
if [ -f "$DB" ]; then
    backups="$(dirname "$DB")/backups"
    copy="$backups/before-upgrade-$(date +%Y%m%d-%H%M%S).duckdb"
    mkdir -p "$backups"
    cp -p "$DB" "$copy.partial" && mv "$copy.partial" "$copy"
    if [ -f "$DB.wal" ]; then cp -p "$DB.wal" "$copy.wal"; fi
    echo "已把现有数据库复制到 $copy"
fi

if [ "$TARGET" != "$BUNDLE" ]; then
    # The old version's files that this one no longer has: only those named in its own SHA256SUMS.
    if [ -f "$TARGET/SHA256SUMS" ]; then
        comm -23 <(cut -c67- "$TARGET/SHA256SUMS" | sort) <(cut -c67- "$BUNDLE/SHA256SUMS" | sort) |
            while IFS= read -r old; do rm -f -- "$TARGET/$old"; done
    fi
    # Only the bundle's own files: not a .venv or a store someone made in the unpacked folder.
    (cd "$BUNDLE" && { cut -c67- SHA256SUMS; echo SHA256SUMS; } | tar -cf - --verbatim-files-from -T -) |
        (cd "$TARGET" && tar -xf -)
    echo "已把程序复制到 $TARGET"
fi

cd "$TARGET"
echo "建立 .venv（从 wheels/ 安装，不联网）"
rm -rf .venv
"$PY" -m venv .venv || fail "$PY -m venv 失败。Debian/UOS/麒麟上请安装 python3.11-venv 后重试。"
# No pip.conf or PIP_* variable of this server may add an index or a mirror: everything comes from wheels/.
PIP_CONFIG_FILE=/dev/null .venv/bin/python -m pip install --isolated --quiet --disable-pip-version-check \
    --no-index --find-links wheels --only-binary=:all: -r requirements.txt ||
    fail "从 wheels/ 安装依赖失败（见上）。"

if [ -f "$DB" ]; then
    # init on an existing store migrates its schema and takes in a newer catalogue revision (upgrade).
    .venv/bin/python -m rectification init --db "$DB"
elif [ -n "$SAMPLE" ]; then
    .venv/bin/python -m rectification init --db "$DB"
else
    .venv/bin/python -m rectification init --db "$DB" --no-sample
fi

cat <<EOF

安装完成：$TARGET
启动看板：cd $TARGET && .venv/bin/streamlit run dashboard.py
（浏览器打开 http://本机地址:8501；作为服务运行见 README「内网部署」。）
第一个管理员：.venv/bin/python -m rectification users add admin --role admin --display-name 管理员
EOF
[ "$DB" = "$TARGET/data/rectification.duckdb" ] || echo "数据库不在默认位置：启动前设置 RECTIFICATION_DB=$DB"
echo
.venv/bin/python -m rectification doctor --db "$DB"
