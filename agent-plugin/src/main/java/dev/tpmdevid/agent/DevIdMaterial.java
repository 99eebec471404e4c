package dev.tpmdevid.agent;

import dev.tpmdevid.core.pem.Pem;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PublicKey;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import tss.tpm.TPM2B_PUBLIC_KEY_RSA;
import tss.tpm.TPMA_OBJECT;
import tss.tpm.TPMS_ECC_PARMS;
import tss.tpm.TPMS_ECC_POINT;
import tss.tpm.TPMS_RSA_PARMS;
import tss.tpm.TPMS_SCHEME_HASH;
import tss.tpm.TPMS_SIG_SCHEME_ECDSA;
import tss.tpm.TPMS_SIG_SCHEME_RSASSA;
import tss.tpm.TPMT_PUBLIC;
import tss.tpm.TPMU_ASYM_SCHEME;
import tss.tpm.TPM_ALG_ID;

/**
 * The DevID files, read once at Configure (docs/protocol.md#agent-config): the certificate chain (leaf first), the public
 * blob (TPMT_PUBLIC, sent verbatim as DevIDPub) and the private blob (TPM2B_PRIVATE contents).
 * tpm2-tools files (the same structures with a 2-byte size prefix) are accepted and the prefix stripped.
 */
final class DevIdMaterial {

    private final List<byte[]> certChain;
    private final byte[] pub;
    private final byte[] priv;
    private final TPMT_PUBLIC pubArea;
    private final TPM_ALG_ID signHash;

    private DevIdMaterial(List<byte[]> certChain, byte[] pub, byte[] priv, TPMT_PUBLIC pubArea, TPM_ALG_ID signHash) {
        this.certChain = certChain;
        this.pub = pub;
        this.priv = priv;
        this.pubArea = pubArea;
        this.signHash = signHash;
    }

    static DevIdMaterial load(Path certPath, Path privPath, Path pubPath) throws AgentException {
        List<byte[]> chain = loadCertificates(certPath);
        byte[] pub = loadPublic(pubPath);
        TPMT_PUBLIC area = TPMT_PUBLIC.fromTpm(pub);
        TPM_ALG_ID hash = checkSigningKey(area, pubPath);
        byte[] priv = loadPrivate(privPath);
        X509Certificate leaf = parseCertificate(chain.get(0), certPath, 0);
        if (!sameKey(area, leaf.getPublicKey())) {
            throw config("the public key in devid_pub_path " + pubPath
                    + " differs from the key of the first certificate in devid_cert_path " + certPath
                    + " (the DevID certificate must be issued for this TPM key)");
        }
        return new DevIdMaterial(List.copyOf(chain), pub, priv, area, hash);
    }

    /** DER of every certificate, leaf first. */
    List<byte[]> certChain() {
        List<byte[]> out = new ArrayList<>(certChain.size());
        for (byte[] c : certChain) {
            out.add(c.clone());
        }
        return out;
    }

    /** TPMT_PUBLIC bytes (DevIDPub on the wire). */
    byte[] pub() { return pub.clone(); }

    /** TPM2B_PRIVATE contents. */
    byte[] priv() { return priv.clone(); }

    /** A fresh TSS copy of the public area. */
    TPMT_PUBLIC pubArea() { return TPMT_PUBLIC.fromTpm(pub); }

    boolean isEcc() { return pubArea.parameters instanceof TPMS_ECC_PARMS; }

    boolean isRestricted() { return pubArea.objectAttributes.hasAttr(TPMA_OBJECT.restricted); }

    /** The hash of the key's signing scheme (SHA-256 for every DevID the Go server accepts). */
    TPM_ALG_ID signHash() { return signHash; }

    static List<byte[]> loadCertificates(Path path) throws AgentException {
        byte[] file = read(path, "devid_cert_path");
        List<byte[]> ders = Pem.decode(file, "CERTIFICATE"); // Go's pem.Decode loop, as SPIRE's agent reads it
        if (ders.isEmpty()) {
            throw config("unable to load DevID files: devid_cert_path " + path
                    + " contains no PEM CERTIFICATE block");
        }
        for (int i = 0; i < ders.size(); i++) {
            parseCertificate(ders.get(i), path, i);
        }
        return ders;
    }

    private static X509Certificate parseCertificate(byte[] der, Path path, int index) throws AgentException {
        try {
            CertificateFactory cf = CertificateFactory.getInstance("X.509");
            return (X509Certificate) cf.generateCertificate(new ByteArrayInputStream(der));
        } catch (CertificateException | ClassCastException e) {
            throw config("unable to load DevID files: certificate " + (index + 1) + " in devid_cert_path " + path
                    + " cannot be parsed: " + e.getMessage());
        }
    }

    static byte[] loadPublic(Path path) throws AgentException {
        byte[] b = read(path, "devid_pub_path");
        if (roundTrips(b)) {
            return b;
        }
        if (b.length > 2 && u16(b, 0) == b.length - 2) {
            byte[] stripped = Arrays.copyOfRange(b, 2, b.length);
            if (roundTrips(stripped)) {
                return stripped;
            }
        }
        throw config("unable to load DevID files: devid_pub_path " + path
                + " is not a TPMT_PUBLIC (expected the public blob of TPM2_Create, e.g. tpm2_create -u output"
                + " with or without its 2-byte size)");
    }

    static byte[] loadPrivate(Path path) throws AgentException {
        byte[] b = read(path, "devid_priv_path");
        // TPM2B_PRIVATE contents = TPM2B integrityHMAC || encrypted sensitive; with tpm2-tools' extra size prefix
        // the first u16 covers the rest of the file.
        if (b.length > 2 && u16(b, 0) == b.length - 2 && looksLikePrivateBody(Arrays.copyOfRange(b, 2, b.length))) {
            return Arrays.copyOfRange(b, 2, b.length);
        }
        if (looksLikePrivateBody(b)) {
            return b;
        }
        throw config("unable to load DevID files: devid_priv_path " + path
                + " is not a TPM2B_PRIVATE (expected the private blob of TPM2_Create, e.g. tpm2_create -r output"
                + " with or without its 2-byte size)");
    }

    private static boolean looksLikePrivateBody(byte[] b) {
        if (b.length < 4) {
            return false;
        }
        int hmac = u16(b, 0);
        return (hmac == 20 || hmac == 32 || hmac == 48 || hmac == 64) && b.length > 2 + hmac + 2;
    }

    private static boolean roundTrips(byte[] b) {
        if (b.length < 10) {
            return false;
        }
        int type = u16(b, 0);
        if (type != TPM_ALG_ID.RSA.toInt() && type != TPM_ALG_ID.ECC.toInt()) {
            return false;
        }
        try {
            return Arrays.equals(TPMT_PUBLIC.fromTpm(b).toTpm(), b);
        } catch (RuntimeException e) {
            return false;
        }
    }

    private static TPM_ALG_ID checkSigningKey(TPMT_PUBLIC area, Path path) throws AgentException {
        if (!area.objectAttributes.hasAttr(TPMA_OBJECT.sign)) {
            throw config("devid_pub_path " + path + " is not a signing key (sign attribute clear)");
        }
        TPMU_ASYM_SCHEME scheme;
        if (area.parameters instanceof TPMS_RSA_PARMS) {
            scheme = ((TPMS_RSA_PARMS) area.parameters).scheme;
            if (scheme != null && !(scheme instanceof TPMS_SIG_SCHEME_RSASSA) && scheme instanceof TPMS_SCHEME_HASH) {
                throw config("devid_pub_path " + path + ": the DevID key's scheme is "
                        + scheme.GetUnionSelector() + "; the server verifies RSASSA (PKCS#1 v1.5) signatures only");
            }
        } else if (area.parameters instanceof TPMS_ECC_PARMS) {
            scheme = ((TPMS_ECC_PARMS) area.parameters).scheme;
            if (scheme != null && !(scheme instanceof TPMS_SIG_SCHEME_ECDSA) && scheme instanceof TPMS_SCHEME_HASH) {
                throw config("devid_pub_path " + path + ": the DevID key's scheme is "
                        + scheme.GetUnionSelector() + "; the server verifies ECDSA signatures only");
            }
        } else {
            throw config("devid_pub_path " + path + ": bad key type (only RSA and ECC DevIDs are supported)");
        }
        if (!(scheme instanceof TPMS_SCHEME_HASH) || ((TPMS_SCHEME_HASH) scheme).hashAlg == null
                || ((TPMS_SCHEME_HASH) scheme).hashAlg.toInt() == TPM_ALG_ID.NULL.toInt()) {
            throw config("devid_pub_path " + path + ": signature hash algorithm is NULL; the DevID key must carry"
                    + " its scheme (RSASSA-SHA256 or ECDSA-SHA256), e.g. tpm2_create -G rsa2048:rsassa-sha256:null");
        }
        TPM_ALG_ID hash = ((TPMS_SCHEME_HASH) scheme).hashAlg;
        int h = hash.toInt();
        if (h != TPM_ALG_ID.SHA256.toInt() && h != TPM_ALG_ID.SHA384.toInt() && h != TPM_ALG_ID.SHA512.toInt()) {
            throw config("devid_pub_path " + path + ": unsupported signature hash " + hash
                    + " (SHA-256 is what the server verifies)");
        }
        return hash;
    }

    /** True if the TPM public area holds the same public key as {@code key}. */
    static boolean sameKey(TPMT_PUBLIC area, PublicKey key) {
        if (area.parameters instanceof TPMS_RSA_PARMS && key instanceof RSAPublicKey) {
            RSAPublicKey rsa = (RSAPublicKey) key;
            int e = ((TPMS_RSA_PARMS) area.parameters).exponent;
            BigInteger exp = BigInteger.valueOf(e == 0 ? 65537 : Integer.toUnsignedLong(e));
            byte[] n = ((TPM2B_PUBLIC_KEY_RSA) area.unique).buffer;
            return new BigInteger(1, n).equals(rsa.getModulus()) && exp.equals(rsa.getPublicExponent());
        }
        if (area.parameters instanceof TPMS_ECC_PARMS && key instanceof ECPublicKey) {
            ECPublicKey ec = (ECPublicKey) key;
            TPMS_ECC_POINT p = (TPMS_ECC_POINT) area.unique;
            int fieldBits = ec.getParams().getCurve().getField().getFieldSize();
            int curve = ((TPMS_ECC_PARMS) area.parameters).curveID.toInt();
            int expectedBits = curve == 0x0003 ? 256 : curve == 0x0004 ? 384 : curve == 0x0005 ? 521 : -1;
            return fieldBits == expectedBits
                    && new BigInteger(1, p.x).equals(ec.getW().getAffineX())
                    && new BigInteger(1, p.y).equals(ec.getW().getAffineY());
        }
        return false;
    }

    static byte[] read(Path path, String key) throws AgentException {
        try {
            return Files.readAllBytes(path);
        } catch (IOException e) {
            throw config("cannot read " + key + " " + path + ": " + e.getClass().getSimpleName()
                    + (e.getMessage() == null || e.getMessage().equals(path.toString()) ? "" : " (" + e.getMessage() + ")"));
        }
    }

    static int u16(byte[] b, int off) {
        return ((b[off] & 0xFF) << 8) | (b[off + 1] & 0xFF);
    }

    private static AgentException config(String message) {
        return new AgentException(AgentException.Kind.CONFIG, message);
    }
}
