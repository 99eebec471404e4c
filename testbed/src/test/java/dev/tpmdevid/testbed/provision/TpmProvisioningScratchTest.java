package dev.tpmdevid.testbed.provision;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.security.cert.X509Certificate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TpmProvisioningScratchTest {
    @Test
    void provisionsOnScratchSwtpm(@TempDir Path dir) throws Exception {
        try (ScratchSwtpm sw = new ScratchSwtpm(dir.resolve("state"))) {
            TestPki pki = TestPki.create(KeyType.RSA);
            long t0 = System.nanoTime();
            sw.tpm().GetRandom(8);
            long t1 = System.nanoTime();
            X509Certificate rsa = TpmProvisioning.provisionEkCertificate(sw.tpm(), KeyType.RSA, pki, TpmIdentity.SWTPM, 16);
            long t2 = System.nanoTime();
            X509Certificate ecc = TpmProvisioning.provisionEkCertificate(sw.tpm(), KeyType.ECC, pki, TpmIdentity.SWTPM, 0);
            long t3 = System.nanoTime();
            TpmProvisioning.DevIdKey k = TpmProvisioning.createDevId(sw.tpm(), KeyType.RSA, new byte[0], "pw".getBytes(), "devid-leaf");
            long t4 = System.nanoTime();
            TpmProvisioning.DevIdKey e = TpmProvisioning.createDevId(sw.tpm(), KeyType.ECC, new byte[0], new byte[0], "devid-leaf");
            long t5 = System.nanoTime();
            System.out.printf("first %.1f rsaEk %.1f eccEk %.1f rsaDevId %.1f eccDevId %.1f%n", (t1-t0)/1e6, (t2-t1)/1e6, (t3-t2)/1e6, (t4-t3)/1e6, (t5-t4)/1e6);
            t0 = System.nanoTime();
            TpmProvisioning.createDevId(sw.tpm(), KeyType.RSA, new byte[0], "pw".getBytes(), "devid-leaf");
            t1 = System.nanoTime();
            TpmProvisioning.createDevId(sw.tpm(), KeyType.ECC, new byte[0], "pw".getBytes(), "devid-leaf");
            t2 = System.nanoTime();
            System.out.printf("again rsaDevId %.1f eccDevId %.1f%n", (t1-t0)/1e6, (t2-t1)/1e6);
            System.out.printf("scratch provision %.1f ms%n", (System.nanoTime() - t0) / 1e6);
            assertThat(k.csr().getSubjectPublicKeyInfo().getEncoded()).isEqualTo(k.publicKey().getEncoded());
            assertThat(e.publicKey().getAlgorithm()).isEqualTo("EC");
            assertThat(rsa.getPublicKey().getAlgorithm()).isEqualTo("RSA");
            assertThat(ecc.getPublicKey().getAlgorithm()).isEqualTo("EC");
        }
    }
}
