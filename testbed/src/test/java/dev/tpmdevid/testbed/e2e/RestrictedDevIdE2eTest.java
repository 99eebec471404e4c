package dev.tpmdevid.testbed.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tpmdevid.core.tpm.ObjectAttribute;
import dev.tpmdevid.core.tpm.TpmtPublic;
import dev.tpmdevid.core.wire.AttestationRequest;
import dev.tpmdevid.labpki.KeyType;
import dev.tpmdevid.testbed.e2e.CrossImplementationMatrixTest.Impl;
import dev.tpmdevid.testbed.host.AttestationOutcome;
import dev.tpmdevid.testbed.host.Transcript;
import dev.tpmdevid.testbed.provision.ProvisionCache;
import dev.tpmdevid.testbed.provision.ProvisionOptions;
import dev.tpmdevid.testbed.provision.ProvisionedTpm;
import dev.tpmdevid.testbed.swtpm.Swtpm;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A <em>restricted</em> signing DevID (attributes 0x00050072) made in swtpm: SPIRE's Go agent signs
 * the nonce with it through a TPM2_Hash ticket and SPIRE's Go server accepts it, so our server must
 * accept it too (never refuse a genuine Go agent); our agent signs with it the same way. Every pair
 * of {Java, Go} agent × {Java, Go} server, RSA and ECC DevID, real plugin processes.
 */
class RestrictedDevIdE2eTest extends E2eLabTest {

  static Stream<Arguments> matrix() {
    List<Arguments> all = new ArrayList<>();
    for (Impl agent : Impl.values()) {
      for (Impl server : Impl.values()) {
        for (KeyType devId : KeyType.values()) {
          all.add(Arguments.of(agent, server, devId));
        }
      }
    }
    return all.stream();
  }

  @ParameterizedTest(name = "{0} agent, {1} server, restricted {2} DevID")
  @MethodSource("matrix")
  void restrictedSigningDevId_attests(Impl agentImpl, Impl serverImpl, KeyType devId)
      throws Exception {
    ProvisionOptions options =
        ProvisionOptions.defaults()
            .withDevIdKeyType(devId)
            .withDevIdRestricted(true)
            .withDevIdCommonName("restricted-" + devId.name().toLowerCase());
    try (ProvisionedTpm tpm = ProvisionCache.shared().start(options, Swtpm.Transport.UNIX)) {
      AttestationOutcome o =
          CrossImplementationMatrixTest.attest(
              agentImpl, tpm.agentConfig(), serverImpl, tpm.serverConfig());

      assertThat(o.succeeded()).as(o.operatorView()).isTrue();
      AttestationRequest sent =
          AttestationRequest.fromJson(o.transcript().first(Transcript.Kind.PAYLOAD).bytes());
      TpmtPublic devIdPub = TpmtPublic.parse(sent.devIdPub());
      assertThat(devIdPub.objectAttributes().contains(ObjectAttribute.RESTRICTED))
          .as("the DevID the agent used is restricted")
          .isTrue();
      assertThat(devIdPub.objectAttributes().contains(ObjectAttribute.SIGN)).isTrue();
      X509Certificate leaf = tpm.devIdCertificate();
      List<X509Certificate> cas =
          List.of(tpm.pki().devIdIntermediate().certificate(), tpm.pki().devIdRoot().certificate());
      assertThat(o.spiffeId()).isEqualTo(E2eLab.expectedSpiffeId(leaf));
      assertThat(o.selectors()).containsExactlyElementsOf(E2eLab.expectedSelectors(leaf, cas));
    }
  }
}
