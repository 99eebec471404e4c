package dev.tpmdevid.agent;

import dev.tpmdevid.core.pem.Pem;
import java.io.ByteArrayInputStream;
import java.nio.file.Path;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

import dev.tpmdevid.core.ek.EkCertificates;
import dev.tpmdevid.core.tpm.TpmFormatException;
import tss.tpm.NV_ReadPublicResponse;
import tss.tpm.TPMT_PUBLIC;

/**
 * The agent half of tpm_devid as a plain Java API, without gRPC: built from an {@link AgentConfig} (the
 * DevID files are read here, once), it starts one {@link AgentSession} per attestation.
 *
 * <pre>{@code
 * DevIdAttestor attestor = DevIdAttestor.create(config);
 * try (AgentSession s = attestor.begin()) {
 *     byte[] payload = s.payload();             // -> server
 *     byte[] response = s.solve(challengeJson); // <- server's challenge, -> server
 * }
 * }</pre>
 *
 * <p>Held across attestations of one process (all public data, except the AK's random authValue):
 * the AK blobs when {@code reuse_ak} is on, the EK certificate together with the EK public area it was
 * checked against, the resolved EK type and the TPM's NV buffer size. Thread-safe; sessions are serialised
 * because a TPM without resource manager (swtpm, /dev/tpm0) serves one client and has 3 object slots.
 */
public final class DevIdAttestor {

    /** RSA-2048 EK certificate, TCG EK Credential Profile low range. */
    static final int NV_EK_CERT_RSA = EkCertificates.NV_INDEX_RSA_2048;
    /** ECC NIST P-256 EK certificate, TCG EK Credential Profile low range. */
    static final int NV_EK_CERT_ECC = EkCertificates.NV_INDEX_ECC_P256;

    private static final long BUSY_WAIT_SECONDS = 60;

    private final AgentConfig config;
    private final DevIdMaterial material;
    private final String devicePath;
    private final Function<String, TpmLink> opener;
    private final byte[] ekCertFromFile;
    private final AgentConfig.EkType ekTypeFromFile;
    private final Semaphore tpmInUse = new Semaphore(1, true);

    private volatile AkBlob cachedAk;
    private volatile SavedContexts savedContexts;
    private volatile AgentConfig.EkType resolvedEkType;
    private volatile byte[] cachedEkPub;
    private volatile byte[] cachedEkCert;
    private volatile int nvBufferMax;

    private DevIdAttestor(AgentConfig config, DevIdMaterial material, String devicePath,
            Function<String, TpmLink> opener, byte[] ekCertFromFile, AgentConfig.EkType ekTypeFromFile) {
        this.config = config;
        this.material = material;
        this.devicePath = devicePath;
        this.opener = opener;
        this.ekCertFromFile = ekCertFromFile;
        this.ekTypeFromFile = ekTypeFromFile;
    }

    /**
     * Reads and checks the DevID files (and {@code ek_cert_path}) and resolves the TPM device path
     * (autodetection when unset). Does not touch the TPM.
     */
    public static DevIdAttestor create(AgentConfig config) throws AgentException {
        return create(config, Connections::open, Path.of("/dev"));
    }

    static DevIdAttestor create(AgentConfig config, Function<String, TpmLink> opener, Path devDir)
            throws AgentException {
        DevIdMaterial material = DevIdMaterial.load(config.devIdCertPath(), config.devIdPrivPath(),
                config.devIdPubPath());
        byte[] ekCert = null;
        AgentConfig.EkType fileType = null;
        if (config.ekCertPath() != null) {
            ekCert = loadEkCertFile(config.ekCertPath());
            fileType = ekTypeOf(parse(ekCert), config.ekCertPath());
            if (config.ekType() != AgentConfig.EkType.AUTO && config.ekType() != fileType) {
                throw new AgentException(AgentException.Kind.CONFIG, "invalid configuration: ek_type is "
                        + config.ekType() + " but the certificate in ek_cert_path " + config.ekCertPath()
                        + " is for an " + fileType + " key");
            }
        }
        String path = config.tpmDevicePath() != null ? config.tpmDevicePath() : DeviceAutodetect.detect(devDir);
        return new DevIdAttestor(config, material, path, opener, ekCert, fileType);
    }

    public AgentConfig config() {
        return config;
    }

    /** The TPM path in use (configured or autodetected). */
    public String devicePath() {
        return devicePath;
    }

    /** The DevID certificate chain (DER, leaf first) as it will be sent. */
    public List<byte[]> devIdCertificates() {
        return material.certChain();
    }

    /** Opens the TPM and prepares a new attestation (DevID, AK and EK loaded). Close the session when done. */
    public AgentSession begin() throws AgentException {
        return open(null);
    }

    /**
     * Like {@link #begin()}, but loads the given attestation key instead of creating one: for answering,
     * in a new process, the challenge to a payload sent by an earlier process ({@link AgentSession#attestationKey()}).
     */
    public AgentSession resume(AkBlob ak) throws AgentException {
        return open(ak);
    }

    private AgentSession open(AkBlob ak) throws AgentException {
        try {
            if (!tpmInUse.tryAcquire(BUSY_WAIT_SECONDS, TimeUnit.SECONDS)) {
                throw new AgentException(AgentException.Kind.TPM,
                        "another attestation has been using the TPM for more than " + BUSY_WAIT_SECONDS + " s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AgentException(AgentException.Kind.INTERNAL, "interrupted while waiting for the TPM");
        }
        AgentSession session = null;
        try {
            TpmLink link = openLink();
            session = new AgentSession(this, link, tpmInUse::release);
            session.start(ak);
            return session;
        } catch (AgentException | RuntimeException e) {
            if (session != null) {
                session.close();
            } else {
                tpmInUse.release();
            }
            throw e;
        }
    }

    private TpmLink openLink() throws AgentException {
        try {
            return opener.apply(devicePath);
        } catch (Connections.OpenFailure e) {
            throw e.toAgentException();
        }
    }

    AgentConfig.EkType resolveEkType(AgentSession s) throws AgentException {
        if (ekTypeFromFile != null) {
            return ekTypeFromFile;
        }
        if (config.ekType() != AgentConfig.EkType.AUTO) {
            return config.ekType();
        }
        AgentConfig.EkType known = resolvedEkType;
        if (known != null) {
            return known;
        }
        AgentConfig.EkType found;
        if (s.nvReadPublic(NV_EK_CERT_RSA) != null) {
            found = AgentConfig.EkType.RSA;
        } else if (s.nvReadPublic(NV_EK_CERT_ECC) != null) {
            found = AgentConfig.EkType.ECC;
        } else {
            throw new AgentException(AgentException.Kind.TPM, String.format("unable to get endorsement certificate:"
                    + " the TPM has no EK certificate in NV index 0x%08X (RSA) or 0x%08X (ECC P-256); provision one"
                    + " or set ek_cert_path to the EK certificate file", NV_EK_CERT_RSA, NV_EK_CERT_ECC));
        }
        resolvedEkType = found;
        return found;
    }

    /** The EK certificate DER for the EK just created; checked to certify exactly that key. */
    byte[] ekCertificate(AgentSession s, AgentConfig.EkType type, TPMT_PUBLIC ekArea, byte[] ekPub)
            throws AgentException {
        if (ekCertFromFile != null) {
            if (!DevIdMaterial.sameKey(ekArea, parse(ekCertFromFile).getPublicKey())) {
                throw new AgentException(AgentException.Kind.CONFIG, "the certificate in ek_cert_path "
                        + config.ekCertPath() + " is not for this TPM's endorsement key (TCG template "
                        + (type == AgentConfig.EkType.ECC ? "L-2" : "L-1") + ")");
            }
            return ekCertFromFile.clone();
        }
        byte[] cachedCert = cachedEkCert;
        if (cachedCert != null && Arrays.equals(cachedEkPub, ekPub)) {
            return cachedCert.clone();
        }
        int index = type == AgentConfig.EkType.ECC ? NV_EK_CERT_ECC : NV_EK_CERT_RSA;
        NV_ReadPublicResponse nvPub = s.nvReadPublic(index);
        if (nvPub == null) {
            throw new AgentException(AgentException.Kind.TPM, String.format("unable to get endorsement certificate:"
                    + " NV index 0x%08X (%s EK certificate) does not exist; provision the EK certificate or set"
                    + " ek_cert_path", index, type));
        }
        byte[] contents = s.nvReadAll(index, nvPub);
        byte[] der;
        try {
            der = EkCertificates.fromNvContents(contents);
        } catch (TpmFormatException e) {
            throw new AgentException(AgentException.Kind.TPM, String.format("unable to get endorsement certificate:"
                    + " failed to unmarshall certificate read from %08x: %s", index, e.getMessage()));
        }
        X509Certificate cert;
        try {
            cert = parse(der);
        } catch (AgentException e) {
            throw new AgentException(AgentException.Kind.TPM, String.format("unable to get endorsement certificate:"
                    + " failed to unmarshall certificate read from %08x", index));
        }
        if (!DevIdMaterial.sameKey(ekArea, cert.getPublicKey())) {
            throw new AgentException(AgentException.Kind.TPM, String.format("unable to get endorsement certificate:"
                    + " the certificate in NV index 0x%08X does not certify the EK created from the TCG %s template;"
                    + " set ek_cert_path to the right certificate", index, type == AgentConfig.EkType.ECC
                    ? "L-2" : "L-1"));
        }
        cachedEkPub = ekPub.clone();
        cachedEkCert = der.clone();
        return der;
    }

    int nvBufferMax(AgentSession s) throws AgentException {
        int n = nvBufferMax;
        if (n == 0) {
            n = s.readNvBufferMax();
            if (n <= 0) {
                n = 512;
            }
            nvBufferMax = n;
        }
        return n;
    }

    DevIdMaterial material() {
        return material;
    }

    AkBlob cachedAk() {
        return cachedAk;
    }

    void rememberAk(AkBlob ak) {
        cachedAk = ak;
    }

    void forgetAk() {
        cachedAk = null;
    }

    SavedContexts savedContexts() {
        return savedContexts;
    }

    void rememberContexts(SavedContexts contexts) {
        savedContexts = contexts;
    }

    void forgetContexts() {
        savedContexts = null;
    }

    private static byte[] loadEkCertFile(Path path) throws AgentException {
        byte[] file = DevIdMaterial.read(path, "ek_cert_path");
        List<byte[]> pem = Pem.decode(file, "CERTIFICATE");
        byte[] der = pem.isEmpty() ? file : pem.get(0);
        try {
            parse(der);
        } catch (AgentException e) {
            throw new AgentException(AgentException.Kind.CONFIG, "ek_cert_path " + path
                    + " is not a DER or PEM X.509 certificate");
        }
        return der;
    }

    private static AgentConfig.EkType ekTypeOf(X509Certificate cert, Path path) throws AgentException {
        if (cert.getPublicKey() instanceof RSAPublicKey) {
            return AgentConfig.EkType.RSA;
        }
        if (cert.getPublicKey() instanceof ECPublicKey
                && ((ECPublicKey) cert.getPublicKey()).getParams().getCurve().getField().getFieldSize() == 256) {
            return AgentConfig.EkType.ECC;
        }
        throw new AgentException(AgentException.Kind.CONFIG, "ek_cert_path " + path
                + ": only RSA-2048 and ECC P-256 endorsement keys are supported");
    }

    private static X509Certificate parse(byte[] der) throws AgentException {
        try {
            return (X509Certificate) CertificateFactory.getInstance("X.509")
                    .generateCertificate(new ByteArrayInputStream(der));
        } catch (CertificateException | ClassCastException e) {
            throw new AgentException(AgentException.Kind.CONFIG, "not an X.509 certificate");
        }
    }
}
