package dev.tpmdevid.testbed.host;
import org.junit.jupiter.api.Test;
class DebugTmpTest {
  @Test void run() throws Exception {
    long t0 = System.nanoTime();
    try (PluginHost host = PluginHost.builder(PluginKind.AGENT, PluginCommands.agent()).start()) {
      System.out.println("started " + (System.nanoTime()-t0)/1e6 + " hs=" + host.handshake() + " init=" + host.initTime() + " names=" + host.pluginServiceNames() + " warn=" + host.warnings());
      try { host.configure("example.org", "devid_cert_path = \"/nonexistent\"\ndevid_priv_path = \"/x\"\ndevid_pub_path=\"/y\"\ntpm_device_path=\"/z\""); } catch (PluginLoadException e) { System.out.println("configure: " + e.getMessage()); }
      long t1 = System.nanoTime();
      host.close();
      System.out.println("closed " + (System.nanoTime()-t1)/1e6 + " " + host.warnings());
      host.logs().forEach(e -> System.out.println(e.received() + " " + e));
    }
  }
}
