#!/bin/sh
# Release artefacts of the card bridge, called by `make dist`:
#
#   cardbridge-linux-amd64                  the bridge (cgo, pcsc-lite)
#   eportid-cardbridge-linux-amd64.tar.gz   the bridge + systemd user unit + install.sh
#   cardbridge-windows-{amd64,386}.exe      console builds (Authenticode-signed)
#   eportid-cardbridge-{x64,x86}.msi        per-user installers (signed, holding a signed
#                                           GUI-subsystem build, so no console window at logon)
#   test-signing-ca.pem                     only when signed with the build's test certificate
#   SHA256SUMS                              of every file above
#
# Settings (environment, passed on by make):
#   DIST (dist), DIST_WORK (var/dist: intermediates and the test certificate)
#   DIST_VERSION (MSI ProductVersion, default 0.1.<number of commits>)
#   ORIGIN        allowed origin(s) built into the MSIs and the tarball's default (optional)
#   SIGN_CERT     PEM/DER certificate chain of the code-signing key; unset: a test CA is made
#   SIGN_KEY      its private key (a file, or a pkcs11: URI with SIGN_ARGS="-pkcs11module ...")
#   SIGN_PASS_FILE  file holding the key's password
#   SIGN_TIMESTAMP  RFC 3161 timestamp server URL (e.g. http://timestamp.digicert.com)
#   SIGN_ARGS     further osslsigncode sign options
set -eu

GO=${GO:-go}
OUT=${DIST:-dist}
WORK=${DIST_WORK:-var/dist}
VERSION=${DIST_VERSION:-0.1.$(git rev-list --count HEAD 2>/dev/null || echo 0)}
PKG=./cardbridge/cmd/cardbridge
HERE=$(dirname "$0")

need() {
  for t in "$@"; do
    command -v "$t" >/dev/null 2>&1 || { echo "dist: $t not found (apt-get install msitools wixl osslsigncode openssl)" >&2; exit 1; }
  done
}
need wixl msibuild osslsigncode openssl sha256sum tar

# The origins go into an MSI table and the bridge's command line: only
# scheme://host[:port], comma-separated (the bridge checks the rest).
if [ -n "${ORIGIN:-}" ] && ! printf '%s' "$ORIGIN" | grep -Eqx 'https?://[A-Za-z0-9.-]+(:[0-9]+)?(,https?://[A-Za-z0-9.-]+(:[0-9]+)?)*'; then
  echo "dist: ORIGIN=$ORIGIN: want scheme://host[:port], comma-separated" >&2
  exit 1
fi

if [ -n "${SIGN_CERT:-}${SIGN_KEY:-}" ]; then
  [ -n "${SIGN_CERT:-}" ] && [ -n "${SIGN_KEY:-}" ] || { echo "dist: SIGN_CERT and SIGN_KEY go together" >&2; exit 1; }
  [ -r "$SIGN_CERT" ] || { echo "dist: SIGN_CERT=$SIGN_CERT: not readable" >&2; exit 1; }
  case $SIGN_KEY in pkcs11:*) ;; *) [ -r "$SIGN_KEY" ] || { echo "dist: SIGN_KEY=$SIGN_KEY: not readable" >&2; exit 1; } ;; esac
fi

rm -rf "$OUT" "$WORK/build"
mkdir -p "$OUT" "$WORK/build"
B=$WORK/build

echo "dist: building the bridge (version $VERSION)"
CGO_ENABLED=1 $GO build -trimpath -ldflags='-s -w' -o "$OUT/cardbridge-linux-amd64" $PKG
for a in amd64 386; do
  GOOS=windows GOARCH=$a CGO_ENABLED=0 $GO build -trimpath -ldflags='-s -w' -o "$B/cardbridge-windows-$a.exe" $PKG
  GOOS=windows GOARCH=$a CGO_ENABLED=0 $GO build -trimpath -ldflags='-s -w -H=windowsgui' -o "$B/eportid-cardbridge-$a.exe" $PKG
done

# The signing certificate: the given one, or a test CA and a code-signing
# certificate it issued, made once in $WORK/testsign (valid 10 years).
if [ -n "${SIGN_CERT:-}" ]; then
  cert=$SIGN_CERT key=$SIGN_KEY
else
  T=$WORK/testsign
  cert=$T/codesign.pem key=$T/codesign.key
  if [ ! -s "$cert" ] || ! openssl x509 -in "$cert" -noout -checkend 86400 >/dev/null; then
    echo "dist: making a test code-signing certificate in $T (not trusted by Windows; pass SIGN_CERT/SIGN_KEY for a release)"
    mkdir -p "$T"
    openssl req -x509 -newkey rsa:3072 -nodes -days 3650 -subj "/O=eportid/CN=eportid TEST code-signing CA" \
      -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign \
      -keyout "$T/ca.key" -out "$T/ca.pem" 2>/dev/null
    openssl req -newkey rsa:3072 -nodes -subj "/O=eportid/CN=eportid card bridge (TEST)" \
      -keyout "$key" -out "$T/codesign.csr" 2>/dev/null
    printf 'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=codeSigning\n' >"$T/ext"
    openssl x509 -req -in "$T/codesign.csr" -CA "$T/ca.pem" -CAkey "$T/ca.key" -CAcreateserial -days 3650 \
      -extfile "$T/ext" -out "$T/leaf.pem" 2>/dev/null
    cat "$T/leaf.pem" "$T/ca.pem" >"$cert"
  fi
  cp "$T/ca.pem" "$OUT/test-signing-ca.pem"
fi

# sign IN OUT
sign() {
  # shellcheck disable=SC2086 # SIGN_ARGS is a list of options
  osslsigncode sign -certs "$cert" -key "$key" \
    ${SIGN_PASS_FILE:+-readpass "$SIGN_PASS_FILE"} ${SIGN_TIMESTAMP:+-ts "$SIGN_TIMESTAMP"} \
    -h sha256 -n "eportid card bridge" ${ORIGIN:+-i "${ORIGIN%%,*}"} ${SIGN_ARGS:-} \
    -in "$1" -out "$2" >/dev/null
}

echo "dist: signing the Windows executables"
for a in amd64 386; do
  sign "$B/cardbridge-windows-$a.exe" "$OUT/cardbridge-windows-$a.exe"
  sign "$B/eportid-cardbridge-$a.exe" "$B/eportid-cardbridge-$a.signed.exe"
done

# wixl cannot express a launch condition, nor place custom actions in the
# UI sequence; msibuild adds them to the database it wrote.
for pair in x64:amd64 x86:386; do
  arch=${pair%%:*} goarch=${pair#*:}
  msi=eportid-cardbridge-$arch.msi
  echo "dist: $msi"
  wixl -a "$arch" -D Version="$VERSION" -D Arch="$arch" -D Exe="$B/eportid-cardbridge-$goarch.signed.exe" \
    -o "$B/$msi" "$HERE/windows/cardbridge.wxs"
  msibuild "$B/$msi" \
    -q "UPDATE InstallUISequence SET Sequence=51 WHERE Action='OriginFromSaved'" \
    -q "UPDATE InstallUISequence SET Sequence=52 WHERE Action='OriginFromDefault'" \
    -q "UPDATE Property SET Value='WIX_DOWNGRADE_DETECTED;WIX_UPGRADE_DETECTED;ORIGIN' WHERE Property='SecureCustomProperties'" \
    -q "INSERT INTO LaunchCondition (Condition, Description) VALUES ('Installed OR ORIGIN', 'No allowed origin for the card bridge: install it with the origin of the site, e.g. msiexec /i $msi ORIGIN=https://eportid.example.cn')"
  if [ -n "${ORIGIN:-}" ]; then
    msibuild "$B/$msi" -q "INSERT INTO Property (Property, Value) VALUES ('DEFAULTORIGIN', '$ORIGIN')"
  fi
  sign "$B/$msi" "$OUT/$msi"
done

echo "dist: eportid-cardbridge-linux-amd64.tar.gz"
L=$B/eportid-cardbridge
mkdir -p "$L"
cp "$OUT/cardbridge-linux-amd64" "$L/eportid-cardbridge"
cp "$HERE/linux/eportid-cardbridge.service" "$HERE/linux/install.sh" "$HERE/linux/README" "$L/"
chmod 755 "$L/eportid-cardbridge" "$L/install.sh"
chmod 644 "$L/eportid-cardbridge.service" "$L/README"
if [ -n "${ORIGIN:-}" ]; then printf '%s\n' "$ORIGIN" >"$L/default-origin"; fi
tar --sort=name --owner=0 --group=0 --numeric-owner --mtime=@"$(git log -1 --format=%ct 2>/dev/null || echo 0)" \
  -C "$B" -czf "$OUT/eportid-cardbridge-linux-amd64.tar.gz" eportid-cardbridge

(cd "$OUT" && sha256sum -- $(ls | grep -vx SHA256SUMS) >SHA256SUMS)
echo "dist: done"
cat "$OUT/SHA256SUMS"
