#!/bin/sh
# Checks what `make dist` built (run by .ci/run after it): every artefact is
# there and in SHA256SUMS; each MSI is a per-user package of its architecture
# holding the bridge (a GUI-subsystem build of that architecture), the HKCU Run
# value carrying ORIGIN, the saved origin, the launch condition and the
# start/stop actions; and osslsigncode verifies every Windows executable
# (those inside the MSIs too) and every MSI against the signing CA
# (SIGN_CA, else dist/test-signing-ca.pem, else the system's CA bundle).
set -eu
GO=${GO:-go}
OUT=${DIST:-dist}
errs=0
fail() { printf 'dist-check: FAIL: %s\n' "$*" >&2; errs=$((errs + 1)); }
ok() { printf 'dist-check: ok: %s\n' "$*"; }
for t in msiinfo msiextract osslsigncode sha256sum file tar; do
  command -v "$t" >/dev/null 2>&1 || { echo "dist-check: $t not found (apt-get install msitools osslsigncode file)" >&2; exit 1; }
done
[ -d "$OUT" ] || { echo "dist-check: no $OUT/ (run make dist first)" >&2; exit 1; }

ca=${SIGN_CA:-}
if [ -z "$ca" ]; then
  if [ -f "$OUT/test-signing-ca.pem" ]; then ca=$OUT/test-signing-ca.pem; else ca=/etc/ssl/certs/ca-certificates.crt; fi
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# has TABLE PATTERN WHAT: a row of the MSI's TABLE matches the extended regexp.
has() {
  if msiinfo export "$msi" "$1" | tr -d '\r' | grep -Eq -- "$2"; then ok "$msi: $3"; else fail "$msi: $3 (table $1)"; fi
}
verify() {
  if out=$(osslsigncode verify -CAfile "$ca" -TSA-CAfile "$ca" -in "$1" 2>&1); then
    ok "signature of $2"
  else
    fail "signature of $2: $(printf '%s\n' "$out" | grep -Ei 'error|fail' | head -3 | tr '\n' ' ')"
  fi
}

for f in cardbridge-linux-amd64 eportid-cardbridge-linux-amd64.tar.gz cardbridge-windows-amd64.exe \
  cardbridge-windows-386.exe eportid-cardbridge-x64.msi eportid-cardbridge-x86.msi SHA256SUMS; do
  [ -s "$OUT/$f" ] || fail "$OUT/$f missing"
done

# SHA256SUMS: every artefact listed once, every sum right.
(cd "$OUT" && ls | grep -vx SHA256SUMS) | sort >"$tmp/files"
awk '{sub(/^\*/, "", $2); print $2}' "$OUT/SHA256SUMS" | sort >"$tmp/summed"
if cmp -s "$tmp/files" "$tmp/summed"; then ok "SHA256SUMS lists every artefact"; else fail "SHA256SUMS lists $(tr '\n' ' ' <"$tmp/summed"), $OUT holds $(tr '\n' ' ' <"$tmp/files")"; fi
if (cd "$OUT" && sha256sum --quiet -c SHA256SUMS); then ok "SHA256SUMS sums match"; else fail "SHA256SUMS sums do not match"; fi

for a in amd64 386; do
  exe=$OUT/cardbridge-windows-$a.exe
  verify "$exe" "$exe"
  "$GO" version -m "$exe" | grep -q "GOARCH=$a" || fail "$exe is not GOARCH=$a"
done

for pair in x64:amd64:x64 x86:386:Intel; do
  arch=${pair%%:*} rest=${pair#*:} goarch=${rest%%:*} template=${rest#*:}
  msi=$OUT/eportid-cardbridge-$arch.msi
  [ -f "$msi" ] || continue
  verify "$msi" "$msi"
  suminfo=$(msiinfo suminfo "$msi")
  printf '%s\n' "$suminfo" | grep -q "^Template: $template;" && ok "$msi: platform $template" || fail "$msi: platform is not $template"
  # Word count bit 8: no elevation needed (a per-user install).
  wc=$(printf '%s\n' "$suminfo" | sed -n 's/^Source: \([0-9]*\).*/\1/p')
  [ $(( ${wc:-0} & 8 )) -eq 8 ] && ok "$msi: installs without elevation" || fail "$msi: word count $wc asks for elevation"
  if msiinfo export "$msi" Property | grep -q '^ALLUSERS'; then fail "$msi: sets ALLUSERS (a per-machine install)"; fi
  attrs=$(msiinfo export "$msi" Component | awk -F'\t' '$1=="Bridge"{print $4}')
  want=0; [ "$arch" = x64 ] && want=256
  [ $(( ${attrs:-0} & 256 )) -eq $want ] && ok "$msi: component 64-bit flag $want" || fail "$msi: component attributes $attrs, want 64-bit flag $want"
  has File '^BridgeExe	Bridge	eportid-cardbridge\.exe	' "the bridge eportid-cardbridge.exe"
  has Directory '^ProgramsDir	LocalAppDataFolder	Programs$' "installs under %LOCALAPPDATA%\\Programs"
  has Directory '^INSTALLDIR	ProgramsDir	eportid-cardbridge$' "into eportid-cardbridge"
  has Registry '	1	Software\\Microsoft\\Windows\\CurrentVersion\\Run	eportid-cardbridge	"\[#BridgeExe\]" -origins "\[ORIGIN\]"	Bridge$' "HKCU Run value starting the bridge with ORIGIN"
  has Registry '	1	Software\\eportid\\cardbridge	Origin	\[ORIGIN\]	Bridge$' "the origin saved under HKCU\\Software\\eportid\\cardbridge"
  has RegLocator '^SavedOrigin	1	Software\\eportid\\cardbridge	Origin	' "reads the saved origin back (repair, upgrade)"
  has RemoveFile '^RemoveInstallDir	Bridge		INSTALLDIR	2$' "removes its folder at uninstall"
  has LaunchCondition '^Installed OR ORIGIN	No allowed origin' "refuses to install without an origin"
  has CustomAction '^StartBridge	[0-9]+	BridgeExe	-origins "\[ORIGIN\]"' "starts the bridge after installing"
  has CustomAction '^StopBridge	[0-9]+	TASKKILL	/F /IM eportid-cardbridge\.exe' "stops a running bridge first"
  has InstallExecuteSequence '^StartBridge	NOT \(REMOVE="ALL"\)	' "no start at uninstall"
  has Upgrade 'WIX_UPGRADE_DETECTED' "replaces an earlier version"
  for seq in InstallUISequence InstallExecuteSequence; do
    o=$(msiinfo export "$msi" $seq | awk -F'\t' '$1=="OriginFromSaved"{print $3}')
    l=$(msiinfo export "$msi" $seq | awk -F'\t' '$1=="LaunchConditions"{print $3}')
    if [ -n "$o" ] && [ -n "$l" ] && [ "$o" -lt "$l" ]; then ok "$msi: $seq restores the origin before the launch condition"; else fail "$msi: $seq: OriginFromSaved at '$o', LaunchConditions at '$l'"; fi
  done
  d=$tmp/$arch
  mkdir -p "$d"
  msiextract -C "$d" "$msi" >/dev/null
  inner=$d/Programs/eportid-cardbridge/eportid-cardbridge.exe
  if [ -f "$inner" ]; then
    verify "$inner" "eportid-cardbridge.exe in $msi"
    file "$inner" | grep -q '(GUI)' && ok "$msi: the bridge is a GUI-subsystem build (no console at logon)" || fail "$msi: the bridge is a console build"
    "$GO" version -m "$inner" | grep -q "GOARCH=$goarch" && ok "$msi: the bridge is GOARCH=$goarch" || fail "$msi: the bridge is not GOARCH=$goarch"
  else
    fail "$msi: no Programs/eportid-cardbridge/eportid-cardbridge.exe in it"
  fi
done

u64=$(msiinfo export "$OUT/eportid-cardbridge-x64.msi" Property 2>/dev/null | awk -F'\t' '$1=="UpgradeCode"{print $2}')
u32=$(msiinfo export "$OUT/eportid-cardbridge-x86.msi" Property 2>/dev/null | awk -F'\t' '$1=="UpgradeCode"{print $2}')
if [ -n "$u64" ] && [ "$u64" = "$u32" ]; then ok "both MSIs share UpgradeCode $u64 (one replaces the other)"; else fail "UpgradeCodes differ: x64 '$u64', x86 '$u32'"; fi

tgz=$OUT/eportid-cardbridge-linux-amd64.tar.gz
if [ -f "$tgz" ]; then
  for f in eportid-cardbridge/eportid-cardbridge eportid-cardbridge/eportid-cardbridge.service \
    eportid-cardbridge/install.sh eportid-cardbridge/README; do
    tar -tzf "$tgz" | grep -qx "$f" && ok "$tgz holds $f" || fail "$tgz lacks $f"
  done
fi

if [ "$errs" -gt 0 ]; then
  echo "dist-check: $errs failure(s)" >&2
  exit 1
fi
echo "dist-check: all artefacts check out"
