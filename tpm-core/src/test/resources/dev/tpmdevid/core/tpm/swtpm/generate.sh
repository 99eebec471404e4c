#!/usr/bin/env bash
# Regenerates the TPM-output fixtures in this directory with a private swtpm and tpm2-tools.
# Usage: ./generate.sh   (needs swtpm, tpm2-tools 5.x; touches nothing outside a temp dir and this dir)
set -euo pipefail
OUT="$(cd "$(dirname "$0")" && pwd)"
WORK="$(mktemp -d)"
PORT="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
CTRL=$((PORT + 1))
mkdir -p "$WORK/state"
swtpm socket --tpm2 --tpmstate dir="$WORK/state" \
  --server type=tcp,port="$PORT",bindaddr=127.0.0.1 --ctrl type=tcp,port="$CTRL",bindaddr=127.0.0.1 \
  --flags not-need-init,startup-clear --pid file="$WORK/swtpm.pid" --log file="$WORK/swtpm.log",level=1 -d
cleanup() { kill "$(cat "$WORK/swtpm.pid")" 2>/dev/null || true; rm -rf "$WORK"; }
trap cleanup EXIT
for _ in $(seq 50); do [ -s "$WORK/swtpm.pid" ] && break; sleep 0.1; done
export TPM2TOOLS_TCTI="swtpm:host=127.0.0.1,port=$PORT"
F() { tpm2_flushcontext -t; }
cd "$WORK"

# SRK H-1 (SPIRE SRKTemplateHighRSA)
tpm2_createprimary -Q -C o -g sha256 -G rsa2048:aes128cfb \
  -a 'fixedtpm|fixedparent|sensitivedataorigin|userwithauth|noda|restricted|decrypt' -c srk.ctx -o srk.pem; F
tpm2_readpublic -Q -c srk.ctx -f tpmt -o srk-rsa.tpmt; F
# SRK H-2 (ECC)
tpm2_createprimary -Q -C o -g sha256 -G ecc256:aes128cfb \
  -a 'fixedtpm|fixedparent|sensitivedataorigin|userwithauth|noda|restricted|decrypt' -c srk-ecc.ctx; F
tpm2_readpublic -Q -c srk-ecc.ctx -f tpmt -o srk-ecc.tpmt; F

# DevIDs (tpm2-tools TPM2B format as written by -u/-r)
tpm2_create -Q -C srk.ctx -g sha256 -G rsa2048:rsassa-sha256:null \
  -a 'fixedtpm|fixedparent|sensitivedataorigin|userwithauth|sign' -u devid-rsa.pub -r devid-rsa.priv; F
tpm2_create -Q -C srk.ctx -g sha256 -G ecc256:ecdsa-sha256:null \
  -a 'fixedtpm|fixedparent|sensitivedataorigin|userwithauth|sign' -u devid-ecc.pub -r devid-ecc.priv; F
tpm2_create -Q -C srk.ctx -g sha256 -G ecc384:ecdsa-sha384:null \
  -a 'fixedtpm|fixedparent|sensitivedataorigin|userwithauth|sign' -u devid-ecc384.pub -r devid-ecc384.priv; F

# EK (TCG L-1, same as go-tpm-tools DefaultEKTemplateRSA) and an ECC EK (L-2)
tpm2_createek -Q -c ek-rsa.ctx -G rsa -u ek-rsa.pub; F
tpm2_readpublic -Q -c ek-rsa.ctx -f tpmt -o ek-rsa.tpmt; F
tpm2_flushcontext ek-rsa.ctx 2>/dev/null || true; F
tpm2_createek -Q -c ek-ecc.ctx -G ecc -u ek-ecc.pub; F
tpm2_readpublic -Q -c ek-ecc.ctx -f tpmt -o ek-ecc.tpmt; F

# AK (go-tpm-tools AKTemplateRSA: sign|restricted|fixedtpm|fixedparent|sensitivedataorigin|userwithauth, RSASSA-SHA256)
tpm2_create -Q -C srk.ctx -g sha256 -G rsa2048:rsassa-sha256:null \
  -a 'fixedtpm|fixedparent|sensitivedataorigin|userwithauth|restricted|sign' -u ak-rsa.pub -r ak-rsa.priv; F
# ECC AK (ECDSA-SHA256) for ECDSA TPMT_SIGNATURE fixtures
tpm2_create -Q -C srk.ctx -g sha256 -G ecc256:ecdsa-sha256:null \
  -a 'fixedtpm|fixedparent|sensitivedataorigin|userwithauth|restricted|sign' -u ak-ecc.pub -r ak-ecc.priv; F

certify() { # $1 ak name, $2 devid name, $3 output stem, $4 hash
  tpm2_load -Q -C srk.ctx -u "$1.pub" -r "$1.priv" -c ak.ctx; F
  tpm2_load -Q -C srk.ctx -u "$2.pub" -r "$2.priv" -c devid.ctx; F
  tpm2_certify -Q -C ak.ctx -c devid.ctx -g "$4" -o "$3.attest" -s "$3.sig" -f tss; F
  tpm2_readpublic -Q -c devid.ctx -f tpmt -o "$3.devid.tpmt"; F
  rm -f ak.ctx devid.ctx
}
certify ak-rsa devid-rsa certify-rsa-rsa sha256
certify ak-rsa devid-ecc certify-rsa-ecc sha256
certify ak-ecc devid-rsa certify-ecc-rsa sha256

# RSA-PSS signature by a non-restricted RSA key
tpm2_create -Q -C srk.ctx -g sha256 -G rsa2048:rsapss-sha256:null \
  -a 'fixedtpm|fixedparent|sensitivedataorigin|userwithauth|sign' -u pss.pub -r pss.priv; F
tpm2_load -Q -C srk.ctx -u pss.pub -r pss.priv -c pss.ctx; F
printf 'tpm-devid-java fixture message' > msg.bin
tpm2_sign -Q -c pss.ctx -g sha256 -s rsapss -f tss -o sign-rsapss.sig msg.bin; F
tpm2_readpublic -Q -c pss.ctx -f tpmt -o sign-rsapss.tpmt; F

cp devid-rsa.pub devid-rsa.priv devid-ecc.pub devid-ecc.priv devid-ecc384.pub devid-ecc384.priv \
   ek-rsa.tpmt ek-ecc.tpmt srk-rsa.tpmt srk-ecc.tpmt ak-rsa.pub ak-ecc.pub \
   certify-rsa-rsa.attest certify-rsa-rsa.sig certify-rsa-rsa.devid.tpmt \
   certify-rsa-ecc.attest certify-rsa-ecc.sig certify-rsa-ecc.devid.tpmt \
   certify-ecc-rsa.attest certify-ecc-rsa.sig certify-ecc-rsa.devid.tpmt \
   sign-rsapss.sig sign-rsapss.tpmt msg.bin "$OUT/"
{ swtpm --version | head -1; tpm2_createprimary --version | head -1; } > "$OUT/VERSIONS.txt"
echo "fixtures written to $OUT"
