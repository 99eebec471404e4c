package dev.tpmdevid.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tpmdevid.core.ek.EkCertificates;
import dev.tpmdevid.core.tpm.TpmFormatException;
import dev.tpmdevid.verifier.AttestationFailure;
import dev.tpmdevid.verifier.TpmDevIdVerifier;
import dev.tpmdevid.verifier.x509.PemCertificates;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code tpm-devid inspect}: says what a file is and decodes it (see {@link Inspector}). */
@Command(
    name = "inspect",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = {
      "Decode any file of the tpm_devid protocol and say what it is (by content).",
      "Recognises, by content and never by file name: AttestationRequest / ChallengeRequest / ChallengeResponse JSON (every member decoded),"
          + " TPMT_PUBLIC and TPM2B_PUBLIC blobs, TPM2B_PRIVATE (sizes only), TPMS_ATTEST, TPMT_SIGNATURE,"
          + " tpm2-tools credential files (0xBADCC0DE), X.509 certificates (PEM or DER, with the TCG EK fields"
          + " and EK profile checks), PKCS#10 requests, EK certificate NV dumps, and the step commands' state"
          + " files.",
      "With --endorsement-ca, runs the server plugin's EK certificate validation (Go x509 rules, no"
          + " intermediates from the agent, TCG SAN handled on the EK leaf only) and prints the path or the"
          + " failed rule."
    },
    footerHeading = "%nExamples:%n",
    footer = {
      "  tpm-devid inspect request.json challenge.json response.json",
      "  tpm-devid inspect devid.pub.blob devid.priv.blob ek-nv.bin",
      "  tpm-devid inspect --endorsement-ca endorsement-ca.pem --at 2020-06-01T00:00:00Z ek.pem"
    })
final class InspectCommand extends ToolCommand {
  @Parameters(arity = "1..*", paramLabel = "FILE", description = "Files to decode.")
  List<Path> files;

  @Option(
      names = "--endorsement-ca",
      paramLabel = "bundle.pem",
      description =
          "Validate each file's EK certificate against this PEM bundle (every certificate an anchor).")
  Path endorsementCa;

  @Option(
      names = "--at",
      paramLabel = "TIME",
      description =
          "With --endorsement-ca: check validity at this instant (ISO-8601) instead of now.")
  String at;

  @Option(names = "--json", description = "Print JSON (one object per file, in an array).")
  boolean json;

  @Override
  int run() throws Exception {
    if (at != null && endorsementCa == null) {
      throw new Failure("--at only applies with --endorsement-ca");
    }
    return endorsementCa != null ? validateEk() : decode();
  }

  private int decode() throws Exception {
    int failures = 0;
    ArrayNode all = ToolFiles.JSON.createArrayNode();
    for (Path f : files) {
      byte[] data;
      try {
        data = ToolFiles.read(f);
      } catch (Failure e) {
        failures++;
        fail(e.getMessage());
        continue;
      }
      Inspector.Result r;
      try {
        r = Inspector.inspect(data);
      } catch (Inspector.Unknown e) {
        failures++;
        if (json) {
          ObjectNode o = all.addObject();
          o.put("file", f.toString());
          o.put("error", e.getMessage());
        }
        fail(f + ": " + e.getMessage());
        continue;
      }
      if (json) {
        ObjectNode o = all.addObject();
        o.put("file", f.toString());
        o.put("type", r.type());
        o.set("fields", ToolFiles.JSON.valueToTree(r.fields()));
      } else {
        out().println(f + ": " + r.type());
        render(out(), r.fields(), "  ");
      }
    }
    if (json) {
      out().println(ToolFiles.JSON.writerWithDefaultPrettyPrinter().writeValueAsString(all));
    }
    out().flush();
    return failures == 0 ? 0 : 1;
  }

  /** key: value lines, nested maps and lists indented. */
  static void render(PrintWriter out, Map<String, Object> fields, String indent) {
    for (Map.Entry<String, Object> e : fields.entrySet()) {
      renderValue(out, e.getKey(), e.getValue(), indent);
    }
  }

  @SuppressWarnings("unchecked")
  private static void renderValue(PrintWriter out, String key, Object v, String indent) {
    if (v instanceof Map<?, ?> m) {
      out.println(indent + key + ":");
      render(out, (Map<String, Object>) m, indent + "  ");
    } else if (v instanceof List<?> l) {
      out.println(indent + key + ": " + (l.isEmpty() ? "(none)" : ""));
      for (int i = 0; i < l.size(); i++) {
        renderValue(out, "[" + i + "]", l.get(i), indent + "  ");
      }
    } else {
      out.println(indent + key + ": " + v);
    }
  }

  private record EkPaths(List<List<X509Certificate>> chains) {}

  /** The endorsement bundle's certificates, read as the server plugin reads endorsement_ca_path. */
  private List<X509Certificate> roots(byte[] bundle) throws Failure {
    try {
      List<X509Certificate> roots = PemCertificates.parse(bundle);
      if (roots.isEmpty()) {
        throw new Failure(
            endorsementCa
                + ": unable to load endorsement trust bundle: no certificates found in file");
      }
      return roots;
    } catch (java.security.cert.CertificateException e) {
      throw new Failure(
          endorsementCa + ": unable to load endorsement trust bundle: " + e.getMessage());
    }
  }

  private int validateEk() throws Exception {
    byte[] bundle = ToolFiles.read(endorsementCa);
    Instant time = at == null ? Instant.now() : ServerCommand.instant(at);
    int failures = 0;
    ArrayNode all = ToolFiles.JSON.createArrayNode();
    for (Path f : files) {
      byte[] der = ekDer(ToolFiles.read(f), f);
      ObjectNode o = all.addObject();
      o.put("file", f.toString());
      o.put("at", time.toString());
      try {
        EkPaths paths =
            new EkPaths(TpmDevIdVerifier.verifyEndorsementCertificate(roots(bundle), der, time));
        o.put("result", "valid");
        ArrayNode chains = o.putArray("chains");
        if (!json) {
          out()
              .println(
                  f
                      + ": EK certificate chain valid at "
                      + time
                      + " ("
                      + paths.chains().size()
                      + (paths.chains().size() == 1 ? " path)" : " paths)"));
        }
        for (List<X509Certificate> chain : paths.chains()) {
          ArrayNode c = chains.addArray();
          for (int i = 0; i < chain.size(); i++) {
            X509Certificate x = chain.get(i);
            String role = i == 0 ? "EK" : i == chain.size() - 1 ? "anchor" : "intermediate";
            String subject = x.getSubjectX500Principal().getName();
            c.add(role + ": " + (subject.isEmpty() ? "(empty subject)" : subject));
            if (!json) {
              out()
                  .println(
                      "  "
                          + "  ".repeat(i)
                          + role
                          + ": "
                          + (subject.isEmpty() ? "(empty subject, TCG SAN)" : subject)
                          + "  [sha1 "
                          + Describe.sha1Hex(x.getEncoded())
                          + "]");
            }
          }
        }
      } catch (AttestationFailure e) {
        failures++;
        o.put("result", "rejected");
        o.put("error", e.getMessage());
        if (!json) {
          out().println(f + ": REJECTED at " + time + ": " + e.getMessage());
        }
      }
    }
    if (json) {
      out().println(ToolFiles.JSON.writerWithDefaultPrettyPrinter().writeValueAsString(all));
    }
    out().flush();
    return failures == 0 ? 0 : 1;
  }

  /** The EK certificate DER in a PEM, DER or NV-dump file. */
  private static byte[] ekDer(byte[] data, Path f) throws Failure {
    if (Pems.looksLikePem(data)) {
      for (Pems.Block b : Pems.blocks(data)) {
        if (b.label().equals("CERTIFICATE") && b.der() != null) {
          return b.der();
        }
      }
      throw new Failure(f + ": no CERTIFICATE block");
    }
    if (X509Describer.derLength(data) == data.length) {
      return data;
    }
    try {
      return EkCertificates.fromNvContents(data);
    } catch (TpmFormatException e) {
      throw new Failure(f + ": not a certificate (PEM, DER or NV dump): " + e.getMessage());
    }
  }
}
