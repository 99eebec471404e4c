package dev.tpmdevid.testbed.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tpmdevid.labpki.KeyType;
import dev.tpmdevid.testbed.host.AttestationOutcome;
import dev.tpmdevid.testbed.host.Transcript;
import dev.tpmdevid.testbed.provision.ProvisionOptions;
import dev.tpmdevid.testbed.provision.ProvisionedTpm;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Full matrix through the real plugin processes and a live swtpm per case: RSA/ECC DevID × RSA/ECC
 * EK × with/without DevID intermediate × with/without hierarchy and DevID passwords (16 cases).
 */
class AttestationMatrixE2eTest extends E2eLabTest {
  static Stream<Arguments> matrix() {
    List<Arguments> all = new ArrayList<>();
    for (KeyType devId : KeyType.values()) {
      for (KeyType ek : KeyType.values()) {
        for (boolean intermediate : new boolean[] {true, false}) {
          for (boolean passwords : new boolean[] {false, true}) {
            all.add(Arguments.of(devId, ek, intermediate, passwords));
          }
        }
      }
    }
    return all.stream();
  }

  @ParameterizedTest(name = "DevID {0}, EK {1}, intermediate {2}, passwords {3}")
  @MethodSource("matrix")
  void attests(
      KeyType devId, KeyType ek, boolean intermediate, boolean passwords, @TempDir Path dir)
      throws Exception {
    ProvisionOptions options =
        ProvisionOptions.defaults()
            .withDevIdKeyType(devId)
            .withEkCertificates(ek == KeyType.RSA, ek == KeyType.ECC)
            .withDevIdIntermediate(intermediate)
            .withDevIdCommonName("node-" + devId + "-" + ek);
    if (passwords) {
      options = options.withSpirePasswords();
    }
    ProvisionedTpm tpm = lab.provision(dir, options);

    AttestationOutcome o = lab.attest(tpm);

    assertThat(o.succeeded()).as(o.operatorView()).isTrue();
    X509Certificate leaf = tpm.devIdCertificate();
    List<X509Certificate> cas = new ArrayList<>();
    if (intermediate) {
      cas.add(tpm.pki().devIdIntermediate().certificate());
    }
    cas.add(tpm.pki().devIdRoot().certificate());
    assertThat(o.spiffeId()).isEqualTo(E2eLab.expectedSpiffeId(leaf));
    assertThat(o.selectors()).containsExactlyElementsOf(E2eLab.expectedSelectors(leaf, cas));
    assertThat(o.canReattest()).isTrue();
    assertThat(o.transcript().entries())
        .extracting(Transcript.Entry::kind)
        .containsExactly(
            Transcript.Kind.PAYLOAD,
            Transcript.Kind.CHALLENGE,
            Transcript.Kind.CHALLENGE_RESPONSE,
            Transcript.Kind.AGENT_ATTRIBUTES);
  }
}
