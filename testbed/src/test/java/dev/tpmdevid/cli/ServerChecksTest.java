package dev.tpmdevid.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tpmdevid.verifier.AttestationFailure;
import dev.tpmdevid.verifier.AttestationFailure.Reason;
import dev.tpmdevid.verifier.TpmDevIdVerifier;
import dev.tpmdevid.verifier.testing.Forgeries;
import dev.tpmdevid.verifier.testing.Forgeries.Case;
import dev.tpmdevid.verifier.testing.SoftwareAgent;
import dev.tpmdevid.verifier.x509.PemCertificates;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The demo's check list is the verifier's step list, and the message prefixes it reads a refused
 * step from (a gRPC status carries only the message) agree with the step the verifier names: every
 * refused forgery's message maps to the check of its {@link AttestationFailure#reason()}.
 */
class ServerChecksTest {

    @Test
    void checksAreTheVerifierSteps() {
        assertThat(ServerChecks.CHECKS).extracting(ServerChecks.Check::reason).containsExactlyElementsOf(Reason.checks());
        assertThat(ServerChecks.CHECKS).allSatisfy(c -> assertThat(c.plain()).isNotBlank());
    }

    @Test
    void refusedForgeries_mapToTheStepTheVerifierNames() throws Exception {
        SoftwareAgent a = SoftwareAgent.goLike();
        List<Case> cases = new ArrayList<>();
        cases.addAll(Forgeries.nonCanonicalEncodings(a));
        cases.addAll(Forgeries.nameConstraints(a));
        cases.addAll(Forgeries.pssParameters(a));
        cases.addAll(Forgeries.badNames(a));
        int refused = 0;
        for (Case c : cases) {
            if (c.accepted()) {
                continue;
            }
            TpmDevIdVerifier v = TpmDevIdVerifier.builder()
                    .devIdRoots(PemCertificates.parse(c.devIdBundlePem().getBytes(StandardCharsets.US_ASCII)))
                    .endorsementRoots(PemCertificates.parse(c.ekBundlePem().getBytes(StandardCharsets.US_ASCII)))
                    .build();
            try {
                v.begin(c.payload());
                throw new AssertionError(c.name() + ": accepted");
            } catch (AttestationFailure e) {
                int i = ServerChecks.failedIndex(e.getMessage());
                assertThat(i).as(c.name() + ": " + e.getMessage()).isNotNegative();
                assertThat(ServerChecks.CHECKS.get(i).reason()).as(c.name() + ": " + e.getMessage())
                        .isEqualTo(e.reason());
                refused++;
            }
        }
        assertThat(refused).isGreaterThan(10);
    }
}
