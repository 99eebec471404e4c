package dev.tpmdevid.bench;

import dev.tpmdevid.labpki.KeyType;
import dev.tpmdevid.testbed.host.AttestationOutcome;
import dev.tpmdevid.testbed.host.AttestationRelay;
import dev.tpmdevid.testbed.host.PluginCommands;
import dev.tpmdevid.testbed.host.PluginHost;
import dev.tpmdevid.testbed.host.PluginKind;
import dev.tpmdevid.testbed.provision.ProvisionCache;
import dev.tpmdevid.testbed.provision.ProvisionOptions;
import dev.tpmdevid.testbed.provision.ProvisionedTpm;
import dev.tpmdevid.testbed.swtpm.Swtpm;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Our agent plugin against SPIRE's Go agent plugin on the same swtpm (a copy of one provisioned
 * state, unix socket: the only transport the Go agent has), RSA and ECC DevID, RSA EK and AK (what
 * the Go agent uses). Per run a fresh agent plugin process is started and configured, then attests
 * twice against our server plugin (loaded once): the first attestation and the repeat
 * (reattestation). Wall time of each, and the TPM commands each one sent (counted by {@link
 * CountingTpmProxy} between the plugin and swtpm). Medians of {@code runs}. Prints {@code ratio
 * agent-first-java-vs-go} (lower is better; RSA and ECC DevID summed).
 *
 * <p>Usage: {@code AgentBench [runs]}.
 */
public final class AgentBench {
  private AgentBench() {}

  record Run(
      double configureMs,
      double firstMs,
      double repeatMs,
      long configureCmds,
      long firstCmds,
      long repeatCmds) {}

  public static void main(String[] args) throws Exception {
    int runs = args.length > 0 ? Integer.parseInt(args[0]) : 9;
    List<String> lines = new ArrayList<>();
    double javaFirst = 0;
    double goFirst = 0;
    try (PluginHost server =
        PluginHost.builder(PluginKind.SERVER, PluginCommands.server()).start()) {
      for (KeyType devId : KeyType.values()) {
        ProvisionOptions options = ProvisionOptions.defaults().withDevIdKeyType(devId);
        try (ProvisionedTpm tpm = ProvisionCache.shared().start(options, Swtpm.Transport.UNIX)) {
          server.configure("example.org", tpm.serverConfig());
          Path proxySocket = Files.createTempDirectory("tdp").resolve("tpm.sock");
          try (CountingTpmProxy proxy =
              new CountingTpmProxy(proxySocket, Path.of(tpm.tpmDevicePath()))) {
            String hcl = tpm.agentConfig().replace(tpm.tpmDevicePath(), proxySocket.toString());
            for (String impl : new String[] {"java", "go"}) {
              List<String> cmd =
                  impl.equals("java")
                      ? PluginCommands.agent()
                      : PluginCommands.go(PluginKind.AGENT);
              List<Run> rs = new ArrayList<>();
              for (int r = 0; r < runs; r++) {
                rs.add(once(cmd, hcl, server, proxy));
              }
              Run m = median(rs);
              lines.add(
                  String.format(
                      Locale.ROOT,
                      "%-5s %-4s %12.1f %10.1f %10.1f %8d %8d %8d",
                      impl,
                      devId,
                      m.configureMs,
                      m.firstMs,
                      m.repeatMs,
                      m.configureCmds,
                      m.firstCmds,
                      m.repeatCmds));
              if (impl.equals("java")) {
                javaFirst += m.firstMs;
              } else {
                goFirst += m.firstMs;
              }
            }
          }
        }
      }
    }
    System.out.println();
    System.out.printf(
        Locale.ROOT,
        "Agent plugins on swtpm (median of %d; TPM commands via counting proxy)%n",
        runs);
    System.out.printf(
        Locale.ROOT,
        "%-5s %-4s %12s %10s %10s %8s %8s %8s%n",
        "impl",
        "key",
        "configure_ms",
        "first_ms",
        "repeat_ms",
        "cfg_cmds",
        "1st_cmds",
        "rep_cmds");
    lines.forEach(System.out::println);
    System.out.printf(Locale.ROOT, "ratio agent-first-java-vs-go %.2f%n", javaFirst / goFirst);
  }

  static Run once(List<String> cmd, String hcl, PluginHost server, CountingTpmProxy proxy)
      throws Exception {
    try (PluginHost agent = PluginHost.builder(PluginKind.AGENT, cmd).start()) {
      long c0 = proxy.commands();
      long t0 = System.nanoTime();
      agent.configure("example.org", hcl);
      long t1 = System.nanoTime();
      long c1 = proxy.commands();
      AttestationRelay relay = new AttestationRelay(agent, server, "example.org");
      AttestationOutcome first = relay.attest();
      long t2 = System.nanoTime();
      long c2 = proxy.commands();
      AttestationOutcome repeat = relay.attest();
      long t3 = System.nanoTime();
      long c3 = proxy.commands();
      if (!first.succeeded() || !repeat.succeeded()) {
        throw new IllegalStateException(
            "attestation failed: " + first.operatorView() + " / " + repeat.operatorView());
      }
      return new Run((t1 - t0) / 1e6, (t2 - t1) / 1e6, (t3 - t2) / 1e6, c1 - c0, c2 - c1, c3 - c2);
    }
  }

  static Run median(List<Run> rs) {
    return new Run(
        Startup.median(rs.stream().map(Run::configureMs).toList()),
        Startup.median(rs.stream().map(Run::firstMs).toList()),
        Startup.median(rs.stream().map(Run::repeatMs).toList()),
        Math.round(Startup.median(rs.stream().map(r -> (double) r.configureCmds()).toList())),
        Math.round(Startup.median(rs.stream().map(r -> (double) r.firstCmds()).toList())),
        Math.round(Startup.median(rs.stream().map(r -> (double) r.repeatCmds()).toList())));
  }
}
